using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Transport;

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
