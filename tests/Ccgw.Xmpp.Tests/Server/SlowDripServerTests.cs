using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Testing;
using Ccgw.Xmpp.Server;
using Ccgw.Xmpp.Streams;
using Ccgw.Xmpp.Tests.Streams;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests.Server;

/// <summary>
/// The c2s server on a real socket reads a 200 KiB element its client writes one byte per send: the server answers
/// the whole element (a SASL failure, since STARTTLS comes first), not a stream error, and the stream stays usable.
/// (The work bound itself is asserted on the parser, Xml/SlowDripTests; here the point is that the server path keeps
/// the unconsumed bytes the way the resuming parser expects.)
/// </summary>
public sealed class SlowDripServerTests
{
    private sealed class SocketPipe(Stream stream) : IDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream);

        public PipeWriter Output { get; } = PipeWriter.Create(stream);
    }

    [Fact]
    public async Task A_200_KiB_element_written_one_byte_per_send_is_read_whole()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var time = new ManualTimeProvider(); // no deadline fires: the stanza timeout is not what this test is about
        await using var server = new XmppServer(new XmppServerOptions { Stream = new C2sSettings { Domain = "localhost" } },
            new ScramTests.Accounts(), new C2sNegotiatorTests.Gate(), [], time, NullLogger<XmppServer>.Instance);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, timeout.Token);
        using var accepted = await listener.AcceptSocketAsync(timeout.Token);
        await using var serverStream = new NetworkStream(accepted, ownsSocket: false);
        var serving = server.HandleConnectionAsync(new SocketPipe(serverStream), accepted.RemoteEndPoint, timeout.Token);

        await client.SendAsync(Encoding.UTF8.GetBytes(Xml.XmlStreamParserTests.Header), timeout.Token);
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + new string('x', 150 * 1024)));
        var element = Encoding.UTF8.GetBytes($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{payload}</auth>");
        Assert.True(element.Length > 200 * 1024);
        for (var i = 0; i < element.Length; i++)
            await client.SendAsync(element.AsMemory(i, 1), timeout.Token);

        var received = new StringBuilder();
        var buffer = new byte[8192];
        while (!received.ToString().Contains("</failure>", StringComparison.Ordinal))
        {
            var n = await client.ReceiveAsync(buffer, timeout.Token);
            Assert.True(n > 0, $"the server closed the stream: {received}");
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        Assert.Contains("<encryption-required/>", received.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("stream:error", received.ToString(), StringComparison.Ordinal);

        // The stream is still in step: closing it is answered in kind.
        await client.SendAsync("</stream:stream>"u8.ToArray(), timeout.Token);
        while (!received.ToString().EndsWith("</stream:stream>", StringComparison.Ordinal))
        {
            var n = await client.ReceiveAsync(buffer, timeout.Token);
            if (n == 0) break;
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        Assert.EndsWith("</stream:stream>", received.ToString(), StringComparison.Ordinal);
        await serving.WaitAsync(timeout.Token);
    }
}
