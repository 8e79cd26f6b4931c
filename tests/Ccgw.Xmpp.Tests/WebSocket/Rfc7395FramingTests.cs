using System.Buffers;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.WebSocket;
using Ccgw.Xmpp.Xml;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Xmpp.Tests.WebSocket;

/// <summary>RFC 7395 framing: client messages back into a c2s stream, the server's stream out as one message per element.</summary>
public sealed class Rfc7395FramingTests
{
    private const string Open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0' xml:lang='en'/>";

    private static (InboundFrame Outcome, string Forwarded, Rfc7395Inbound Framing) Inbound(string message, Rfc7395Inbound? framing = null,
        XmlStreamLimits? limits = null)
    {
        framing ??= new Rfc7395Inbound(limits ?? XmlStreamLimits.Default);
        var output = new ArrayBufferWriter<byte>();
        var ok = framing.Append(Encoding.UTF8.GetBytes(message));
        var outcome = framing.Complete(output);
        Assert.True(ok || outcome == InboundFrame.Refused);
        return (outcome, Encoding.UTF8.GetString(output.WrittenSpan), framing);
    }

    [Fact]
    public void Open_becomes_the_stream_header_the_negotiator_checks_and_close_its_end()
    {
        var (outcome, header, framing) = Inbound(Open);
        Assert.Equal(InboundFrame.Forwarded, outcome);
        var parsed = ParseStream(header);
        var open = Assert.Single(parsed);
        Assert.Equal(XmlStreamEventKind.StreamOpen, open.Kind);
        Assert.Equal("localhost", (string?)open.Element!.Attribute("to"));
        Assert.Equal("1.0", (string?)open.Element.Attribute("version"));
        Assert.Equal("jabber:client", (string?)open.Element.Attribute("xmlns"));

        var (closeOutcome, close, _) = Inbound("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", framing);
        Assert.Equal(InboundFrame.Closed, closeOutcome);
        Assert.Equal("</stream:stream>", close);
        Assert.Equal(InboundFrame.Refused, Inbound("<presence xmlns='jabber:client'/>", framing).Outcome);
    }

    [Fact]
    public void A_stanza_passes_unchanged_and_whitespace_keeps_the_stream_alive()
    {
        const string Message = "<message xmlns='jabber:client' to='support@localhost' type='chat'><body>hi &amp; bye</body></message>";
        Assert.Equal((InboundFrame.Forwarded, Message), Inbound(Message) is var r ? (r.Outcome, r.Forwarded) : default);
        Assert.Equal((InboundFrame.Forwarded, " "), Inbound(" \r\n") is var w ? (w.Outcome, w.Forwarded) : default);
    }

    [Theory]
    [InlineData("<message xmlns='jabber:client'><body>half", "not-well-formed")]
    [InlineData("<presence xmlns='jabber:client'/><presence xmlns='jabber:client'/>", "not-well-formed")]
    [InlineData("<message xmlns='jabber:client'><!-- no --></message>", "restricted-xml")]
    [InlineData("<!DOCTYPE x [<!ENTITY a 'b'>]><x/>", "restricted-xml")]
    [InlineData("</message>", "not-well-formed")]
    public void A_message_that_is_not_one_acceptable_element_is_refused_with_its_condition(string message, string condition)
    {
        var (outcome, forwarded, framing) = Inbound(message);
        Assert.Equal(InboundFrame.Refused, outcome);
        Assert.Equal("", forwarded);
        Assert.Equal(condition, framing.ErrorCondition);
        Assert.False(framing.TooLarge);
    }

    [Fact]
    public void A_message_over_the_stanza_limit_is_refused_without_being_kept()
    {
        var framing = new Rfc7395Inbound(new XmlStreamLimits { MaxStanzaBytes = 100 });
        Assert.True(framing.Append(new byte[60]));
        Assert.False(framing.Append(new byte[60]));
        Assert.False(framing.Append(new byte[1]));
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(InboundFrame.Refused, framing.Complete(output));
        Assert.Equal(0, output.WrittenCount);
        Assert.True(framing.TooLarge);
        Assert.Equal("policy-violation", framing.ErrorCondition);
    }

