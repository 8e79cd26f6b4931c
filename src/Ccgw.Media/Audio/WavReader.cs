using System.Buffers.Binary;

namespace Ccgw.Media.Audio;

/// <summary>
/// Reads RIFF/WAVE files into <see cref="AudioPrompt"/>s. Accepted: 8000 Hz mono mu-law (format 7),
/// A-law (format 6), or 16-bit linear PCM (format 1), also when wrapped as WAVE_FORMAT_EXTENSIBLE.
/// Anything else is rejected rather than resampled: prompts are prepared offline (config/prompts/make-prompts.sh).
/// </summary>
public static class WavReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatAlaw = 6;
    private const ushort FormatMulaw = 7;
    private const ushort FormatExtensible = 0xFFFE;

    public static async Task<AudioPrompt> LoadAsync(string path, G711Codec target, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (IOException e)
        {
            throw new WavFormatException($"{path}: cannot read: {e.Message}", e);
        }
        return Read(bytes, path, target);
    }

    /// <summary>Decodes a whole WAV image; <paramref name="name"/> is used in error messages and as the prompt's name.</summary>
    public static AudioPrompt Read(ReadOnlySpan<byte> file, string name, G711Codec target)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file[8..12].SequenceEqual("WAVE"u8))
            throw new WavFormatException($"{name}: not a RIFF/WAVE file.");

        ushort format = 0, channels = 0, bits = 0;
        uint rate = 0;
        var haveFormat = false;
        var offset = 12;
        while (file.Length - offset >= 8)
        {
            var id = file.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
            var bodyStart = offset + 8;
            // Some writers put a bogus size (0 or 0xFFFFFFFF) on a streamed data chunk; take what the file holds.
            var bodyLength = size > (uint)(file.Length - bodyStart) ? file.Length - bodyStart : (int)size;
            var body = file.Slice(bodyStart, bodyLength);
            if (id.SequenceEqual("fmt "u8))
            {
                if (body.Length < 16) throw new WavFormatException($"{name}: fmt chunk is {body.Length} bytes, needs 16.");
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == FormatExtensible)
                {
                    // The real format tag is the first two bytes of the SubFormat GUID (offset 24 of the extension).
                    if (body.Length < 26) throw new WavFormatException($"{name}: WAVE_FORMAT_EXTENSIBLE without a sub-format.");
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
                }
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat) throw new WavFormatException($"{name}: data chunk before fmt chunk.");
                return Decode(body, name, target, format, channels, rate, bits);
            }
            offset = bodyStart + bodyLength + (bodyLength & 1); // chunks are word-aligned
        }
        throw new WavFormatException(haveFormat ? $"{name}: no data chunk." : $"{name}: no fmt chunk.");
    }

    private static AudioPrompt Decode(ReadOnlySpan<byte> data, string name, G711Codec target, ushort format, ushort channels, uint rate, ushort bits)
    {
        var description = $"format {format}, {channels} channel(s), {rate} Hz, {bits} bits";
        if (channels != 1 || rate != AudioPrompt.SampleRate)
            throw new WavFormatException($"{name}: unsupported {description}; prompts must be 8000 Hz mono (mu-law, A-law or 16-bit PCM).");
        byte[] encoded;
        switch (format)
        {
            case FormatMulaw or FormatAlaw when bits == 8:
                encoded = new byte[data.Length];
                G711.Transcode(format == FormatMulaw ? G711Codec.Pcmu : G711Codec.Pcma, target, data, encoded);
                break;
            case FormatPcm when bits == 16:
                encoded = new byte[data.Length / 2];
                for (var i = 0; i < encoded.Length; i++)
                {
                    var sample = BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]);
                    encoded[i] = target == G711Codec.Pcmu ? G711.EncodeMulaw(sample) : G711.EncodeAlaw(sample);
                }
                break;
            default:
                throw new WavFormatException($"{name}: unsupported {description}; expected mu-law (7), A-law (6) or 16-bit PCM (1).");
        }
        if (encoded.Length == 0) throw new WavFormatException($"{name}: no audio samples.");
        return new AudioPrompt(Path.GetFileNameWithoutExtension(name), target, encoded);
    }
}
