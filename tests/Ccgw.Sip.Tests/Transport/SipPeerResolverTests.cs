using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Dns;
using Ccgw.Sip.Tests.Dns;
using Ccgw.Sip.Transport;
using Ccgw.Testing;
using DnsClient;

namespace Ccgw.Sip.Tests.Transport;

/// <summary>Trunk peers by address or by name (RFC 3263 §4.2: a port is given, so A/AAAA only), with the system resolver.</summary>
public sealed class SipPeerResolverTests
{
    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public async Task An_address_is_used_as_written_whatever_the_family_asked_for(string host, string expected)
    {
        var resolved = await new SipPeerResolver(dns: null).ResolveAsync(new SipPeer(host, 5080, SipTransportKind.Tcp), AddressFamily.InterNetwork, CancellationToken.None);
        Assert.NotNull(resolved);
        var endPoint = resolved.Value;
        Assert.Equal(IPAddress.Parse(expected), endPoint.Address.Address);
        Assert.Equal(5080, endPoint.Address.Port);
        Assert.Equal(SipTransportKind.Tcp, endPoint.Transport);
    }

    [Fact]
    public async Task A_name_is_resolved_to_an_address_of_the_listeners_family()
    {
        var resolved = await new SipPeerResolver(dns: null).ResolveAsync(new SipPeer("localhost", 5070, SipTransportKind.Udp), AddressFamily.InterNetwork, CancellationToken.None);
        Assert.NotNull(resolved);
        var endPoint = resolved.Value;
        Assert.Equal(IPAddress.Loopback, endPoint.Address.Address);
        Assert.Equal(5070, endPoint.Address.Port);
    }

    [Fact]
    public async Task A_name_without_an_address_gives_none()
    {
        // RFC 6761 §6.4: ".invalid" names never resolve.
        Assert.Null(await new SipPeerResolver(dns: null).ResolveAsync(new SipPeer("pbx.invalid", 5060, SipTransportKind.Udp), AddressFamily.InterNetwork, CancellationToken.None));
    }

    [Theory]
    [InlineData("udp", SipTransportKind.Udp)]
    [InlineData("TCP", SipTransportKind.Tcp)]
    [InlineData("tls", SipTransportKind.Tls)]
    public void Transport_names_are_read_without_case(string name, SipTransportKind expected) =>
        Assert.Equal(expected, SipPeerResolver.TransportNamed(name));
}

