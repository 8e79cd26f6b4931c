namespace Ccgw.Media.Audio;

/// <summary>A WAV file ccgw cannot play: malformed RIFF, or a format other than 8 kHz mono G.711 or 16-bit PCM.</summary>
public sealed class WavFormatException : Exception
{
    public WavFormatException(string message) : base(message) { }
    public WavFormatException(string message, Exception inner) : base(message, inner) { }
    public WavFormatException() { }
}
