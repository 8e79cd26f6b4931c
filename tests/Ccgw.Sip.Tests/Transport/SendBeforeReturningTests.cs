using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Transport;

/// <summary>The direct datagram path beside the send queue (used for a call-back's INVITE after its durable mark).</summary>
public class SendBeforeReturningTests
{
    [Fact]
    public async Task A_datagram_sent_before_returning_arrives_whole()
    {
        await using var stack = new SipStack(new SipStackOptions
        {
            Transport = new SipTransportOptions { Udp = new IPEndPoint(IPAddress.Loopback, 0), Tcp = null },
        }, new InMemoryCredentialStore([]), new InMemoryRegistrationStore(), TimeProvider.System);
        stack.Start();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var invite = Request("""
            INVITE sip:+15550100@127.0.0.1 SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKdirect1
            From: <sip:100@gw.example>;tag=a1
            To: <sip:+15550100@127.0.0.1>
            Call-ID: direct-1
            CSeq: 1 INVITE
            Max-Forwards: 70
            Content-Length: 0


            """);

        stack.Sender.SendBeforeReturning(invite, new SipEndPoint(SipTransportKind.Udp, (IPEndPoint)peer.LocalEndPoint!));

        var buffer = new byte[4096];
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await peer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), guard.Token);
        var message = Assert.IsType<SipRequest>(SipMessageParser.ParseDatagram(buffer.AsSpan(0, received.ReceivedBytes)));
        Assert.Equal("direct-1", message.CallId);
        Assert.Equal(stack.UdpEndPoint, received.RemoteEndPoint);
    }
}