/// <summary>RFC 3263 §4.2 for a peer without a port: SRV through DnsClient (against a scripted server).</summary>
public sealed class SipPeerSrvResolverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static FakeDnsServer Zone(Dictionary<(string, QueryType), byte[][]> records) => new()
    {
        OnUdp = (q, question) => [records.TryGetValue((question.Name.ToLowerInvariant(), question.Type), out var answers)
            ? FakeDnsServer.Reply(q, answers)
            : FakeDnsServer.Reply(q, rcode: records.Keys.Any(k => k.Item1 == question.Name.ToLowerInvariant()) ? 0 : 3)],
    };

    private static async Task<SipEndPoint?> ResolveAsync(FakeDnsServer server, SipPeer peer, int seed = 1) =>
        await new SipPeerResolver(new SipDnsClient([server.EndPoint], new ManualTimeProvider()), new Random(seed))
            .ResolveAsync(peer, AddressFamily.InterNetwork, CancellationToken.None).WaitAsync(Patience);

    [Theory]
    [InlineData(SipTransportKind.Udp, "_sip._udp.pbx.test")]
    [InlineData(SipTransportKind.Tcp, "_sip._tcp.pbx.test")]
    [InlineData(SipTransportKind.Tls, "_sips._tcp.pbx.test")]
    public async Task The_service_asked_for_follows_the_transport_and_the_SRV_port_is_used(SipTransportKind transport, string service)
    {
        await using var server = Zone(new()
        {
            [(service, QueryType.SRV)] = [FakeDnsServer.Srv(10, 0, 5088, "edge.pbx.test")],
            [("edge.pbx.test", QueryType.A)] = [FakeDnsServer.A("192.0.2.20")],
        });
        var resolved = await ResolveAsync(server, new SipPeer("pbx.test", null, transport));
        Assert.Equal(new SipEndPoint(transport, new IPEndPoint(IPAddress.Parse("192.0.2.20"), 5088)), resolved);
    }

    [Fact]
    public async Task The_lowest_priority_target_with_an_address_wins()
    {
        await using var server = Zone(new()
        {
            [("_sip._udp.pbx.test", QueryType.SRV)] =
            [
                FakeDnsServer.Srv(20, 100, 5062, "backup.test"),
                FakeDnsServer.Srv(10, 50, 5061, "gone.test"),
                FakeDnsServer.Srv(10, 50, 5060, "main.test"),
            ],
            [("main.test", QueryType.A)] = [FakeDnsServer.A("192.0.2.1")],
            [("backup.test", QueryType.A)] = [FakeDnsServer.A("192.0.2.2")],
        });
        for (var seed = 0; seed < 5; seed++)
            Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5060), (await ResolveAsync(server, new SipPeer("pbx.test", null, SipTransportKind.Udp), seed))?.Address);
    }

    [Fact]
    public async Task An_IPv6_only_target_is_used_when_it_has_no_IPv4_address()
    {
        await using var server = Zone(new()
        {
            [("_sip._udp.pbx.test", QueryType.SRV)] = [FakeDnsServer.Srv(10, 0, 5060, "v6.test")],
            [("v6.test", QueryType.AAAA)] = [FakeDnsServer.A("2001:db8::5")],
        });
        Assert.Equal(IPAddress.Parse("2001:db8::5"), (await ResolveAsync(server, new SipPeer("pbx.test", null, SipTransportKind.Udp)))?.Address.Address);
    }

    [Fact]
    public async Task A_single_dot_target_means_the_service_is_not_offered()
    {
        await using var server = Zone(new() { [("_sip._udp.localhost", QueryType.SRV)] = [FakeDnsServer.Srv(0, 0, 0, ".")] });
        Assert.Null(await ResolveAsync(server, new SipPeer("localhost", null, SipTransportKind.Udp)));
    }

    [Theory]
    [InlineData(SipTransportKind.Udp, 5060)]
    [InlineData(SipTransportKind.Tls, 5061)]
    public async Task Without_SRV_records_the_name_itself_is_used_on_the_default_port(SipTransportKind transport, int port)
    {
        await using var server = Zone([]);
        var resolved = await ResolveAsync(server, new SipPeer("localhost", null, transport));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), resolved?.Address);
        Assert.Equal(1, server.UdpQueries);
    }

    [Fact]
    public async Task A_DNS_failure_leaves_the_peer_unresolved()
    {
        await using var server = new FakeDnsServer { OnUdp = (q, _) => [FakeDnsServer.Reply(q, rcode: 2)] };
        Assert.Null(await ResolveAsync(server, new SipPeer("localhost", null, SipTransportKind.Udp)));
    }

    [Fact]
    public async Task A_configured_port_skips_SRV()
    {
        await using var server = Zone([]);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5099), (await ResolveAsync(server, new SipPeer("localhost", 5099, SipTransportKind.Udp)))?.Address);
        Assert.Equal(0, server.UdpQueries);
    }

    [Theory]
    [InlineData(SipTransportKind.Udp, 5060)]
    [InlineData(SipTransportKind.Tcp, 5060)]
    [InlineData(SipTransportKind.Tls, 5061)]
    public async Task An_address_without_a_port_gets_the_default_port_and_no_lookup(SipTransportKind transport, int port)
    {
        await using var server = Zone([]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.4"), port), (await ResolveAsync(server, new SipPeer("192.0.2.4", null, transport)))?.Address);
        Assert.Equal(0, server.UdpQueries);
    }
}
