using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary>The Http section: proxy addresses, body limit and rate limits are checked at start, naming the key.</summary>
public sealed class HttpConfigTests
{
    [Fact]
    public void Demo_config_gets_bounded_defaults()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Empty(loaded.Options.Http.KnownProxies);
        Assert.Equal(16 * 1024, loaded.Options.Http.MaxRequestBodyBytes);
        Assert.Equal(30, loaded.Options.Http.RateLimits.Submissions.PermitLimit);
        Assert.Equal(60, loaded.Options.Http.RateLimits.Lookups.WindowSeconds);
    }

    [Fact]
    public void Proxy_that_is_not_an_address_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Http"] = new JsonObject { ["KnownProxies"] = new JsonArray("10.0.0.5", "proxy.example") });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Contains("Http:KnownProxies:1", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("proxy.example", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxRequestBodyBytes", 10, "Http:MaxRequestBodyBytes")]
    [InlineData("Submissions.PermitLimit", 0, "Http:RateLimits:Submissions:PermitLimit")]
    [InlineData("Lookups.WindowSeconds", 0, "Http:RateLimits:Lookups:WindowSeconds")]
    public void Out_of_range_limit_is_named(string path, int value, string key)
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            var parts = path.Split('.');
            d["Http"] = parts.Length == 1
                ? new JsonObject { [parts[0]] = value }
                : new JsonObject { ["RateLimits"] = new JsonObject { [parts[0]] = new JsonObject { [parts[1]] = value } } };
        });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Contains(key, error.ToString(), StringComparison.Ordinal);
    }
}
