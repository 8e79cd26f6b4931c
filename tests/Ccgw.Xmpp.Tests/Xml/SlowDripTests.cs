using System.Buffers;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Xml;

namespace Ccgw.Xmpp.Tests.Xml;

/// <summary>
/// The parser resumes where the last read stopped: a peer that drips a stanza one byte per read costs work linear in
/// the stanza's size, not reads x size. Work is the parser's own count of bytes it scanned, copied and decoded
/// (<see cref="XmlStreamParser.BytesExamined"/>), so the test needs no clock.
/// </summary>
public sealed class SlowDripTests
{
    private const int StanzaBytes = 200 * 1024;

    /// <summary>At most this many passes over each byte of the stanza (scan, carry across reads, decode).</summary>
    private const int WorkPerByte = 4;

    internal static string BigMessage()
    {
        var body = new StringBuilder();
        while (body.Length < StanzaBytes) body.Append("the quick brown fox jumps over the lazy dog &amp; cat ");
        return $"<message to='bob@localhost' type='chat' id='m1'><body>{body}</body></message>";
    }

    /// <summary>Mostly markup: element and attribute names, attribute values, references and CDATA cut by every read.</summary>
    internal static string BigRoster()
    {
        var items = new StringBuilder();
        for (var i = 0; items.Length < StanzaBytes; i++)
            items.Append($"<item jid='user{i}@example.com' name=\"User &amp; {i}\" subscription='both'><group>Team &#x1F41F; {i % 7}</group><note><![CDATA[<not markup> ]] {i}]]></note></item>\n");
        return $"<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='v1'>{items}</query></iq>";
    }

    public static TheoryData<string> Stanzas() => new(nameof(BigMessage), nameof(BigRoster));

    [Theory]
    [MemberData(nameof(Stanzas))]
    public void A_200_KiB_stanza_sent_one_byte_per_read_costs_work_linear_in_its_size(string which)
    {
        var stanza = which == nameof(BigMessage) ? BigMessage() : BigRoster();
        var bytes = Encoding.UTF8.GetBytes(XmlStreamParserTests.Header + stanza);
        var headerLength = Encoding.UTF8.GetByteCount(XmlStreamParserTests.Header);
        var stanzaLength = bytes.Length - headerLength;
        Assert.InRange(stanzaLength, StanzaBytes, XmlStreamLimits.Default.MaxStanzaBytes);

        var parser = new XmlStreamParser();
        var input = new PipeLikeBuffer(bytes);
        var events = new List<XmlStreamEvent>();
        long start = 0, examinedAfterHeader = 0;
        var bound = (long)WorkPerByte * stanzaLength;
        for (var end = 1; end <= bytes.Length; end++)
        {
            // One more byte arrives; the unconsumed bytes stay in the buffer, as a pipe keeps them.
            var buffer = input.Window(start, end);
            while (parser.TryRead(ref buffer, out var next))
            {
                events.Add(next);
                if (next.Kind == XmlStreamEventKind.StreamOpen) examinedAfterHeader = parser.BytesExamined;
            }
            start = end - buffer.Length;
            var work = parser.BytesExamined - examinedAfterHeader;
            if (events.Count > 0 && work > bound)
                Assert.Fail($"{work} bytes examined for the first {end - headerLength} bytes of a {stanzaLength}-byte stanza (bound {bound})");
        }

        Assert.Equal([XmlStreamEventKind.StreamOpen, XmlStreamEventKind.Element], events.Select(e => e.Kind));
        var whole = XmlStreamParserTests.Feed([bytes])[1].Element!;
        Assert.True(XNode.DeepEquals(whole, events[1].Element), "dripped and whole parse differ");
        Assert.Equal(bytes.Length, start);
    }

    [Fact]
    public void Normal_reads_of_many_small_stanzas_examine_each_byte_a_bounded_number_of_times()
    {
        var stanzas = Enumerable.Range(0, 500).Select(i =>
            $"<message to='bob@localhost/phone' type='chat' id='m{i}'><body>hello number {i} &amp; more</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
        var bytes = Encoding.UTF8.GetBytes(XmlStreamParserTests.Header + string.Concat(stanzas) + "</stream:stream>");
        var parser = new XmlStreamParser();
        Assert.Equal(502, XmlStreamParserTests.Feed(bytes.Chunk(1500), parser).Count);
        Assert.InRange(parser.BytesExamined, bytes.Length, WorkPerByte * (long)bytes.Length);
    }

    /// <summary>
    /// Bytes held in 4 KiB segments the way a <see cref="System.IO.Pipelines.Pipe"/> holds them (a one-byte write goes
    /// into the tail segment), offered as the window between what was consumed and what has arrived.
    /// </summary>
    internal sealed class PipeLikeBuffer
    {
        private const int SegmentSize = 4096;
        private readonly Segment[] _segments;

        public PipeLikeBuffer(byte[] bytes)
        {
            _segments = bytes.Chunk(SegmentSize).Select(c => new Segment(c)).ToArray();
            for (var i = 1; i < _segments.Length; i++) _segments[i - 1].Append(_segments[i]);
        }

        public ReadOnlySequence<byte> Window(long start, long end)
        {
            if (start == end) return ReadOnlySequence<byte>.Empty;
            var first = _segments[start / SegmentSize];
            var last = _segments[(end - 1) / SegmentSize];
            return new ReadOnlySequence<byte>(first, (int)(start % SegmentSize), last, (int)((end - 1) % SegmentSize) + 1);
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
    }
}
