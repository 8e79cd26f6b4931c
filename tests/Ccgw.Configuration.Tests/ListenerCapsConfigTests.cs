using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary>Listeners:MaxConnections and Listeners:MaxConnectionsPerAddress: defaults, and errors naming the key.</summary>
public sealed class ListenerCapsConfigTests
{
    [Fact]
    public void Demo_config_gets_the_default_caps()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal(10_000, loaded.Options.Listeners.MaxConnections);
        Assert.Equal(256, loaded.Options.Listeners.MaxConnectionsPerAddress);
    }

    [Theory]
    [InlineData(0, 10, "Listeners:MaxConnections")]
    [InlineData(100_000, 10, "Listeners:MaxConnections")]
    [InlineData(100, 0, "Listeners:MaxConnectionsPerAddress")]
    [InlineData(100, 101, "Listeners:MaxConnectionsPerAddress")]
    public void Out_of_range_cap_is_named(int total, int perAddress, string key)
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            var listeners = (JsonObject)d["Listeners"]!;
            listeners["MaxConnections"] = total;
            listeners["MaxConnectionsPerAddress"] = perAddress;
        });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal(key, error.Key);
    }
}
