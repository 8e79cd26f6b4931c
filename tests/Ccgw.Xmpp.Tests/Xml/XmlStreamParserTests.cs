using System.Buffers;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Xml;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Xmpp.Tests.Xml;

public sealed class XmlStreamParserTests
{
    internal const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

    internal const string SampleStream = Header +
        "<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>phone</resource></bind></iq>\n  " +
        "<message to='bob@localhost' type='chat' xml:lang='en'><body>Fish &amp; chips &lt;3 &#x1F41F; &#233;t&#xE9; caf\u00e9</body>" +
        "<active xmlns='http://jabber.org/protocol/chatstates'/></message> " +
        "<presence><show>away</show><status><![CDATA[out <for> lunch]]></status><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='x' ver='y'/></presence>" +
        "<r xmlns='urn:xmpp:sm:3'/>" +
        "<x:thing xmlns:x='urn:example:x' x:flag='1' plain=\"a&quot;b\"><x:inner/></x:thing>" +
        "</stream:stream>";

    /// <summary>Feeds <paramref name="chunks"/> one after another, as a pipe would, and returns every event.</summary>
    internal static List<XmlStreamEvent> Feed(IEnumerable<byte[]> chunks, XmlStreamParser? parser = null)
    {
        parser ??= new XmlStreamParser();
        var events = new List<XmlStreamEvent>();
        var pending = new List<byte[]>();
        foreach (var chunk in chunks)
        {
            pending.Add(chunk);
            var buffer = Segments(pending);
            while (parser.TryRead(ref buffer, out var next)) events.Add(next);
            pending = [buffer.ToArray()];
        }
        return events;
    }

    internal static List<XmlStreamEvent> Feed(string text) => Feed([Encoding.UTF8.GetBytes(text)]);

    /// <summary>A multi-segment sequence, one segment per chunk (empty chunks included).</summary>
    internal static ReadOnlySequence<byte> Segments(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 1) return new ReadOnlySequence<byte>(chunks[0]);
        Segment? first = null, last = null;
        foreach (var c in chunks)
        {
            var s = new Segment(c);
            if (first is null) first = s;
            else last!.Append(s);
            last = s;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }

    private static string Describe(IEnumerable<XmlStreamEvent> events) =>
        string.Join("\n", events.Select(e => e.Kind + ":" + e.Element?.ToString(SaveOptions.DisableFormatting)));

    private static XmlStreamException Refused(string text) =>
        Assert.Throws<XmlStreamException>(() => Feed(text));

