using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Sip.Auth;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;

namespace Ccgw.Sip.Tests.Transport;

/// <summary>
/// The UDP request path of issue 21: datagrams received on the listener's own thread, OPTIONS answered without a
/// server transaction (RFC 3261 §8.2.7), datagrams handed to the kernel before Send returns.
/// </summary>
public class UdpFastPathTests
{
    private static SipStack NewStack() => new(new SipStackOptions
    {
        Transport = new SipTransportOptions { Udp = new IPEndPoint(IPAddress.Loopback, 0), Tcp = null },
    }, new InMemoryCredentialStore([]), new InMemoryRegistrationStore(), TimeProvider.System);

    private static Socket NewPeer()
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return peer;
    }

    private static byte[] Request(string method, Socket peer, string branch, string callId)
    {
        var at = (IPEndPoint)peer.LocalEndPoint!;
        return Encoding.ASCII.GetBytes(
            $"{method} sip:alice@127.0.0.1 SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{at.Port};branch={branch};rport\r\n" +
            $"From: <sip:probe@127.0.0.1>;tag=f-{callId}\r\n" +
            "To: <sip:alice@127.0.0.1>\r\n" +
            $"Call-ID: {callId}\r\n" +
            $"CSeq: 1 {method}\r\n" +
            "Max-Forwards: 70\r\n" +
            "Content-Length: 0\r\n\r\n");
    }

    private static async Task<byte[]> ReceiveAsync(Socket peer)
    {
        var buffer = new byte[4096];
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var r = await peer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), guard.Token);
        return buffer.AsSpan(0, r.ReceivedBytes).ToArray();
    }

    [Fact]
    public async Task Options_is_answered_without_a_transaction_and_a_retransmission_gets_the_same_answer()
    {
        await using var stack = NewStack();
        stack.Start();
        using var peer = NewPeer();
        var options = Request("OPTIONS", peer, "z9hG4bKfast1", "fast-1");

        await peer.SendToAsync(options, SocketFlags.None, stack.UdpEndPoint!);
        var first = await ReceiveAsync(peer);
        await peer.SendToAsync(options, SocketFlags.None, stack.UdpEndPoint!);
        var again = await ReceiveAsync(peer);

        var ok = Assert.IsType<SipResponse>(SipMessageParser.ParseDatagram(first));
        Assert.Equal(200, ok.StatusCode);
        Assert.NotNull(ok.To?.Tag);
        Assert.Contains(ok.Headers, h => h.Name == SipHeaderNames.Allow);
        Assert.Equal(first, again);
        Assert.Equal(0, stack.Transactions.ServerTransactionCount);
    }

    [Fact]
    public async Task Other_requests_still_get_a_server_transaction()
    {
        await using var stack = NewStack();
        stack.Start();
        using var peer = NewPeer();

        await peer.SendToAsync(Request("BYE", peer, "z9hG4bKfast2", "fast-2"), SocketFlags.None, stack.UdpEndPoint!);
        var answer = Assert.IsType<SipResponse>(SipMessageParser.ParseDatagram(await ReceiveAsync(peer)));

        Assert.Equal(481, answer.StatusCode);
        Assert.Equal(1, stack.Transactions.ServerTransactionCount);
    }

    [Fact]
    public async Task Each_source_gets_its_own_answers_when_sources_interleave()
    {
        await using var stack = NewStack();
        stack.Start();
        using var a = NewPeer();
        using var b = NewPeer();

        for (var i = 0; i < 3; i++)
        {
            await a.SendToAsync(Request("OPTIONS", a, $"z9hG4bKa{i}", $"a-{i}"), SocketFlags.None, stack.UdpEndPoint!);
            await b.SendToAsync(Request("OPTIONS", b, $"z9hG4bKb{i}", $"b-{i}"), SocketFlags.None, stack.UdpEndPoint!);
        }
        var toA = new List<string?>();
        var toB = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            toA.Add(SipMessageParser.ParseDatagram(await ReceiveAsync(a)).CallId);
            toB.Add(SipMessageParser.ParseDatagram(await ReceiveAsync(b)).CallId);
        }

        Assert.Equal(["a-0", "a-1", "a-2"], toA);
        Assert.Equal(["b-0", "b-1", "b-2"], toB);
    }

    [Fact]
    public async Task A_datagram_is_with_the_kernel_when_send_returns()
    {
        await using var stack = NewStack();
        stack.Start();
        using var peer = NewPeer();
        var response = new SipResponse(200, "OK") { CallId = "sent-now", CSeq = new SipCSeq(1, "OPTIONS") };

        stack.Sender.Send(response, new SipEndPoint(SipTransportKind.Udp, (IPEndPoint)peer.LocalEndPoint!));

        // Loopback delivers inside sendto, so a queued send (the old path) would usually not be here yet.
        Assert.True(peer.Available > 0);
        Assert.Equal("sent-now", SipMessageParser.ParseDatagram(await ReceiveAsync(peer)).CallId);
    }
}
