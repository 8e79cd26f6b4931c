using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary>
/// Listeners:Https and the surfaces' own listeners (Http:Admin/Metrics/MqttWebSocket:Listen) are checked at start,
/// each problem naming its key.
/// </summary>
public sealed class HttpListenersConfigTests
{
    [Fact]
    public void Demo_config_has_https_off_and_every_surface_on_the_main_listener()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.False(loaded.Options.Listeners.Https.Enabled);
        Assert.Null(loaded.Options.Http.Admin.Listen);
        Assert.Null(loaded.Options.Http.Metrics.Listen);
        Assert.Null(loaded.Options.Http.MqttWebSocket.Listen);
    }

    [Fact]
    public void Https_enabled_without_a_certificate_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Https"] = new JsonObject { ["Enabled"] = true, ["Port"] = 8443 });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Listeners:Https:Certificate", error.Key);
    }

    [Fact]
    public void Https_certificate_that_does_not_exist_is_named()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Https"] = new JsonObject
            { ["Enabled"] = true, ["Port"] = 8443, ["Certificate"] = "no-such.pem", ["CertificateKey"] = "no-such.key" });
        Assert.Contains(loaded.Problems.Errors, e => e.Key == "Listeners:Https:Certificate");
        Assert.Contains(loaded.Problems.Errors, e => e.Key == "Listeners:Https:CertificateKey");
    }

    [Fact]
    public void Https_on_the_http_port_is_an_overlap()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Listeners"]!["Https"] = new JsonObject
            { ["Enabled"] = true, ["Port"] = 8080, ["Certificate"] = "ccgw.json" });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Listeners:Https:Port", error.Key);
        Assert.Contains("Listeners:Http", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("Metrics")]
    [InlineData("MqttWebSocket")]
    public void Surface_listener_with_a_bad_port_or_address_is_named(string surface)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Http"] = new JsonObject
        {
            [surface] = new JsonObject { ["Listen"] = new JsonObject { ["Address"] = "localhost", ["Port"] = 70000 } },
        });
        Assert.Contains(loaded.Problems.Errors, e => e.Key == $"Http:{surface}:Listen:Address");
        Assert.Contains(loaded.Problems.Errors, e => e.Key == $"Http:{surface}:Listen:Port");
    }

    [Fact]
    public void Surface_listener_on_the_public_port_is_an_overlap()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Http"] = new JsonObject
        {
            ["Admin"] = new JsonObject { ["Listen"] = new JsonObject { ["Address"] = "0.0.0.0", ["Port"] = 8080 } },
        });
        var error = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Http:Admin:Listen:Port", error.Key);
    }

    [Fact]
    public void Surfaces_may_share_a_listener_when_they_agree_on_tls()
    {
        JsonObject Listen(string? certificate) => new()
        {
            ["Listen"] = certificate is null
                ? new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = 9100 }
                : new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = 9100, ["Certificate"] = certificate },
        };
        var shared = DemoConfig.LoadEdited(d => d["Http"] = new JsonObject { ["Admin"] = Listen(null), ["Metrics"] = Listen(null) });
        Assert.True(shared.IsValid, string.Join('\n', shared.Problems.Errors));

        var disagree = DemoConfig.LoadEdited(d => d["Http"] = new JsonObject { ["Admin"] = Listen(null), ["Metrics"] = Listen("ccgw.json") });
        var error = Assert.Single(disagree.Problems.Errors);
        Assert.Equal("Http:Metrics:Listen:Certificate", error.Key);
    }

    [Fact]
    public void Mqtt_websocket_listener_in_external_mode_is_a_warning()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            d["Mqtt"] = new JsonObject { ["Mode"] = "external", ["External"] = new JsonObject { ["Host"] = "broker.example" } };
            d["Http"] = new JsonObject { ["MqttWebSocket"] = new JsonObject { ["Listen"] = new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = 9101 } } };
        });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Contains(loaded.Problems.Warnings, w => w.Key == "Http:MqttWebSocket:Listen");
    }
}
