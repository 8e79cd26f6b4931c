using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Ccgw.Mqtt;

/// <summary>UTF-8 encoded strings as MQTT defines them (3.1.1 §1.5.3, 5.0 §1.5.4).</summary>
internal static class Utf8Text
{
    public const int MaxStringBytes = ushort.MaxValue;

    /// <summary>
    /// Well-formed UTF-8 without U+0000. Surrogate code points are ill-formed UTF-8 already,
    /// so <see cref="Utf8.IsValid"/> rejects them [MQTT-1.5.4-1, MQTT-1.5.4-2].
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> bytes) => !bytes.Contains((byte)0) && Utf8.IsValid(bytes);

    public static string Decode(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment) return Decode(bytes.FirstSpan);
        var length = (int)bytes.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            bytes.CopyTo(rented);
            return Decode(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (!IsValid(bytes)) throw MqttProtocolException.Malformed("UTF-8 string is not well-formed or contains U+0000");
        return bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>A .NET string holds UTF-16; lone surrogates or U+0000 cannot be sent as MQTT strings.</summary>
    public static bool IsEncodable(string value) =>
        !value.Contains('\0', StringComparison.Ordinal) && Encoding.UTF8.GetByteCount(value) <= MaxStringBytes && !HasLoneSurrogate(value);

    private static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return true;
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }
}
