using System.Text;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Tests;

internal static class TestMessages
{
    /// <summary>Test text uses LF; the wire uses CRLF.</summary>
    public static byte[] Wire(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    public static SipMessage Parse(string text) => SipMessageParser.ParseDatagram(Wire(text));

    public static SipRequest Request(string text) => Assert.IsType<SipRequest>(Parse(text));

    public const string Invite = """
        INVITE sip:bob@biloxi.example.com SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport
        Max-Forwards: 70
        To: Bob <sip:bob@biloxi.example.com>
        From: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.example.com
        CSeq: 314159 INVITE
        Contact: <sip:alice@pc33.atlanta.example.com>
        Content-Type: application/sdp
        Content-Length: 5

        v=0

        """;

    public const string Register = """
        REGISTER sip:localhost SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKreg1;rport
        Max-Forwards: 70
        To: <sip:alice@localhost>
        From: <sip:alice@localhost>;tag=reg1
        Call-ID: reg-call-1@127.0.0.1
        CSeq: 1 REGISTER
        Contact: <sip:alice@127.0.0.1:5061;transport=udp>;expires=3600
        Content-Length: 0


        """;
}
