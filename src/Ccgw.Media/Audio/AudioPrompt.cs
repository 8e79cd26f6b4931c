namespace Ccgw.Media.Audio;

/// <summary>
/// A prompt held in memory already encoded for one codec, cut into 20 ms frames of 160 samples
/// (RFC 3551 §4.5: G.711 at 8000 Hz, one byte per sample). Immutable, so one instance serves every call.
/// </summary>
public sealed class AudioPrompt
{
    public const int SamplesPerFrame = 160;
    public const int SampleRate = 8000;

    private readonly byte[] _encoded;

    internal AudioPrompt(string name, G711Codec codec, byte[] encoded)
    {
        Name = name;
        Codec = codec;
        _encoded = encoded;
    }

    public string Name { get; }
    public G711Codec Codec { get; }
    public int SampleCount => _encoded.Length;
    public int FrameCount => (_encoded.Length + SamplesPerFrame - 1) / SamplesPerFrame;
    public TimeSpan Duration => TimeSpan.FromMilliseconds(FrameCount * 20);

    /// <summary>Copies frame <paramref name="index"/>; the last frame is completed with silence.</summary>
    public void CopyFrame(int index, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, FrameCount);
        if (destination.Length < SamplesPerFrame) throw new ArgumentException("A frame needs 160 bytes.", nameof(destination));
        var start = index * SamplesPerFrame;
        var available = Math.Min(SamplesPerFrame, _encoded.Length - start);
        _encoded.AsSpan(start, available).CopyTo(destination);
        destination[available..SamplesPerFrame].Fill(G711.Silence(Codec));
    }

    /// <summary>The same audio in the other G.711 law (a lossless table mapping per sample is not guaranteed, but one pass is inaudible).</summary>
    public AudioPrompt To(G711Codec codec)
    {
        if (codec == Codec) return this;
        var converted = new byte[_encoded.Length];
        G711.Transcode(Codec, codec, _encoded, converted);
        return new AudioPrompt(Name, codec, converted);
    }
}
