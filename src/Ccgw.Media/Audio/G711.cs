namespace Ccgw.Media.Audio;

/// <summary>The two ITU-T G.711 companding laws, with their static RTP payload types (RFC 3551 §6).</summary>
public enum G711Codec : byte
{
    Pcmu = 0,
    Pcma = 8,
}

/// <summary>
/// G.711 mu-law and A-law (ITU-T G.711, RFC 3551 §4.5.14). Every conversion is a table lookup:
/// the tables are computed once and never change, so sharing them across threads is safe.
/// </summary>
internal static class G711
{
    public const byte MulawSilence = 0xFF;
    public const byte AlawSilence = 0xD5;

    private const int MulawBias = 0x84;
    private const int MulawClip = 32635;

    private static readonly short[] MulawToLinear = BuildDecodeTable(DecodeMulawSlow);
    private static readonly short[] AlawToLinear = BuildDecodeTable(DecodeAlawSlow);
    // Indexed by the 16-bit sample reinterpreted as ushort: 64 KiB each, traded for one load per sample.
    private static readonly byte[] LinearToMulaw = BuildEncodeTable(EncodeMulawSlow);
    private static readonly byte[] LinearToAlaw = BuildEncodeTable(EncodeAlawSlow);
    private static readonly byte[] MulawToAlawTable = BuildTranscodeTable(MulawToLinear, LinearToAlaw);
    private static readonly byte[] AlawToMulawTable = BuildTranscodeTable(AlawToLinear, LinearToMulaw);

    public static byte Silence(G711Codec codec) => codec == G711Codec.Pcmu ? MulawSilence : AlawSilence;

    public static short DecodeMulaw(byte value) => MulawToLinear[value];
    public static short DecodeAlaw(byte value) => AlawToLinear[value];
    public static byte EncodeMulaw(short sample) => LinearToMulaw[(ushort)sample];
    public static byte EncodeAlaw(short sample) => LinearToAlaw[(ushort)sample];
    public static byte MulawToAlaw(byte value) => MulawToAlawTable[value];
    public static byte AlawToMulaw(byte value) => AlawToMulawTable[value];

    public static void Encode(G711Codec codec, ReadOnlySpan<short> samples, Span<byte> destination)
    {
        if (destination.Length < samples.Length) throw new ArgumentException("Destination is shorter than the samples.", nameof(destination));
        var table = codec == G711Codec.Pcmu ? LinearToMulaw : LinearToAlaw;
        for (var i = 0; i < samples.Length; i++) destination[i] = table[(ushort)samples[i]];
    }

    public static void Decode(G711Codec codec, ReadOnlySpan<byte> encoded, Span<short> destination)
    {
        if (destination.Length < encoded.Length) throw new ArgumentException("Destination is shorter than the input.", nameof(destination));
        var table = codec == G711Codec.Pcmu ? MulawToLinear : AlawToLinear;
        for (var i = 0; i < encoded.Length; i++) destination[i] = table[encoded[i]];
    }

    /// <summary>Converts between the laws in place-compatible fashion (source and destination may be the same buffer).</summary>
    public static void Transcode(G711Codec from, G711Codec to, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("Destination is shorter than the input.", nameof(destination));
        if (from == to)
        {
            source.CopyTo(destination);
            return;
        }
        var table = from == G711Codec.Pcmu ? MulawToAlawTable : AlawToMulawTable;
        for (var i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }

    // The reference algorithms: segment (exponent) plus 4-bit mantissa, inverted bits for mu-law, even bits toggled for A-law.
    internal static byte EncodeMulawSlow(short pcm)
    {
        int sample = pcm;
        var sign = sample < 0 ? 0x80 : 0;
        if (sample < 0) sample = -sample;
        if (sample > MulawClip) sample = MulawClip;
        sample += MulawBias;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) exponent--;
        var mantissa = (sample >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    internal static short DecodeMulawSlow(byte value)
    {
        int u = (byte)~value;
        var exponent = (u >> 4) & 0x07;
        var magnitude = ((((u & 0x0F) << 3) + MulawBias) << exponent) - MulawBias;
        return (short)((u & 0x80) != 0 ? -magnitude : magnitude);
    }

    internal static byte EncodeAlawSlow(short pcm)
    {
        var value = pcm >> 3; // A-law works on 13-bit samples
        int toggle;
        if (value >= 0)
        {
            toggle = 0xD5;
        }
        else
        {
            toggle = 0x55;
            value = -value - 1;
        }
        var segment = 0;
        while (segment < 8 && value > (0x20 << segment) - 1) segment++;
        if (segment >= 8) return (byte)(0x7F ^ toggle);
        var mantissa = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F;
        return (byte)(((segment << 4) | mantissa) ^ toggle);
    }

    internal static short DecodeAlawSlow(byte value)
    {
        var a = value ^ 0x55;
        var magnitude = (a & 0x0F) << 4;
        var segment = (a & 0x70) >> 4;
        magnitude = segment switch
        {
            0 => magnitude + 8,
            1 => magnitude + 0x108,
            _ => (magnitude + 0x108) << (segment - 1),
        };
        return (short)((a & 0x80) != 0 ? magnitude : -magnitude);
    }

    private static short[] BuildDecodeTable(Func<byte, short> decode)
    {
        var table = new short[256];
        for (var i = 0; i < 256; i++) table[i] = decode((byte)i);
        return table;
    }

    private static byte[] BuildEncodeTable(Func<short, byte> encode)
    {
        var table = new byte[65536];
        for (var i = 0; i < 65536; i++) table[i] = encode((short)(ushort)i);
        return table;
    }

    private static byte[] BuildTranscodeTable(short[] decode, byte[] encode)
    {
        var table = new byte[256];
        for (var i = 0; i < 256; i++) table[i] = encode[(ushort)decode[i]];
        return table;
    }
}