    [Fact]
    public void Any_fragmentation_of_a_message_forwards_the_same_bytes()
    {
        var message = Encoding.UTF8.GetBytes("<message xmlns='jabber:client' to='a@b' id='é1'><body>grüße 😀</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
        var expected = Encoding.UTF8.GetString(message);
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), cuts =>
        {
            var points = cuts.Select(c => Math.Abs(c % (message.Length + 1))).Append(0).Append(message.Length).Order().ToArray();
            var framing = new Rfc7395Inbound(XmlStreamLimits.Default);
            foreach (var (a, b) in points.Zip(points.Skip(1))) framing.Append(message.AsSpan(a, b - a));
            var output = new ArrayBufferWriter<byte>();
            return framing.Complete(output) == InboundFrame.Forwarded && Encoding.UTF8.GetString(output.WrittenSpan) == expected;
        }).QuickCheckThrowOnFailure();
    }

    // What the c2s server writes for an anonymous login, in one piece.
    private const string ServerStream =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0' xml:lang='en'>" +
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>" +
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'></success>" +
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s2' from='localhost' version='1.0' xml:lang='en'>" +
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind></stream:features>" +
        "<message from='chat-1@localhost' to='x@localhost/r' type='chat'><body>Hello</body><composing xmlns='http://jabber.org/protocol/chatstates'/></message>" +
        "<r xmlns='urn:xmpp:sm:3'/>" +
        "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";

    private static List<OutboundFrame> Outbound(IEnumerable<byte[]> chunks)
    {
        var framing = new Rfc7395Outbound(XmlStreamLimits.Default);
        var frames = new List<OutboundFrame>();
        var pending = new List<byte>();
        foreach (var chunk in chunks)
        {
            pending.AddRange(chunk);
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            while (framing.TryNext(ref buffer, out var frame)) frames.Add(frame);
            pending = [.. buffer.ToArray()];
        }
        return frames;
    }

    [Fact]
    public void The_servers_stream_becomes_one_standalone_document_per_element()
    {
        var frames = Outbound([Encoding.UTF8.GetBytes(ServerStream)]);
        Assert.Equal(9, frames.Count);
        Assert.All(frames.SkipLast(1), f => Assert.False(f.Close));
        Assert.True(frames[^1].Close);
        var documents = frames.Select(f => XElement.Parse(f.Text)).ToList(); // each parses on its own: namespaces declared
        XNamespace framing = "urn:ietf:params:xml:ns:xmpp-framing", streams = "http://etherx.jabber.org/streams";
        Assert.Equal([framing + "open", streams + "features", XNamespace.Get("urn:ietf:params:xml:ns:xmpp-sasl") + "success",
            framing + "open", streams + "features", XNamespace.Get("jabber:client") + "message", XNamespace.Get("urn:xmpp:sm:3") + "r",
            streams + "error", framing + "close"], documents.Select(d => d.Name));
        Assert.Equal(("localhost", "s1", "1.0"), ((string?)documents[0].Attribute("from"), (string?)documents[0].Attribute("id"), (string?)documents[0].Attribute("version")));
        Assert.Equal("s2", (string?)documents[3].Attribute("id"));
        Assert.Equal("Hello", documents[5].Element(XNamespace.Get("jabber:client") + "body")!.Value);
        Assert.NotNull(documents[5].Element(XNamespace.Get("http://jabber.org/protocol/chatstates") + "composing"));
    }

    [Fact]
    public void Any_split_of_the_servers_output_gives_the_same_messages()
    {
        var bytes = Encoding.UTF8.GetBytes(ServerStream);
        var expected = Outbound([bytes]);
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), cuts =>
        {
            var points = cuts.Select(c => Math.Abs(c % (bytes.Length + 1))).Append(0).Append(bytes.Length).Order().ToArray();
            return Outbound(points.Zip(points.Skip(1), (a, b) => bytes[a..b])).SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_client_message_framed_then_read_as_a_stream_is_the_element_it_was()
    {
        // Inbound then the server's own parser: what a browser sends is what the c2s server reads.
        var framing = new Rfc7395Inbound(XmlStreamLimits.Default);
        var output = new ArrayBufferWriter<byte>();
        foreach (var m in new[] { Open, "<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>" })
        {
            framing.Append(Encoding.UTF8.GetBytes(m));
            Assert.Equal(InboundFrame.Forwarded, framing.Complete(output));
        }
        var events = ParseStream(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal([XmlStreamEventKind.StreamOpen, XmlStreamEventKind.Element], events.Select(e => e.Kind));
        Assert.Equal(XNamespace.Get("jabber:client") + "iq", events[1].Element!.Name);
        Assert.Equal("b1", (string?)events[1].Element!.Attribute("id"));
    }

    private static List<XmlStreamEvent> ParseStream(string text)
    {
        var parser = new XmlStreamParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        var events = new List<XmlStreamEvent>();
        while (parser.TryRead(ref buffer, out var next)) events.Add(next);
        return events;
    }
}
