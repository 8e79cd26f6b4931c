using Ccgw.Media.Audio;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Media.Tests.Audio;

public sealed class G711Tests
{
    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x00, -32124)]
    [InlineData(0x80, 32124)]
    [InlineData(0xFE, 8)]
    [InlineData(0x7E, -8)]
    public void Mulaw_decodes_reference_values(int code, int linear) => Assert.Equal(linear, G711.DecodeMulaw((byte)code));

    [Theory]
    [InlineData(0xD5, 8)]
    [InlineData(0x55, -8)]
    [InlineData(0xAA, 32256)]
    [InlineData(0x2A, -32256)]
    public void Alaw_decodes_reference_values(int code, int linear) => Assert.Equal(linear, G711.DecodeAlaw((byte)code));

    [Theory]
    [InlineData(0, 0xFF)]
    [InlineData(32767, 0x80)]
    [InlineData(-32768, 0x00)]
    public void Mulaw_encodes_reference_values(int linear, int code) => Assert.Equal(code, G711.EncodeMulaw((short)linear));

    [Theory]
    [InlineData(0, 0xD5)]
    [InlineData(32767, 0xAA)]
    [InlineData(-32768, 0x2A)]
    public void Alaw_encodes_reference_values(int linear, int code) => Assert.Equal(code, G711.EncodeAlaw((short)linear));

    [Fact]
    public void Every_code_survives_decode_then_encode()
    {
        for (var code = 0; code < 256; code++)
        {
            Assert.Equal(G711.DecodeMulaw((byte)code), G711.DecodeMulaw(G711.EncodeMulaw(G711.DecodeMulaw((byte)code))));
            Assert.Equal((byte)code, G711.EncodeAlaw(G711.DecodeAlaw((byte)code)));
        }
    }

    [Fact]
    public void Encoding_is_monotonic_in_the_decoded_domain()
    {
        var previousMu = short.MinValue;
        var previousA = short.MinValue;
        for (int s = short.MinValue; s <= short.MaxValue; s++)
        {
            var mu = G711.DecodeMulaw(G711.EncodeMulaw((short)s));
            var a = G711.DecodeAlaw(G711.EncodeAlaw((short)s));
            Assert.True(mu >= previousMu, $"mu-law not monotonic at {s}");
            Assert.True(a >= previousA, $"A-law not monotonic at {s}");
            previousMu = mu;
            previousA = a;
        }
    }

    [Fact]
    public void Property_quantisation_error_is_bounded_by_the_segment_step()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<short>(), s =>
        {
            var muError = Math.Abs(G711.DecodeMulaw(G711.EncodeMulaw(s)) - Math.Clamp((int)s, -32635, 32635));
            var aError = Math.Abs(G711.DecodeAlaw(G711.EncodeAlaw(s)) - s);
            return muError <= 1024 && aError <= 1024 && (Math.Abs((int)s) >= 256 || (muError <= 16 && aError <= 16));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Transcoding_mulaw_to_alaw_keeps_the_signal()
    {
        for (var code = 0; code < 256; code++)
        {
            var mu = G711.DecodeMulaw((byte)code);
            var viaAlaw = G711.DecodeAlaw(G711.MulawToAlaw((byte)code));
            Assert.True(Math.Abs(mu - viaAlaw) <= Math.Max(16, Math.Abs((int)mu) / 16), $"code {code}: {mu} vs {viaAlaw}");
        }
        Assert.Equal(G711.AlawSilence, G711.MulawToAlaw(G711.MulawSilence));
    }

    [Fact]
    public void Frame_encode_decode_round_trips_through_spans()
    {
        var samples = new short[160];
        for (var i = 0; i < samples.Length; i++) samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 8000.0));
        var encoded = new byte[160];
        var decoded = new short[160];
        G711.Encode(G711Codec.Pcma, samples, encoded);
        G711.Decode(G711Codec.Pcma, encoded, decoded);
        for (var i = 0; i < samples.Length; i++) Assert.InRange(decoded[i] - samples[i], -256, 256);
    }
}
