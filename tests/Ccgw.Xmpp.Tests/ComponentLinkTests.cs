using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Ccgw.Testing;
using Ccgw.Xmpp.Component;
using Ccgw.Xmpp.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests;

public sealed class ComponentLinkTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void Handshake_is_the_hex_sha1_of_stream_id_and_secret() =>
        Assert.Equal("7a98dc4c9e92493d7fd66a25364c862637789c45", ComponentLink.Handshake("3BF96D32", "sesame"));

    [Fact]
    public void Backoff_doubles_from_the_minimum_up_to_the_maximum()
    {
        var min = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(60);
        Assert.Equal([1, 1, 2, 4, 8, 16, 32, 60, 60], new[] { 0, 1, 2, 3, 4, 5, 6, 7, 100 }.Select(f => ComponentBackoff.Delay(f, min, max).TotalSeconds));
    }

    [Fact]
    public void Stanzas_from_the_component_stream_are_handed_on_in_jabber_client()
    {
        var stanza = XElement.Parse("<message xmlns='jabber:component:accept' to='support@help.localhost' from='a@localhost/r'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>");

        var client = ComponentLink.ToClient(stanza);

        Assert.Equal(XmppNamespaces.Client + "message", client.Name);
        Assert.Equal("hi", client.Element(XmppNamespaces.Client + "body")?.Value);
        Assert.NotNull(client.Element(XmppNamespaces.ChatStates + "active"));
    }

    [Fact]
    public async Task Connects_with_the_handshake_relays_both_ways_refuses_unknown_addresses_and_reconnects_with_backoff()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var clock = new ManualTimeProvider();
        var link = new ComponentLink(new ComponentLinkOptions { Host = "127.0.0.1", Port = port, Domain = "help.localhost", Secret = "s3cret" },
            clock, NullLogger<ComponentLink>.Instance);
        var service = new EchoService(link);
        var backingOff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.StateChanged += s => { if (s == ComponentLinkState.BackingOff) backingOff.TrySetResult(); };
        using var stop = new CancellationTokenSource();
        using var bound = new CancellationTokenSource(Bound);
        var run = link.RunAsync(service, stop.Token);

        using (var server = await FakeServer.AcceptAsync(listener, bound.Token))
        {
            var header = await server.ReadUntilAsync("help.localhost'>", bound.Token);
            Assert.Contains("xmlns='jabber:component:accept'", header);
            Assert.Contains("to='help.localhost'", header);
            await server.WriteAsync("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc123' from='help.localhost'>", bound.Token);
            var handshake = await server.ReadUntilAsync("</handshake>", bound.Token);
            Assert.Equal($"<handshake>{ComponentLink.Handshake("abc123", "s3cret")}</handshake>", handshake);
            await server.WriteAsync("<handshake/>", bound.Token);

            await server.WriteAsync("<message to='support@help.localhost' from='carol@localhost/phone' type='chat' id='m1'><body>hello</body></message>", bound.Token);
            var echoed = XElement.Parse(await server.ReadUntilAsync("</message>", bound.Token));
            // Written in the stream's default namespace (jabber:component:accept), no jabber:client declaration.
            Assert.Equal(XNamespace.None + "message", echoed.Name);
            Assert.Equal(("support@help.localhost", "carol@localhost/phone", "echo: hello"),
                ((string?)echoed.Attribute("from"), (string?)echoed.Attribute("to"), echoed.Elements().Single().Value));

            await server.WriteAsync("<iq to='nobody@help.localhost' from='carol@localhost/phone' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>", bound.Token);
            var refused = XElement.Parse(await server.ReadUntilAsync("</iq>", bound.Token));
            Assert.Equal(("error", "q1"), ((string?)refused.Attribute("type"), (string?)refused.Attribute("id")));
            Assert.Contains(refused.Descendants(), e => e.Name.LocalName == "service-unavailable");
            Assert.Equal(1, link.Sessions);
        }

        // The server went away: after the back-off the link connects again.
        await backingOff.Task.WaitAsync(bound.Token);
        var second = FakeServer.AcceptAsync(listener, bound.Token);
        clock.Advance(TimeSpan.FromSeconds(1));
        using (var server = await second)
        {
            await server.ReadUntilAsync("help.localhost'>", bound.Token);
            await server.WriteAsync("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='def456'>", bound.Token);
            Assert.Equal($"<handshake>{ComponentLink.Handshake("def456", "s3cret")}</handshake>", await server.ReadUntilAsync("</handshake>", bound.Token));
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            link.StateChanged += s => { if (s == ComponentLinkState.Ready) ready.TrySetResult(); };
            await server.WriteAsync("<handshake/>", bound.Token);
            await ready.Task.WaitAsync(bound.Token);
            Assert.Equal(2, link.Sessions);
        }

        await stop.CancelAsync();
        await run.WaitAsync(bound.Token);
        Assert.Equal(ComponentLinkState.Disconnected, link.State);
    }

    [Fact]
    public async Task A_refused_handshake_backs_off_and_sending_fails_while_down()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var link = new ComponentLink(new ComponentLinkOptions { Host = "127.0.0.1", Port = port, Domain = "help.localhost", Secret = "wrong" },
            new ManualTimeProvider(), NullLogger<ComponentLink>.Instance);
        var backingOff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.StateChanged += s => { if (s == ComponentLinkState.BackingOff) backingOff.TrySetResult(); };
        using var stop = new CancellationTokenSource();
        using var bound = new CancellationTokenSource(Bound);
        var run = link.RunAsync(new EchoService(link), stop.Token);

        using (var server = await FakeServer.AcceptAsync(listener, bound.Token))
        {
            await server.ReadUntilAsync("help.localhost'>", bound.Token);
            await server.WriteAsync("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x1'>", bound.Token);
            await server.ReadUntilAsync("</handshake>", bound.Token);
            await server.WriteAsync("<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>", bound.Token);
            await backingOff.Task.WaitAsync(bound.Token);
        }

        Assert.Equal(0, link.Sessions);
        await Assert.ThrowsAsync<IOException>(() => link.SendAsync(new XElement(XmppNamespaces.Client + "message")).AsTask());
        await stop.CancelAsync();
        await run.WaitAsync(bound.Token);
    }

    /// <summary>Answers every message with "echo: body" from the address it was sent to.</summary>
    private sealed class EchoService(IStanzaOutlet outlet) : IStanzaService
    {
        public bool Handles(Jid to) => to.Local == "support";

        public async ValueTask HandleAsync(XElement stanza, CancellationToken cancellationToken = default)
        {
            var body = stanza.Element(XmppNamespaces.Client + "body")?.Value;
            await outlet.SendAsync(new XElement(XmppNamespaces.Client + "message",
                new XAttribute("from", (string)stanza.Attribute("to")!), new XAttribute("to", (string)stanza.Attribute("from")!),
                new XElement(XmppNamespaces.Client + "body", "echo: " + body)), cancellationToken);
        }
    }

    /// <summary>The server side of one component connection, spoken by hand.</summary>
    private sealed class FakeServer(TcpClient client) : IDisposable
    {
        private readonly NetworkStream _stream = client.GetStream();
        private readonly StringBuilder _pending = new();

        public static async Task<FakeServer> AcceptAsync(TcpListener listener, CancellationToken ct) => new(await listener.AcceptTcpClientAsync(ct));

        public async Task WriteAsync(string text, CancellationToken ct) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);

        /// <summary>Everything up to and including the first <paramref name="marker"/>.</summary>
        public async Task<string> ReadUntilAsync(string marker, CancellationToken ct)
        {
            var buffer = new byte[4096];
            while (true)
            {
                var text = _pending.ToString();
                var at = text.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    _pending.Remove(0, at + marker.Length);
                    return text[..(at + marker.Length)].Trim();
                }
                var n = await _stream.ReadAsync(buffer, ct);
                if (n == 0) throw new EndOfStreamException(text);
                _pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }

        public void Dispose() => client.Dispose();
    }
}