    [Fact]
    public void Reads_header_stanzas_and_close_with_namespaces_and_references()
    {
        var events = Feed(SampleStream);
        Assert.Equal([XmlStreamEventKind.StreamOpen, .. Enumerable.Repeat(XmlStreamEventKind.Element, 5), XmlStreamEventKind.StreamClose],
            events.Select(e => e.Kind).ToArray());

        var header = events[0].Element!;
        Assert.Equal(XmlNamespaces.Streams + "stream", header.Name);
        Assert.Equal("jabber:client", header.Attribute("xmlns")!.Value);
        Assert.Equal("localhost", header.Attribute("to")!.Value);

        var iq = events[1].Element!;
        Assert.Equal(XmppNamespaces.Client + "iq", iq.Name);
        Assert.Equal("phone", iq.Element(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-bind") + "bind")!.Elements().Single().Value);
        Assert.Null(iq.Attribute("xmlns")); // declarations are not copied into stanzas

        var message = events[2].Element!;
        Assert.Equal("Fish & chips <3 \U0001F41F \u00e9t\u00e9 caf\u00e9", message.Element(XmppNamespaces.Client + "body")!.Value);
        Assert.Equal("en", message.Attribute(XNamespace.Xml + "lang")!.Value);
        Assert.NotNull(message.Element(XmppNamespaces.ChatStates + "active"));

        Assert.Equal("out <for> lunch", events[3].Element!.Element(XmppNamespaces.Client + "status")!.Value);
        Assert.Equal(XNamespace.Get("urn:xmpp:sm:3") + "r", events[4].Element!.Name);

        var thing = events[5].Element!;
        Assert.Equal(XNamespace.Get("urn:example:x") + "thing", thing.Name);
        Assert.Equal("1", thing.Attribute(XNamespace.Get("urn:example:x") + "flag")!.Value);
        Assert.Equal("a\"b", thing.Attribute("plain")!.Value);
        Assert.Equal(XNamespace.Get("urn:example:x") + "inner", thing.Elements().Single().Name);
    }

    [Fact]
    public void Every_split_of_the_input_into_segments_parses_the_same()
    {
        var bytes = Encoding.UTF8.GetBytes(SampleStream);
        var expected = Describe(Feed([bytes]));
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), cuts =>
        {
            var points = cuts.Select(c => Math.Abs(c % (bytes.Length + 1))).Append(0).Append(bytes.Length).Order().ToArray();
            var chunks = points.Zip(points.Skip(1), (a, b) => bytes[a..b]).ToList();
            return Describe(Feed(chunks)) == expected;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_split_across_segments_of_one_read_parses_the_same()
    {
        // The same bytes offered as one multi-segment buffer (what a pipe hands over after several writes).
        var bytes = Encoding.UTF8.GetBytes(SampleStream);
        var expected = Describe(Feed([bytes]));
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), cuts =>
        {
            var points = cuts.Select(c => Math.Abs(c % (bytes.Length + 1))).Append(0).Append(bytes.Length).Order().ToArray();
            var buffer = Segments(points.Zip(points.Skip(1), (a, b) => bytes[a..b]).ToList());
            var parser = new XmlStreamParser();
            var events = new List<XmlStreamEvent>();
            while (parser.TryRead(ref buffer, out var next)) events.Add(next);
            return Describe(events) == expected && buffer.IsEmpty;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_garbage_only_ever_raises_the_parsers_own_error()
    {
        var valid = Encoding.UTF8.GetBytes(SampleStream);
        Prop.ForAll(ArbMap.Default.ArbFor<(byte[], int[], bool)>(), t =>
        {
            var (noise, positions, prefixHeader) = t;
            // Either pure noise, or the valid stream with noise spliced in at arbitrary places.
            var bytes = valid.ToArray();
            foreach (var p in positions)
            {
                var at = Math.Abs(p % bytes.Length);
                bytes[at] = noise.Length > 0 ? noise[Math.Abs(p % noise.Length)] : (byte)p;
            }
            var input = prefixHeader ? bytes : noise;
            try
            {
                Feed(input.Chunk(7));
            }
            catch (XmlStreamException)
            {
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_text_after_the_header_only_raises_the_parsers_own_error()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            try
            {
                Feed(Header + "<message>" + text + "</message>" + text);
            }
            catch (XmlStreamException)
            {
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY x 'y'>]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData("<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>")]
    [InlineData(Header + "<!DOCTYPE x>")]
    [InlineData(Header + "<!ENTITY x 'y'>")]
    [InlineData(Header + "<!-- a comment -->")]
    [InlineData(Header + "<message><!-- a comment --></message>")]
    [InlineData(Header + "<?pi data?>")]
    [InlineData(Header + "<message><?pi data?></message>")]
    [InlineData("<?xml-stylesheet href='x'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")]
    [InlineData(Header + "<message><body>&lol;</body></message>")]
    [InlineData(Header + "<message to='&xxe;'/>")]
    public void Dtds_entities_comments_and_processing_instructions_are_restricted(string text) =>
        Assert.Equal(StreamErrorConditions.RestrictedXml, Refused(text).Condition);

    [Theory]
    [InlineData(Header + "<message></iq>")]
    [InlineData(Header + "<message to='a' to='b'/>")]
    [InlineData(Header + "<message to=a/>")]
    [InlineData(Header + "<message><body>a & b</body></message>")]
    [InlineData(Header + "<message><body>&#0;</body></message>")]
    [InlineData(Header + "<message><body>&#xD800;</body></message>")]
    [InlineData(Header + "<message><body>&#x110000;</body></message>")]
    [InlineData(Header + "<message to='<'/>")]
    [InlineData(Header + "<p:message/>")]
    [InlineData(Header + "<1message/>")]
    [InlineData(Header + "text between stanzas")]
    [InlineData(Header + "<message><body>\u0001</body></message>")]
    [InlineData(Header + "<message xmlns:p=''/>")]
    [InlineData(Header + "</stream:other>")]
    [InlineData(Header + "</stream:stream> <late/>")]
    public void Malformed_xml_is_not_well_formed(string text) =>
        Assert.Equal(StreamErrorConditions.NotWellFormed, Refused(text).Condition);

    [Fact]
    public void Invalid_utf8_is_not_well_formed()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + "<message><body>x</body></message>").ToList();
        bytes.InsertRange(bytes.Count - "</body></message>".Length, new byte[] { 0xC3, 0x28 });
        Assert.Equal(StreamErrorConditions.NotWellFormed, Assert.Throws<XmlStreamException>(() => Feed([bytes.ToArray()])).Condition);
    }

    [Theory]
    [InlineData("<?xml version='1.0' encoding='UTF-16'?><stream:stream>")]
    [InlineData("<?xml version='1.0' encoding=\"ISO-8859-1\"?><stream:stream>")]
    public void Encodings_other_than_utf8_are_unsupported(string text) =>
        Assert.Equal(StreamErrorConditions.UnsupportedEncoding, Refused(text).Condition);

    [Fact]
    public void Utf16_bytes_are_unsupported()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<stream:stream>")).ToArray();
        Assert.Equal(StreamErrorConditions.UnsupportedEncoding, Assert.Throws<XmlStreamException>(() => Feed([bytes])).Condition);
    }

    [Fact]
    public void Utf8_byte_order_mark_and_declaration_are_accepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("<?xml version='1.0' encoding='utf-8'?>\n" + Header[21..] + "<presence/>")).ToArray();
        var events = Feed([bytes]);
        Assert.Equal([XmlStreamEventKind.StreamOpen, XmlStreamEventKind.Element], events.Select(e => e.Kind));
    }

    [Fact]
    public void Incomplete_input_consumes_nothing_but_whitespace()
    {
        var parser = new XmlStreamParser();
        var header = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header[..^5]));
        Assert.False(parser.TryRead(ref header, out _));
        Assert.Equal(Header.Length - 5, header.Length);

        var whole = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header));
        Assert.True(parser.TryRead(ref whole, out var open));
        Assert.Equal(XmlStreamEventKind.StreamOpen, open.Kind);

        var partial = new ReadOnlySequence<byte>("  \n <message><body>hal"u8.ToArray());
        Assert.False(parser.TryRead(ref partial, out _));
        Assert.Equal("<message><body>hal", Encoding.UTF8.GetString(partial.ToArray()));
    }

    [Fact]
    public void A_two_megabyte_stanza_is_cut_off_at_the_limit_without_buffering_it()
    {
        var parser = new XmlStreamParser();
        var limit = XmlStreamLimits.Default.MaxStanzaBytes;
        var chunk = Encoding.UTF8.GetBytes(new string('a', 4096));
        var pending = new List<byte[]> { Encoding.UTF8.GetBytes(Header + "<message><body>") };
        long fed = 0;
        var error = Assert.Throws<XmlStreamException>(() =>
        {
            while (fed < 2 * 1024 * 1024)
            {
                var buffer = Segments(pending);
                while (parser.TryRead(ref buffer, out _))
                {
                }
                Assert.True(buffer.Length <= limit + chunk.Length + 64, "the parser asked to keep more than its limit");
                pending = [buffer.ToArray(), chunk];
                fed += chunk.Length;
            }
        });
        Assert.Equal(StreamErrorConditions.PolicyViolation, error.Condition);
        Assert.True(fed <= limit + 2 * chunk.Length, $"cut off only after {fed} bytes");
    }

    [Fact]
    public void A_stanza_over_the_limit_in_one_read_is_refused()
    {
        var big = Header + "<message><body>" + new string('x', 300_000) + "</body></message>";
        Assert.Equal(StreamErrorConditions.PolicyViolation, Refused(big).Condition);
        var fits = Header + "<message><body>" + new string('x', 200_000) + "</body></message>";
        Assert.Equal(2, Feed(fits).Count);
    }

    [Fact]
    public void Depth_and_attribute_count_are_limited()
    {
        var limits = new XmlStreamLimits { MaxDepth = 4, MaxAttributes = 4 };
        Assert.Equal(2, Feed([Encoding.UTF8.GetBytes(Header + "<a><b><c><d/></c></b></a>")], new XmlStreamParser(limits)).Count);
        var deep = Assert.Throws<XmlStreamException>(() => Feed([Encoding.UTF8.GetBytes(Header + "<a><b><c><d><e/></d></c></b></a>")], new XmlStreamParser(limits)));
        Assert.Equal(StreamErrorConditions.PolicyViolation, deep.Condition);
        var wide = Assert.Throws<XmlStreamException>(() => Feed([Encoding.UTF8.GetBytes(Header + "<a v='0' w='1' x='2' y='3' z='4'/>")], new XmlStreamParser(limits)));
        Assert.Equal(StreamErrorConditions.PolicyViolation, wide.Condition);

        var billion = Header + string.Concat(Enumerable.Repeat("<a>", 10_000));
        Assert.Equal(StreamErrorConditions.PolicyViolation, Refused(billion).Condition);
    }

    [Fact]
    public void Reset_accepts_a_new_stream_header_after_a_restart()
    {
        var parser = new XmlStreamParser();
        Assert.Equal(2, Feed([Encoding.UTF8.GetBytes(Header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")], parser).Count);
        parser.Reset();
        var again = Feed([Encoding.UTF8.GetBytes(Header + "<presence/>")], parser);
        Assert.Equal([XmlStreamEventKind.StreamOpen, XmlStreamEventKind.Element], again.Select(e => e.Kind));
    }

    [Fact]
    public async Task ReadAsync_reads_events_from_a_pipe()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var parser = new XmlStreamParser();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(Header + "<presence/> "));
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("<message><body>hi</body></mess"));
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("age></stream:stream>"));
        await pipe.Writer.CompleteAsync();
        var kinds = new List<XmlStreamEventKind>();
        while (await parser.ReadAsync(pipe.Reader) is { } e) kinds.Add(e.Kind);
        Assert.Equal([XmlStreamEventKind.StreamOpen, XmlStreamEventKind.Element, XmlStreamEventKind.Element, XmlStreamEventKind.StreamClose], kinds);
    }

    [Fact]
    public void Writer_output_parses_back_to_the_same_tree()
    {
        var events = Feed(SampleStream);
        foreach (var stanza in events.Where(e => e.Kind == XmlStreamEventKind.Element).Select(e => e.Element!))
        {
            var text = XmlStanzaWriter.ToText(stanza, XmppNamespaces.Client);
            var back = Feed(Header + text).Single(e => e.Kind == XmlStreamEventKind.Element).Element!;
            Assert.True(XNode.DeepEquals(stanza, back), text);
        }
        var message = events[2].Element!;
        Assert.StartsWith("<message to=", XmlStanzaWriter.ToText(message, XmppNamespaces.Client), StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_escapes_what_needs_escaping_and_drops_invalid_characters()
    {
        var stanza = new XElement(XmppNamespaces.Client + "message", new XAttribute("to", "a'\"<&>"),
            new XElement(XmppNamespaces.Client + "body", "1 < 2 & 3 > 2\u0001"));
        Assert.Equal("<message to=\"a&apos;&quot;&lt;&amp;&gt;\"><body>1 &lt; 2 &amp; 3 &gt; 2</body></message>",
            XmlStanzaWriter.ToText(stanza, XmppNamespaces.Client));
    }

    private static class XmlNamespaces
    {
        public static readonly XNamespace Streams = "http://etherx.jabber.org/streams";
    }
}
