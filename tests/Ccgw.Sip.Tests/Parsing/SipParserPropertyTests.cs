using System.Buffers;
using System.Text;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using FsCheck;
using FsCheck.Fluent;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Parsing;

/// <summary>Hostile-input properties: only <see cref="SipParseException"/> ever escapes, and framing is segment-agnostic.</summary>
public class SipParserPropertyTests
{
    private static readonly byte[][] Seeds =
    [
        Wire(Invite),
        Wire(Register),
        Wire("""
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP [::1]:5060;branch=z9hG4bKx;received=127.0.0.1;rport=5061
            From: "A \"B\"" <sip:a@b>;tag=1
            To: <sip:c@d>;tag=2
            Call-ID: x@y
            CSeq: 2 REGISTER
            Contact: <sip:c@127.0.0.1>;expires=60, <sips:[2001:db8::2]:5061>;q=0.1
            WWW-Authenticate: Digest realm="localhost", nonce="abc,def", algorithm=MD5, qop="auth"
            Content-Length: 0


            """),
    ];

    /// <summary>Runs every entry point the transports use; anything but our own exception fails the property.</summary>
    private static bool OnlyParseErrorsEscape(byte[] data, int[] cuts)
    {
        try
        {
            var m = SipMessageParser.ParseDatagram(data);
            if (m is SipRequest req) _ = SipRequestValidator.Validate(req);
            var again = SipMessageParser.ParseDatagram(SipMessageWriter.ToBytes(m));
            Assert.Equal(m.IsRequest, again.IsRequest);
        }
        catch (SipParseException e)
        {
            var answer = SipMalformedRequestResponder.BuildResponse(data, e);
            if (answer is not null) Assert.IsType<SipResponse>(SipMessageParser.ParseDatagram(answer));
        }
        try
        {
            var seq = Segment.Split(data, cuts);
            for (var guard = 0; guard < 8; guard++)
            {
                if (SipMessageParser.TryReadStreamMessage(ref seq, out _) == SipFrameStatus.Incomplete) break;
            }
        }
        catch (SipParseException)
        {
        }
        return true;
    }

