using System.Net;
using Ccgw.Media.Sdp;
using Ccgw.Media.Srtp;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Sdp;

public sealed class SdpCryptoTests
{
    // RFC 4568 §5.1's example line (its key is 30 bytes).
    private const string Rfc4568Key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

    private static readonly LocalMedia Gateway = new(IPAddress.Parse("192.0.2.10"), 20000, 42, 1);

    [Fact]
    public void Parses_the_rfc4568_example_and_writes_it_back()
    {
        var value = $"1 AES_CM_128_HMAC_SHA1_80 inline:{Rfc4568Key}";
        Assert.Equal(SdpCryptoStatus.Ok, SdpCrypto.TryParse(value, out var crypto, out var reason));
        Assert.Equal("", reason);
        Assert.Equal(1, crypto!.Tag);
        Assert.Equal(Convert.FromBase64String(Rfc4568Key)[..16], crypto.MasterKey.ToArray());
        Assert.Equal(Convert.FromBase64String(Rfc4568Key)[16..], crypto.MasterSalt.ToArray());
        Assert.Equal(value, crypto.ToString());
    }

    [Theory]
    [InlineData("1 AES_CM_128_HMAC_SHA1_32 inline:" + Rfc4568Key)]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key + "|2^20|1:32")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key + "|2^20")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key + ";inline:" + Rfc4568Key)]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key + " UNENCRYPTED_SRTP")]
    public void Well_formed_but_unimplemented_options_are_unsupported(string value)
    {
        Assert.Equal(SdpCryptoStatus.Unsupported, SdpCrypto.TryParse(value, out var crypto, out var reason));
        Assert.Null(crypto);
        Assert.NotEqual("", reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80")]
    [InlineData("x AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key)]
    [InlineData("0 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key)]
    [InlineData("1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key)]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 uri:" + Rfc4568Key)]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:short")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaV!!")]
    public void Bad_input_is_refused_with_a_reason(string? value)
    {
        Assert.Equal(SdpCryptoStatus.Malformed, SdpCrypto.TryParse(value, out var crypto, out var reason));
        Assert.Null(crypto);
        Assert.NotEqual("", reason);
    }

    [Fact]
    public void Overlong_value_is_refused_before_splitting() =>
        Assert.Equal(SdpCryptoStatus.Malformed, SdpCrypto.TryParse(new string('1', 100_000), out _, out _));

    [Fact]
    public void Generated_keys_are_fresh_and_round_trip()
    {
        var a = SdpCrypto.Generate();
        var b = SdpCrypto.Generate();
        Assert.NotEqual(a.ToString(), b.ToString());
        Assert.Equal(SdpCryptoStatus.Ok, SdpCrypto.TryParse(a.ToString(), out var back, out _));
        Assert.Equal(a.MasterKey.ToArray(), back!.MasterKey.ToArray());
        Assert.Equal(a.MasterSalt.ToArray(), back.MasterSalt.ToArray());
    }

    [Fact]
    public void Select_skips_unsupported_suites_and_takes_the_first_usable()
    {
        var m = Section(
            new SdpAttribute("crypto", "1 AES_256_CM_HMAC_SHA1_80 inline:" + Convert.ToBase64String(new byte[46])),
            new SdpAttribute("crypto", "2 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key));
        Assert.Equal(2, SdpCrypto.Select(m, out _)!.Tag);
        Assert.Null(SdpCrypto.Select(Section(), out var none));
        Assert.Contains("no a=crypto", none, StringComparison.Ordinal);
        Assert.Null(SdpCrypto.Select(Section(new SdpAttribute("crypto", "1 AES_CM_128_HMAC_SHA1_80 inline:bad")), out var bad));
        Assert.Contains("base64", bad, StringComparison.Ordinal);
    }

    [Fact]
    public void Offer_carries_crypto_over_savp_when_required_and_over_avp_when_optional()
    {
        var crypto = SdpCrypto.Generate();
        var required = SessionDescription.Parse(SdpOfferAnswer.CreateOffer(Gateway, crypto: crypto, secureProfile: true).ToString());
        Assert.Equal("RTP/SAVP", required.Media[0].Protocol);
        Assert.Equal(crypto.ToString(), required.Media[0].GetAttribute("crypto"));
        var optional = SessionDescription.Parse(SdpOfferAnswer.CreateOffer(Gateway, crypto: crypto).ToString());
        Assert.Equal("RTP/AVP", optional.Media[0].Protocol);
        Assert.Equal(crypto.ToString(), optional.Media[0].GetAttribute("crypto"));
        var plain = SdpOfferAnswer.CreateOffer(Gateway);
        Assert.Equal("RTP/AVP", plain.Media[0].Protocol);
        Assert.False(plain.Media[0].HasAttribute("crypto"));
    }

    [Fact]
    public void Savp_answer_is_accepted_for_our_offer_but_a_savp_offer_is_not_answered()
    {
        var sdp = SessionDescription.Parse(
            "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
            "m=audio 7000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + Rfc4568Key + "\r\n");
        Assert.True(SdpOfferAnswer.TryAcceptAnswer(sdp, out var audio, out var section, out _));
        Assert.Equal(7000, audio.Remote!.Port);
        Assert.Equal(1, SdpCrypto.Select(section!, out _)!.Tag);
        Assert.False(SdpOfferAnswer.TryAnswer(sdp, Gateway, out _, out _, out _));
    }

    [Fact]
    public void Keys_from_sdp_key_working_srtp_contexts()
    {
        var crypto = SdpCrypto.Generate();
        using var sender = crypto.CreateContext();
        using var receiver = SdpCrypto.FromKeySalt(crypto.Tag, Convert.FromBase64String(crypto.ToString().Split("inline:")[1])).CreateContext();
        var packet = new byte[12 + 160 + SrtpContext.TagLength];
        packet[0] = 0x80;
        packet[3] = 1;
        packet[11] = 7;
        Assert.True(sender.TryProtect(packet, 12 + 160, out var length));
        Assert.Equal(SrtpVerdict.Ok, receiver.Unprotect(packet, length, out var plain));
        Assert.Equal(172, plain);
    }

    [Fact]
    public void Fuzz_never_throws_and_ok_round_trips()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<(string, byte[], int)>(), t =>
        {
            var (noise, key, tag) = t;
            var candidates = new[]
            {
                noise,
                $"{tag} AES_CM_128_HMAC_SHA1_80 inline:{Convert.ToBase64String(key ?? [])}",
                $"{tag} AES_CM_128_HMAC_SHA1_80 inline:{Rfc4568Key}{noise}",
            };
            foreach (var c in candidates)
            {
                if (SdpCrypto.TryParse(c, out var crypto, out _) == SdpCryptoStatus.Ok)
                {
                    if (SdpCrypto.TryParse(crypto!.ToString(), out var again, out _) != SdpCryptoStatus.Ok) return false;
                    if (!again!.MasterKey.SequenceEqual(crypto.MasterKey)) return false;
                }
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    private static MediaDescription Section(params SdpAttribute[] attributes) =>
        new() { Media = "audio", Port = 7000, Protocol = "RTP/SAVP", Formats = ["0"], Attributes = attributes };
}
