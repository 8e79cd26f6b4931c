using System.Buffers;
using System.Text;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using static Ccgw.Sip.Tests.TestMessages;

namespace Ccgw.Sip.Tests.Parsing;

public class SipParserTests
{
    [Fact]
    public void Parses_a_basic_invite_into_typed_headers()
    {
        var r = Request(Invite);
        Assert.Equal("INVITE", r.Method);
        Assert.Equal("bob", r.RequestUri.User);
        Assert.Equal("biloxi.example.com", r.RequestUri.Host);
        var via = Assert.Single(r.Via);
        Assert.Equal("UDP", via.Transport);
        Assert.Equal("z9hG4bK776asdhds", via.Branch);
        Assert.True(via.HasRPort);
        Assert.Null(via.RPort);
        Assert.Equal("Alice A.", r.From!.DisplayName);
        Assert.Equal("1928301774", r.From.Tag);
        Assert.Equal("Bob", r.To!.DisplayName);
        Assert.Null(r.To.Tag);
        Assert.Equal(new SipCSeq(314159, "INVITE"), r.CSeq);
        Assert.Equal(70, r.MaxForwards);
        Assert.Equal("application/sdp", r.ContentType);
        Assert.Equal("v=0\r\n", Encoding.ASCII.GetString(r.Body.Span));
    }

    [Fact]
    public void Compact_names_and_folding_are_understood()
    {
        var r = Request("""
            OPTIONS sip:a@b SIP/2.0
            v: SIP/2.0/TCP h1;branch=z9hG4bK1,
             SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK2;received=192.0.2.1
            f: <sip:x@y>;tag=1
            t: sip:a@b
            i: abc@def
            CSeq: 0009
              OPTIONS
            m: "A, \"quoted\" B" <sip:c@d;transport=tcp>;q=0.5, <sip:e@f>
            l: 0
            k: path
            X-Custom:  a
             b


            """);
        Assert.Equal(2, r.Via.Count);
        Assert.Equal("[2001:db8::1]", r.Via[1].Host);
        Assert.Equal(5070, r.Via[1].Port);
        Assert.Equal("192.0.2.1", r.Via[1].Received);
        Assert.Equal("abc@def", r.CallId);
        Assert.Equal(9u, r.CSeq!.Number);
        Assert.Equal(2, r.Contact.Count);
        Assert.Equal("A, \"quoted\" B", r.Contact[0].DisplayName);
        Assert.Equal("tcp", r.Contact[0].Uri.Transport);
        Assert.Equal("0.5", r.Contact[0].Parameters.Get("q"));
        Assert.Equal("path", r.Headers.Get("Supported"));
        Assert.Equal("a   b", r.Headers.Get("x-custom"));
    }

    [Fact]
    public void Unknown_headers_keep_their_original_bytes_through_serialization()
    {
        var r = Request("""
            OPTIONS sip:a@b SIP/2.0
            Via: SIP/2.0/UDP h;branch=z9hG4bK1
            From: <sip:x@y>;tag=1
            To: <sip:a@b>
            Call-ID: c1
            CSeq: 1 OPTIONS
            Weird-Header: ;;,,;;,;
            Content-Length: 0


            """);
        var bytes = Encoding.UTF8.GetString(SipMessageWriter.ToBytes(r));
        Assert.Contains("Weird-Header: ;;,,;;,;\r\n", bytes);
    }

    [Fact]
    public void Contact_star_is_a_wildcard()
    {
        var r = Request(Register.Replace("Contact: <sip:alice@127.0.0.1:5061;transport=udp>;expires=3600", "Contact: *\nExpires: 0"));
        Assert.True(r.ContactWildcard);
        Assert.Empty(r.Contact);
        Assert.Equal(0u, r.Expires);
    }

    [Theory]
    [InlineData("INVITE  sip:a@b SIP/2.0", "Malformed Request-Line")]
    [InlineData("INVITE sip:a@b SIP/2.0 ", "Malformed SIP-Version in Request-Line")]
    [InlineData("INVITE <sip:a@b> SIP/2.0", "Malformed URI scheme")]
    [InlineData("INVITE sip:a@b", "Malformed Request-Line")]
    [InlineData("INVITE sip:a@b?Route=x SIP/2.0", "Request-URI must not contain headers")]
    public void Bad_request_lines_are_rejected_with_a_reason(string startLine, string reason)
    {
        var ex = Assert.Throws<SipParseException>(() => Parse(startLine + "\nContent-Length: 0\n\n"));
        Assert.Equal(reason, ex.Reason);
    }

