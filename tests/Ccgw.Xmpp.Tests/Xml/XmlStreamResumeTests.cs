using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Xml;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Xmpp.Tests.Xml;

/// <summary>
/// The parser keeps its state between reads: whatever the cut points, a stream parses to the same events and a bad
/// one fails with the same stream error. The inputs put cuts inside every kind of token the tokenizer carries
/// (names, values, text, CDATA and its "]]&gt;", the XML declaration and its "?&gt;", the byte order mark).
/// </summary>
public sealed class XmlStreamResumeTests
{
    private static readonly byte[] Tricky = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(
        "<?xml version='1.0' encoding='UTF-8'?>\r\n" +
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0' >" +
        " \n\t<message  to = \"bob@localhost\"\ttype='chat' xml:lang='en' ><body>line one\r\nline two &#x1F41F; caf\u00e9 &lt;&gt;&amp;&quot;&apos;</body>" +
        "<x xmlns='urn:x'><![CDATA[a]]]]]><![CDATA[]]><![CDATA[]]]><![CDATA[] ]> ]]]]></x ></message  >" +
        "<p:caf\u00e9 xmlns:p='urn:p' p:attr=' tab\there ' ><p:\u00e9t\u00e9/><q xmlns=''>x</q></p:caf\u00e9>" +
        "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>\n" +
        "</stream:stream>")];

    private static string Describe(IEnumerable<XmlStreamEvent> events) =>
        string.Join("\n", events.Select(e => e.Kind + ":" + e.Element?.ToString(SaveOptions.DisableFormatting)));

    [Fact]
    public void Every_single_cut_and_one_byte_reads_parse_the_same()
    {
        var whole = XmlStreamParserTests.Feed([Tricky]);
        Assert.Equal(5, whole.Count);
        var cdata = whole[1].Element!.Element(XNamespace.Get("urn:x") + "x")!;
        Assert.Equal(["a]]]", "", "]", "] ]> ]]"], cdata.Nodes().OfType<XText>().Select(t => t.Value));
        Assert.Equal("line one\nline two \U0001F41F caf\u00e9 <>&\"'", whole[1].Element!.Elements().First().Value);
        Assert.Equal(" tab here ", whole[2].Element!.Attribute(XNamespace.Get("urn:p") + "attr")!.Value);

        var expected = Describe(whole);
        for (var cut = 0; cut <= Tricky.Length; cut++)
            Assert.Equal(expected, Describe(XmlStreamParserTests.Feed([Tricky[..cut], Tricky[cut..]])));
        Assert.Equal(expected, Describe(XmlStreamParserTests.Feed(Tricky.Chunk(1))));
        // All of it at once as one-byte segments of one read.
        var buffer = XmlStreamParserTests.Segments(Tricky.Select(b => new[] { b }).ToList());
        var parser = new XmlStreamParser();
        var events = new List<XmlStreamEvent>();
        while (parser.TryRead(ref buffer, out var next)) events.Add(next);
        Assert.Equal(expected, Describe(events));
    }

    [Fact]
    public void Arbitrary_segmentation_of_the_tricky_stream_parses_the_same()
    {
        var expected = Describe(XmlStreamParserTests.Feed([Tricky]));
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), cuts =>
        {
            var points = cuts.Select(c => Math.Abs(c % (Tricky.Length + 1))).Append(0).Append(Tricky.Length).Order().ToArray();
            var chunks = points.Zip(points.Skip(1), (a, b) => Tricky[a..b]).ToList();
            return Describe(XmlStreamParserTests.Feed(chunks)) == expected;
        }).QuickCheckThrowOnFailure();
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "<!DOCTYPE lolz [<!ENTITY lol \"lol\">]>", StreamErrorConditions.RestrictedXml },
        { "<?xml-stylesheet href='x'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", StreamErrorConditions.RestrictedXml },
        { "<?xml version='1.0' encoding='UTF-16'?><stream:stream>", StreamErrorConditions.UnsupportedEncoding },
        { XmlStreamParserTests.Header + "<!-- a comment -->", StreamErrorConditions.RestrictedXml },
        { XmlStreamParserTests.Header + "<message><!-- a comment --></message>", StreamErrorConditions.RestrictedXml },
        { XmlStreamParserTests.Header + "<message><![CDAT[x]]></message>", StreamErrorConditions.RestrictedXml },
        { XmlStreamParserTests.Header + "<message><?pi data?></message>", StreamErrorConditions.RestrictedXml },
        { XmlStreamParserTests.Header + "<message><body>&lol;</body></message>", StreamErrorConditions.RestrictedXml },
        { XmlStreamParserTests.Header + "<message to='&xxe;'/>", StreamErrorConditions.RestrictedXml },
        { XmlStreamParserTests.Header + "<message></iq>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message to='a' to='b'/>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message to=a/>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message to='x'from='y'/>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message><body>a & b</body></message>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message to='<'/>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<p:message/>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message/ >", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "text between stanzas", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "</stream:other>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "</stream:stream> <late/>", StreamErrorConditions.NotWellFormed },
        { XmlStreamParserTests.Header + "<message><body>" + new string('x', 300_000) + "</body></message>", StreamErrorConditions.PolicyViolation },
        { XmlStreamParserTests.Header + string.Concat(Enumerable.Repeat("<a>", 100)), StreamErrorConditions.PolicyViolation },
        { XmlStreamParserTests.Header + "<a " + string.Concat(Enumerable.Range(0, 65).Select(i => $"a{i}='' ")) + "/>", StreamErrorConditions.PolicyViolation },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Bad_input_fails_with_the_same_condition_however_it_is_cut(string text, string condition)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        foreach (var size in new[] { bytes.Length, 1, 2, 3, 7, 4096 })
        {
            var error = Assert.Throws<XmlStreamException>(() => Drip(bytes, size));
            Assert.Equal(condition, error.Condition);
        }
    }

    /// <summary>Feeds <paramref name="size"/> more bytes per read, keeping the unconsumed ones as a pipe does (linear, unlike copying them).</summary>
    private static List<XmlStreamEvent> Drip(byte[] bytes, int size)
    {
        var parser = new XmlStreamParser();
        var input = new SlowDripTests.PipeLikeBuffer(bytes);
        var events = new List<XmlStreamEvent>();
        long start = 0;
        for (long end = Math.Min(size, bytes.Length); ; end = Math.Min(end + size, bytes.Length))
        {
            var buffer = input.Window(start, end);
            while (parser.TryRead(ref buffer, out var next)) events.Add(next);
            start = end - buffer.Length;
            if (end == bytes.Length) return events;
        }
    }

    [Fact]
    public void A_failed_read_leaves_the_same_error_for_the_same_bytes()
    {
        // After a stream error the partial element is dropped: the same bytes fail the same way, they do not resume.
        var parser = new XmlStreamParser();
        var bytes = Encoding.UTF8.GetBytes(XmlStreamParserTests.Header + "<message><body>a & b</body></message>");
        var header = new System.Buffers.ReadOnlySequence<byte>(bytes);
        Assert.True(parser.TryRead(ref header, out _));
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var rest = header;
            Assert.Equal(StreamErrorConditions.NotWellFormed, Assert.Throws<XmlStreamException>(() => parser.TryRead(ref rest, out _)).Condition);
        }
    }

    [Fact]
    public void Reset_forgets_a_partial_stanza()
    {
        var parser = new XmlStreamParser();
        var partial = new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(XmlStreamParserTests.Header + "<message><body>hal"));
        Assert.True(parser.TryRead(ref partial, out _));
        Assert.False(parser.TryRead(ref partial, out _));
        parser.Reset();
        var again = XmlStreamParserTests.Feed([Encoding.UTF8.GetBytes(XmlStreamParserTests.Header + "<presence/>")], parser);
        Assert.Equal([XmlStreamEventKind.StreamOpen, XmlStreamEventKind.Element], again.Select(e => e.Kind));
    }
}
