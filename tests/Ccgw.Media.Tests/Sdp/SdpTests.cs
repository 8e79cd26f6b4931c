using System.Net;
using Ccgw.Media.Audio;
using Ccgw.Media.Sdp;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Sdp;

public sealed class SdpTests
{
    // Shaped like what sipp's uac_pcap scenario and typical PBXes send.
    private const string Offer =
        "v=0\r\n" +
        "o=user1 53655765 2353687637 IN IP4 10.1.2.3\r\n" +
        "s=-\r\n" +
        "c=IN IP4 10.1.2.3\r\n" +
        "t=0 0\r\n" +
        "m=audio 6000 RTP/AVP 18 8 0 96\r\n" +
        "a=rtpmap:18 G729/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:96 telephone-event/8000\r\n" +
        "a=fmtp:96 0-16\r\n" +
        "a=ptime:30\r\n" +
        "m=video 6002 RTP/AVP 31\r\n";

    private static readonly LocalMedia Gateway = new(IPAddress.Parse("192.0.2.10"), 20000, 42, 1);

    [Fact]
    public void Parses_session_and_media_lines()
    {
        var sdp = SessionDescription.Parse(Offer);
        Assert.Equal(53655765ul, sdp.Origin.SessionId);
        Assert.Equal("10.1.2.3", sdp.Connection!.Address);
        Assert.Equal(2, sdp.Media.Count);
        Assert.Equal(["18", "8", "0", "96"], sdp.Media[0].Formats);
        Assert.Equal("30", sdp.Media[0].GetAttribute("ptime"));
        Assert.Equal(MediaDirection.SendReceive, sdp.Media[0].GetDirection(sdp));
    }

    [Fact]
    public void Serialize_then_parse_is_identity_on_the_model()
    {
        var once = SessionDescription.Parse(Offer).ToString();
        var twice = SessionDescription.Parse(once).ToString();
        Assert.Equal(once, twice);
        Assert.EndsWith("\r\n", once);
        Assert.DoesNotContain("\n\n", once);
    }