    [Theory]
    [InlineData("Content-Length: -1", "Malformed Content-Length")]
    [InlineData("Content-Length: 10", "Content-Length larger than message")]
    [InlineData("Content-Length: 0\nl: 0", "Multiple Content-Length headers")]
    [InlineData("Call-ID: x\ni: y", "Multiple Call-ID headers")]
    [InlineData("CSeq: 4294967296 OPTIONS", "Malformed CSeq")]
    [InlineData("From: \"unterminated <sip:a@b>", "Unterminated quoted string")]
    [InlineData("Via: SIP/2.0/UDP h;;", "Empty or malformed parameter name")]
    [InlineData("Contact: sip:a@b?Route=x", "URI with headers must be enclosed in <>")]
    [InlineData("NoColonHere", "Header line without colon")]
    public void Bad_headers_are_rejected_with_a_reason(string header, string reason)
    {
        var ex = Assert.Throws<SipParseException>(() => Parse("OPTIONS sip:a@b SIP/2.0\n" + header + "\n\n"));
        Assert.Equal(reason, ex.Reason);
    }

    [Fact]
    public void Responses_parse_including_empty_reason_and_reject_bad_codes()
    {
        var ok = Assert.IsType<SipResponse>(Parse("SIP/2.0 100 \nContent-Length: 0\n\n"));
        Assert.Equal(100, ok.StatusCode);
        Assert.Equal(string.Empty, ok.ReasonPhrase);
        Assert.Throws<SipParseException>(() => Parse("SIP/2.0 4294967301 Big\nContent-Length: 0\n\n"));
        Assert.Throws<SipParseException>(() => Parse("SIP/2.0 099 Small\nContent-Length: 0\n\n"));
    }

    [Fact]
    public void Sip_uri_components_and_escapes()
    {
        var u = SipUri.Parse("sips:al%69ce:pw@[2001:db8::5]:5061;transport=tls;lr?subject=hi");
        Assert.True(u.IsSecure);
        Assert.Equal("al%69ce", u.User);
        Assert.Equal("alice", u.UserUnescaped);
        Assert.Equal("pw", u.Password);
        Assert.Equal("[2001:db8::5]", u.Host);
        Assert.Equal(5061, u.Port);
        Assert.True(u.Parameters.Contains("lr"));
        Assert.Null(u.Parameters.Get("lr"));
        Assert.Equal("subject=hi", u.Headers);
        Assert.Equal("sips:al%69ce:pw@[2001:db8::5]:5061;transport=tls;lr?subject=hi", u.ToString());
        Assert.Equal("value%41", SipUri.Parse("sip:value%2541@h").UserUnescaped);
        Assert.Equal("null-\0-null", SipUri.Parse("sip:null-%00-null@h").UserUnescaped);
        Assert.False(SipUri.Parse("tel:+1-555").IsSip);
        Assert.False(SipUri.TryParse("sip:a@b:99999", out _));
        Assert.False(SipUri.TryParse("sip:a@[::zz]", out _));
        Assert.False(SipUri.TryParse("sip:a%2@b", out _));
    }

    [Fact]
    public void Datagram_ignores_octets_beyond_content_length()
    {
        var r = Request(Invite + "garbage after");
        Assert.Equal(5, r.Body.Length);
    }

    [Fact]
    public void Stream_framing_consumes_messages_one_at_a_time_and_answers_keepalive()
    {
        var bytes = Wire("\r\n\r\n".ReplaceLineEndings("\n") + Invite + Register);
        var seq = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(SipFrameStatus.KeepAlive, SipMessageParser.TryReadStreamMessage(ref seq, out _));
        Assert.Equal(SipFrameStatus.Message, SipMessageParser.TryReadStreamMessage(ref seq, out var m1));
        Assert.Equal("INVITE", ((SipRequest)m1!).Method);
        Assert.Equal(SipFrameStatus.Message, SipMessageParser.TryReadStreamMessage(ref seq, out var m2));
        Assert.Equal("REGISTER", ((SipRequest)m2!).Method);
        Assert.Equal(SipFrameStatus.Incomplete, SipMessageParser.TryReadStreamMessage(ref seq, out _));
    }

    [Fact]
    public void Stream_without_content_length_is_a_framing_error()
    {
        var seq = new ReadOnlySequence<byte>(Wire("OPTIONS sip:a@b SIP/2.0\nCall-ID: x\n\n"));
        Assert.Throws<SipParseException>(() => SipMessageParser.TryReadStreamMessage(ref seq, out _));
    }

    [Fact]
    public void Oversized_header_section_is_rejected_on_streams_without_waiting_forever()
    {
        var big = "OPTIONS sip:a@b SIP/2.0\n" + string.Concat(Enumerable.Repeat("X-Pad: " + new string('a', 100) + "\n", 400));
        var seq = new ReadOnlySequence<byte>(Wire(big));
        var ex = Assert.Throws<SipParseException>(() => SipMessageParser.TryReadStreamMessage(ref seq, out _));
        Assert.Equal("Header section too large", ex.Reason);
    }

    [Fact]
    public void Serialized_message_reparses_to_the_same_model()
    {
        var r = Request(Invite);
        var again = (SipRequest)SipMessageParser.ParseDatagram(SipMessageWriter.ToBytes(r));
        Assert.Equal(r.ToString(), again.ToString());
        Assert.Equal(r.From!.ToString(), again.From!.ToString());
        Assert.Equal(r.Via[0].ToString(), again.Via[0].ToString());
        Assert.Equal(r.Body.ToArray(), again.Body.ToArray());
    }
}
