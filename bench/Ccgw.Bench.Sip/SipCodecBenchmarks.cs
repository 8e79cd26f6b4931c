using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;

namespace Ccgw.Bench.Sip;

/// <summary>Parser and serializer cost per message, with allocations (the model is string-based; see docs/sip.md).</summary>
[MemoryDiagnoser]
public class SipCodecBenchmarks
{
    private static readonly byte[] Invite = Encoding.ASCII.GetBytes(string.Join("\r\n",
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport",
        "Max-Forwards: 70",
        "To: Bob <sip:bob@biloxi.example.com>",
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@pc33.atlanta.example.com>",
        "Content-Type: application/sdp",
        "Content-Length: 142",
        "",
        "v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"));

    private static readonly byte[] Register = Encoding.ASCII.GetBytes(string.Join("\r\n",
        "REGISTER sip:localhost SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKnashds7;rport",
        "Max-Forwards: 70",
        "To: <sip:alice@localhost>",
        "From: <sip:alice@localhost>;tag=456248",
        "Call-ID: 843817637684230@998sdasdh09",
        "CSeq: 1826 REGISTER",
        "Contact: <sip:alice@127.0.0.1:5061;transport=udp>;expires=3600",
        "Authorization: Digest username=\"alice\", realm=\"localhost\", nonce=\"0123456789abcdef0123456789abcdef\", uri=\"sip:localhost\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"abc\"",
        "Content-Length: 0",
        "",
        ""));

    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private SipResponse _ok = null!;

    [GlobalSetup]
    public void Setup()
    {
        var request = (SipRequest)SipMessageParser.ParseDatagram(Register);
        _ok = SipResponseFactory.Create(request, 200, toTag: "a6c85cf");
        _ok.Contact.Add(SipNameAddress.Parse("<sip:alice@127.0.0.1:5061;transport=udp>;expires=3600"));
        _ok.Headers.Add("Server", "ccgw");
    }

    [Benchmark]
    public SipMessage ParseInvite() => SipMessageParser.ParseDatagram(Invite);

    [Benchmark]
    public SipMessage ParseRegister() => SipMessageParser.ParseDatagram(Register);

    [Benchmark]
    public int Serialize200()
    {
        _output.ResetWrittenCount();
        SipMessageWriter.Write(_ok, _output);
        return _output.WrittenCount;
    }
}