    [Fact]
    public void Answer_picks_the_first_common_codec_in_offer_order_and_keeps_the_event_payload_type()
    {
        Assert.True(SdpOfferAnswer.TryAnswer(SessionDescription.Parse(Offer), Gateway, out var answer, out var audio, out _));

        Assert.Equal(G711Codec.Pcma, audio.Codec);
        Assert.Equal(8, audio.PayloadType);
        Assert.Equal((byte)96, audio.TelephoneEventPayloadType);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 6000), audio.Remote);
        Assert.Equal(30, audio.RemotePacketTimeMs);
        Assert.Equal(2, answer.Media.Count);
        Assert.Equal(["8", "96"], answer.Media[0].Formats);
        Assert.Equal(20000, answer.Media[0].Port);
        Assert.Equal("96 0-15", answer.Media[0].GetAttribute("fmtp"));
        Assert.Equal("20", answer.Media[0].GetAttribute("ptime"));
        Assert.Equal(0, answer.Media[1].Port); // video refused, m= line kept (RFC 3264 §6)
    }

    [Fact]
    public void Answer_carries_only_the_gateway_addresses()
    {
        Assert.True(SdpOfferAnswer.TryAnswer(SessionDescription.Parse(Offer), Gateway, out var answer, out _, out _));
        var text = answer.ToString();
        Assert.DoesNotContain("10.1.2.3", text);
        Assert.DoesNotContain("53655765", text);
        Assert.Contains("o=ccgw 42 1 IN IP4 192.0.2.10\r\n", text);
        Assert.Contains("c=IN IP4 192.0.2.10\r\n", text);
    }

    [Theory]
    [InlineData("a=sendonly", MediaDirection.ReceiveOnly)]
    [InlineData("a=recvonly", MediaDirection.SendOnly)]
    [InlineData("a=inactive", MediaDirection.Inactive)]
    [InlineData("a=sendrecv", MediaDirection.SendReceive)]
    public void Answer_direction_mirrors_the_offer(string attribute, MediaDirection expected)
    {
        var offer = SessionDescription.Parse("v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n" + attribute + "\r\n");
        Assert.True(SdpOfferAnswer.TryAnswer(offer, Gateway, out var answer, out var audio, out _));
        Assert.Equal(expected, audio.Direction);
        Assert.Equal(expected, answer.Media[0].GetDirection(answer));
        Assert.Null(audio.TelephoneEventPayloadType);
    }

    [Fact]
    public void Hold_with_zero_address_means_we_only_receive()
    {
        var offer = SessionDescription.Parse("v=0\r\no=a 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
        Assert.True(SdpOfferAnswer.TryAnswer(offer, Gateway, out _, out var audio, out _));
        Assert.Null(audio.Remote);
        Assert.Equal(MediaDirection.ReceiveOnly, audio.Direction);
    }

    [Theory]
    [InlineData("m=audio 4000 RTP/AVP 18 9\r\na=rtpmap:18 G729/8000\r\n")]
    [InlineData("m=audio 4000 RTP/SAVP 0\r\n")]
    [InlineData("m=audio 0 RTP/AVP 0\r\n")]
    [InlineData("m=video 4000 RTP/AVP 31\r\n")]
    [InlineData("m=audio 4000 RTP/AVP 97\r\na=rtpmap:97 PCMU/16000\r\n")]
    public void Offers_without_a_common_codec_are_refused(string media)
    {
        var offer = SessionDescription.Parse("v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n" + media);
        Assert.False(SdpOfferAnswer.TryAnswer(offer, Gateway, out _, out _, out var reason));
        Assert.NotEmpty(reason);
    }

    [Fact]
    public void Dynamic_payload_type_named_PCMU_is_accepted()
    {
        var offer = SessionDescription.Parse("v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 112\na=rtpmap:112 pcmu/8000\n");
        Assert.True(SdpOfferAnswer.TryAnswer(offer, Gateway, out _, out var audio, out _));
        Assert.Equal((G711Codec.Pcmu, (byte)112), (audio.Codec, audio.PayloadType));
    }

    [Fact]
    public void Our_offer_is_accepted_by_our_own_answerer_and_the_answer_is_understood()
    {
        var agentSide = new LocalMedia(IPAddress.Parse("192.0.2.99"), 30000, 7, 7);
        var offer = SdpOfferAnswer.CreateOffer(Gateway);
        Assert.True(SdpOfferAnswer.TryAnswer(SessionDescription.Parse(offer.ToString()), agentSide, out var answer, out var theirs, out _));
        Assert.True(SdpOfferAnswer.TryAcceptAnswer(SessionDescription.Parse(answer.ToString()), out var ours, out _));
        Assert.Equal(G711Codec.Pcmu, ours.Codec);
        Assert.Equal((byte)101, ours.TelephoneEventPayloadType);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.99"), 30000), ours.Remote);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 20000), theirs.Remote);
    }

    [Theory]
    [InlineData("")]
    [InlineData("v=1\r\n")]
    [InlineData("v=0\r\ns=-\r\n")]
    [InlineData("v=0\r\no=a x 1 IN IP4 1.2.3.4\r\n")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nc=IN IPX 1.2.3.4\r\n")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n")]
    [InlineData("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ngarbage\r\n")]
    public void Malformed_sdp_raises_SdpParseException(string text) =>
        Assert.Throws<SdpParseException>(() => SessionDescription.Parse(text));

    [Fact]
    public void Fuzz_only_SdpParseException_escapes_parse_and_negotiation()
    {
        var lines = Offer.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Prop.ForAll(ArbMap.Default.ArbFor<(int[], string)>(), t =>
        {
            var (picks, noise) = t;
            // Recombine real lines with noise so both the structure and the field parsers are exercised.
            var text = "v=0\r\n" + string.Join("\r\n", picks.Select(p => p % 5 == 0 ? noise ?? "" : lines[Math.Abs(p % lines.Length)]));
            try
            {
                var sdp = SessionDescription.Parse(text);
                SdpOfferAnswer.TryAnswer(sdp, Gateway, out _, out _, out _);
                _ = SessionDescription.Parse(sdp.ToString());
            }
            catch (SdpParseException)
            {
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
