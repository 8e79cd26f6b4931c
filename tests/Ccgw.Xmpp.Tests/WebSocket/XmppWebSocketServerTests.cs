using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Server;
using Ccgw.Xmpp.Streams;
using Ccgw.Xmpp.Tests.Streams;
using Ccgw.Xmpp.Xml;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests.WebSocket;

/// <summary>
/// The c2s server behind a real WebSocket (RFC 7395) on 127.0.0.1: a guest logs in over the framing, reaches a
/// service address, and bad frames (binary, too large, malformed) end the stream with a stream error and a close,
/// never a crash. The WebSocket's HTTP handshake is not needed here (the daemon's /xmpp endpoint does it).
/// </summary>
public sealed class XmppWebSocketServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<XElement> _received = [];

    private sealed class Service(List<XElement> received) : IStanzaService
    {
        public bool Handles(Jid to) => to.Local == "support";

        public ValueTask HandleAsync(XElement stanza, CancellationToken cancellationToken = default)
        {
            lock (received) received.Add(stanza);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoGate : IAuthFailureGate
    {
        public bool IsAllowed(IPAddress? address) => true;

        public void RecordFailure(IPAddress? address)
        {
        }
    }

    private XmppServer NewServer(int maxStanzaBytes = 64 * 1024) => new(
        new XmppServerOptions { Stream = new C2sSettings { Domain = "localhost", Limits = new XmlStreamLimits { MaxStanzaBytes = maxStanzaBytes } } },
        new ScramTests.Accounts(), new NoGate(), [new Service(_received)], TimeProvider.System, NullLogger<XmppServer>.Instance);

    /// <summary>A connected client/server WebSocket pair over loopback TCP, the server side served by <paramref name="server"/>.</summary>
    private static async Task<(System.Net.WebSockets.WebSocket Client, Task Serving, IDisposable Sockets)> ConnectAsync(XmppServer server, bool secure = true)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var accepted = await listener.AcceptTcpClientAsync();
        var serverSocket = System.Net.WebSockets.WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true, SubProtocol = "xmpp" });
        var clientSocket = System.Net.WebSockets.WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false, SubProtocol = "xmpp" });
        var serving = server.HandleWebSocketAsync(serverSocket, accepted.Client.RemoteEndPoint, secure, CancellationToken.None);
        return (clientSocket, serving, new Both(client, accepted, serverSocket));
    }

    private sealed class Both(TcpClient a, TcpClient b, IDisposable c) : IDisposable
    {
        public void Dispose()
        {
            c.Dispose();
            a.Dispose();
            b.Dispose();
        }
    }

    private static Task SendAsync(System.Net.WebSockets.WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next whole message, parsed on its own (RFC 7395 §3.3.3: every message is a document); null at the close.</summary>
    private static async Task<XElement?> ReceiveAsync(System.Net.WebSockets.WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return XElement.Parse(Encoding.UTF8.GetString(message.ToArray()));
        }
    }

    private static async Task<XElement> ExpectAsync(System.Net.WebSockets.WebSocket socket, string localName)
    {
        var next = await ReceiveAsync(socket);
        Assert.NotNull(next);
        Assert.Equal(localName, next.Name.LocalName);
        return next;
    }

    private const string Open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";

    private static async Task AuthenticateAsGuestAsync(System.Net.WebSockets.WebSocket socket)
    {
        await SendAsync(socket, Open);
        await ExpectAsync(socket, "open");
        await ExpectAsync(socket, "features");
        await SendAsync(socket, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        await ExpectAsync(socket, "success");
        await SendAsync(socket, Open);
        await ExpectAsync(socket, "open");
        await ExpectAsync(socket, "features");
    }

    private static async Task<string> LoginAsGuestAsync(System.Net.WebSockets.WebSocket socket)
    {
        await SendAsync(socket, Open);
        await ExpectAsync(socket, "open");
        var features = await ExpectAsync(socket, "features");
        Assert.Null(features.Element(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-tls") + "starttls")); // RFC 7395 §3.1: TLS is the WebSocket's
        Assert.Contains("ANONYMOUS", features.Descendants().Select(e => e.Value));
        await SendAsync(socket, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        await ExpectAsync(socket, "success");
        await SendAsync(socket, Open);
        await ExpectAsync(socket, "open");
        await ExpectAsync(socket, "features");
        await SendAsync(socket, "<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>web</resource></bind></iq>");
        var bound = await ExpectAsync(socket, "iq");
        return bound.Descendants(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-bind") + "jid").Single().Value;
    }

    [Fact]
    public async Task A_guest_logs_in_over_the_framing_reaches_a_service_and_closes_cleanly()
    {
        await using var server = NewServer();
        var (socket, serving, sockets) = await ConnectAsync(server);
        using (sockets)
        {
            var jid = await LoginAsGuestAsync(socket);
            Assert.StartsWith("guest-", jid, StringComparison.Ordinal);
            Assert.EndsWith("@localhost/web", jid, StringComparison.Ordinal);

            // A message in two WebSocket fragments is one stanza.
            var message = Encoding.UTF8.GetBytes("<message xmlns='jabber:client' to='support@localhost' type='chat'><body>help</body></message>");
            await socket.SendAsync(message.AsMemory(0, 20), WebSocketMessageType.Text, false, CancellationToken.None);
            await socket.SendAsync(message.AsMemory(20), WebSocketMessageType.Text, true, CancellationToken.None);
            await SendAsync(socket, "<iq xmlns='jabber:client' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
            var pong = await ExpectAsync(socket, "iq");
            Assert.Equal("p1", (string?)pong.Attribute("id"));
            lock (_received) Assert.Equal(jid, (string?)Assert.Single(_received).Attribute("from"));

            await SendAsync(socket, "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
            await ExpectAsync(socket, "close");
            Assert.Null(await ReceiveAsync(socket));
            await serving.WaitAsync(Patience);
            Assert.Equal(0, server.SessionCount); // a purposeful close ends the session: nothing left to resume
        }
    }

    [Fact]
    public async Task Without_a_private_transport_only_scram_is_offered()
    {
        await using var server = NewServer();
        var (socket, serving, sockets) = await ConnectAsync(server, secure: false);
        using (sockets)
        {
            await SendAsync(socket, Open);
            await ExpectAsync(socket, "open");
            var features = await ExpectAsync(socket, "features");
            var mechanisms = features.Descendants(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-sasl") + "mechanism").Select(m => m.Value).ToList();
            Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1"], mechanisms);
            Assert.Null(features.Element(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-tls") + "starttls"));
        }
    }

    [Fact]
    public async Task A_guest_that_lost_its_socket_logs_in_again_and_resumes_its_session_and_address()
    {
        await using var server = NewServer();
        var (first, serving, sockets) = await ConnectAsync(server);
        string jid, previd;
        using (sockets)
        {
            jid = await LoginAsGuestAsync(first);
            await SendAsync(first, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
            previd = (string)(await ExpectAsync(first, "enabled")).Attribute("id")!;
        }
        await serving.WaitAsync(Patience); // the link dropped without a close: the session waits to be resumed
        Assert.Equal(1, server.SessionCount);

        var (second, _, more) = await ConnectAsync(server);
        using (more)
        {
            await AuthenticateAsGuestAsync(second); // a new anonymous login, under a new random name
            await SendAsync(second, $"<resume xmlns='urn:xmpp:sm:3' previd='{previd}' h='0'/>");
            await ExpectAsync(second, "resumed");
            await SendAsync(second, "<iq xmlns='jabber:client' type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
            XElement pong;
            do pong = (await ReceiveAsync(second))!;
            while (pong.Name.LocalName != "iq");
            Assert.Equal(jid, (string?)pong.Attribute("to"));
            Assert.Equal(1, server.SessionCount);
        }
    }

    [Fact]
    public async Task A_guest_cannot_resume_with_a_previd_that_is_not_one()
    {
        await using var server = NewServer();
        var (socket, _, sockets) = await ConnectAsync(server);
        using (sockets)
        {
            await AuthenticateAsGuestAsync(socket);
            await SendAsync(socket, "<resume xmlns='urn:xmpp:sm:3' previd='0123456789abcdef01234567' h='0'/>");
            await ExpectAsync(socket, "failed");
        }
    }

    public static TheoryData<string, string, WebSocketCloseStatus> BadFrames => new()
    {
        { "binary", "bad-format", WebSocketCloseStatus.InvalidMessageType },
        { "<message xmlns='jabber:client'><body>never finished", "not-well-formed", WebSocketCloseStatus.InvalidPayloadData },
        { "<presence xmlns='jabber:client'/><presence xmlns='jabber:client'/>", "not-well-formed", WebSocketCloseStatus.InvalidPayloadData },
        { "too-large", "policy-violation", WebSocketCloseStatus.MessageTooBig },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task A_bad_frame_after_login_ends_the_stream_with_an_error_and_a_close(string frame, string condition, WebSocketCloseStatus status)
    {
        await using var server = NewServer(maxStanzaBytes: 4096);
        var (socket, serving, sockets) = await ConnectAsync(server);
        using (sockets)
        {
            await LoginAsGuestAsync(socket);
            if (frame == "binary") await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
            else if (frame == "too-large") await SendAsync(socket, $"<message xmlns='jabber:client'><body>{new string('x', 5000)}</body></message>");
            else await SendAsync(socket, frame);

            var error = await ExpectAsync(socket, "error");
            Assert.Equal(XNamespace.Get("http://etherx.jabber.org/streams"), error.Name.Namespace);
            Assert.Equal(condition, error.Elements().First().Name.LocalName);
            await ExpectAsync(socket, "close");
            Assert.Null(await ReceiveAsync(socket));
            Assert.Equal(status, socket.CloseStatus);
            await serving.WaitAsync(Patience);
        }
        // The server is unharmed: the next client logs in.
        var (again, _, more) = await ConnectAsync(server);
        using (more) Assert.StartsWith("guest-", await LoginAsGuestAsync(again), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_first_frame_gets_an_open_then_the_error()
    {
        await using var server = NewServer();
        var (socket, serving, sockets) = await ConnectAsync(server);
        using (sockets)
        {
            await SendAsync(socket, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost'");
            await ExpectAsync(socket, "open");
            Assert.Equal("not-well-formed", (await ExpectAsync(socket, "error")).Elements().First().Name.LocalName);
            await ExpectAsync(socket, "close");
            await serving.WaitAsync(Patience);
        }
    }
}