    [Fact]
    public void Mutated_messages_only_ever_raise_the_parse_error()
    {
        var gen =
            from data in ByteMutations.Of(Seeds, 2000, 0, (byte)'\r', (byte)'\n', (byte)' ', (byte)':', (byte)';', (byte)',', (byte)'"', (byte)'<', (byte)'>', (byte)'\\', (byte)'%', (byte)'@', (byte)'=', (byte)'[', (byte)']', 0x7F, 0xFF, (byte)'9', (byte)'a')
            from cuts in Gen.ArrayOf(Gen.Choose(1, 1500), 3)
            select (Data: data, Cuts: cuts);
        Prop.ForAll(gen.ToArbitrary(), t => OnlyParseErrorsEscape(t.Data, t.Cuts))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Random_bytes_never_crash_the_parser()
    {
        var gen = Gen.ArrayOf(Gen.Elements<byte>((byte)'S', (byte)'I', (byte)'P', (byte)'/', (byte)'2', (byte)'.', (byte)'0', (byte)' ', (byte)'\r', (byte)'\n', (byte)':', (byte)'a', (byte)'<', (byte)'"', 0, 0xC3));
        Prop.ForAll(gen.ToArbitrary(), data => OnlyParseErrorsEscape(data, [3, 7]))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    private static readonly Gen<string> TokenGen =
        Gen.NonEmptyListOf(Gen.Elements("a", "b", "Z", "9", "-", ".", "!", "%", "*", "_", "+", "`", "'", "~"))
            .Select(l => string.Concat(l.Take(12)));

    private static readonly Gen<string> DisplayGen =
        Gen.ListOf(Gen.Elements("a", " ", "\"", "\\", ",", ";", "<", ">", "é", "x")).Select(l => string.Concat(l.Take(16)));

    private static readonly Gen<SipRequest> RequestGen =
        from method in Gen.Elements("INVITE", "REGISTER", "OPTIONS", "BYE", "X-CUSTOM")
        from user in Gen.Elements("alice", "b%40b", "c;d=e", "+1555")
        from host in Gen.Elements("example.com", "127.0.0.1", "[2001:db8::1]")
        from port in Gen.Elements<int?>(null, 5060, 65535)
        from display in DisplayGen
        from tag in TokenGen
        from branch in TokenGen
        from vias in Gen.Choose(1, 4)
        from cseq in Gen.Choose(0, int.MaxValue)
        from body in Gen.ArrayOf(Gen.Elements<byte>(0, 13, 10, 65, 255))
        from extra in TokenGen
        select Build(method, user, host, port, display, tag, branch, vias, (uint)cseq, body, extra);

    private static SipRequest Build(string method, string user, string host, int? port, string display, string tag, string branch, int vias, uint cseq, byte[] body, string extra)
    {
        var uri = new SipUri("sip", user, host, port);
        var r = new SipRequest(method, uri);
        for (var i = 0; i < vias; i++) r.Via.Add(new SipVia("UDP", host, port, SipVia.MagicCookie + branch + i));
        r.From = new SipNameAddress(uri, display.Length == 0 ? null : display) { Parameters = { } };
        r.From.Tag = tag;
        r.To = new SipNameAddress(new SipUri("sips", null, "example.org"));
        r.CallId = tag + "@" + extra;
        r.CSeq = new SipCSeq(cseq, method);
        r.MaxForwards = 70;
        r.Contact.Add(new SipNameAddress(uri) { Parameters = { } });
        r.Contact[0].Parameters.Set("expires", "60");
        r.Headers.Add("X-" + extra, "value, \"with\" ;stuff");
        r.ContentType = body.Length > 0 ? "application/octet-stream" : null;
        r.Body = body;
        return r;
    }

    [Fact]
    public void Generated_messages_round_trip_byte_for_byte()
    {
        Prop.ForAll(RequestGen.ToArbitrary(), r =>
        {
            var bytes = SipMessageWriter.ToBytes(r);
            var parsed = SipMessageParser.ParseDatagram(bytes);
            var again = SipMessageWriter.ToBytes(parsed);
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(again));
            Assert.Equal(r.From!.DisplayName, parsed.From!.DisplayName);
            Assert.Equal(r.Body.ToArray(), parsed.Body.ToArray());
            var seq = Segment.OneBytePerSegment(bytes);
            Assert.Equal(SipFrameStatus.Message, SipMessageParser.TryReadStreamMessage(ref seq, out var streamed));
            Assert.Equal(again, SipMessageWriter.ToBytes(streamed!));
            Assert.True(seq.IsEmpty);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Every_proper_prefix_of_a_stream_message_is_incomplete_and_consumes_nothing()
    {
        foreach (var seed in Seeds)
        {
            for (var n = 0; n < seed.Length; n++)
            {
                var seq = new ReadOnlySequence<byte>(seed, 0, n);
                var before = seq;
                Assert.Equal(SipFrameStatus.Incomplete, SipMessageParser.TryReadStreamMessage(ref seq, out var m));
                Assert.Null(m);
                Assert.Equal(before.Length, seq.Length);
            }
            var whole = Segment.OneBytePerSegment(seed);
            Assert.Equal(SipFrameStatus.Message, SipMessageParser.TryReadStreamMessage(ref whole, out var parsed));
            Assert.Equal(SipMessageWriter.ToBytes(SipMessageParser.ParseDatagram(seed)), SipMessageWriter.ToBytes(parsed!));
        }
    }

    [Fact]
    public void Arbitrary_segmentation_parses_the_same_as_one_buffer()
    {
        var gen = from seed in Gen.Elements(Seeds)
                  from cuts in Gen.ArrayOf(Gen.Choose(1, 800))
                  select (seed, cuts);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var seq = Segment.Split(t.seed, t.cuts);
            Assert.Equal(SipFrameStatus.Message, SipMessageParser.TryReadStreamMessage(ref seq, out var m));
            return SipMessageWriter.ToBytes(m!).AsSpan().SequenceEqual(SipMessageWriter.ToBytes(SipMessageParser.ParseDatagram(t.seed)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
