using System.Net;
using System.Text.Json.Nodes;
using Ccgw.Configuration;

namespace Ccgw.Configuration.Tests;

/// <summary>Outbound.Port is optional (DNS SRV finds it) and Sip:DnsServers names the servers to ask.</summary>
public sealed class TrunkPeerDnsConfigTests
{
    private static void AssertSingleError(LoadedConfiguration loaded, string key, string fragment)
    {
        var errors = loaded.Problems.Errors;
        Assert.False(loaded.IsValid);
        Assert.True(errors.Count == 1 && errors[0].Key == key, $"expected one problem at {key}, got:\n{string.Join("\n", errors)}");
        Assert.Contains(fragment, errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outbound_port_may_be_left_out_and_binds_as_null()
    {
        var loaded = DemoConfig.LoadEdited(d =>
        {
            var peer = d["Trunks"]![0]!["Outbound"]!.AsObject();
            peer.Remove("Port");
            peer["Host"] = "pbx.example.com";
        });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Null(loaded.Options.Trunks[0].Outbound!.Port);
    }

    [Fact]
    public void An_empty_environment_value_unsets_the_port_the_file_gives()
    {
        var loaded = DemoConfig.LoadEdited(_ => { }, new Dictionary<string, string>
        {
            ["CCGW__Trunks__0__Outbound__Port"] = "",
            ["CCGW__Trunks__0__Outbound__Host"] = "pbx.example.com",
        });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Null(loaded.Options.Trunks[0].Outbound!.Port);
        Assert.Equal("pbx.example.com", loaded.Options.Trunks[0].Outbound!.Host);
    }

    [Fact]
    public void An_empty_value_for_a_setting_that_must_have_one_is_still_refused()
    {
        var loaded = DemoConfig.LoadEdited(_ => { }, new Dictionary<string, string> { ["CCGW__Routing__OfferTimeoutSeconds"] = "" });
        AssertSingleError(loaded, "Routing:OfferTimeoutSeconds", "is not a whole number");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void A_given_outbound_port_must_be_a_port(int port)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Trunks"]![0]!["Outbound"]!["Port"] = port);
        AssertSingleError(loaded, "Trunks:0:Outbound:Port", "not a port");
    }

    [Fact]
    public void Dns_servers_default_to_none_configured()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Empty(loaded.Options.Sip.DnsServers);
    }

    [Fact]
    public void Dns_servers_as_addresses_with_or_without_ports_are_accepted()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Sip"] = new JsonObject { ["DnsServers"] = new JsonArray("192.0.2.53", "127.0.0.1:5353", "::1", "[2001:db8::53]:5300") });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal(4, loaded.Options.Sip.DnsServers.Count);
    }

    [Theory]
    [InlineData("dns.example.com")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.1")]
    [InlineData("::1:53:x")]
    [InlineData("")]
    public void A_dns_server_that_is_not_an_address_is_named_by_its_index(string text)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Sip"] = new JsonObject { ["DnsServers"] = new JsonArray("192.0.2.53", text) });
        AssertSingleError(loaded, "Sip:DnsServers:1", "not a DNS server");
    }

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData("2001:db8::1", "[2001:db8::1]:53")]
    [InlineData("[2001:db8::1]:5300", "[2001:db8::1]:5300")]
    [InlineData("[::1]", "[::1]:53")]
    public void Dns_server_entries_parse_to_end_points(string text, string expected)
    {
        Assert.True(SipOptions.TryParseDnsServer(text, out var server));
        Assert.Equal(IPEndPoint.Parse(expected), server);
    }
}
