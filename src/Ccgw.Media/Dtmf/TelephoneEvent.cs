using System.Buffers.Binary;

namespace Ccgw.Media.Dtmf;

/// <summary>One RFC 4733 §2.3 event block: event code, end bit, volume (-dBm0) and duration in timestamp units.</summary>
public readonly record struct TelephoneEvent(byte Event, bool End, byte Volume, ushort Duration)
{
    public const int Length = 4;
    private const string Digits = "0123456789*#ABCD";

    /// <summary>Reads the first block; a payload may carry redundant blocks (RFC 4733 §2.6) that ccgw does not need.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out TelephoneEvent value)
    {
        if (payload.Length < Length)
        {
            value = default;
            return false;
        }
        value = new TelephoneEvent(payload[0], (payload[1] & 0x80) != 0, (byte)(payload[1] & 0x3F), BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Event;
        destination[1] = (byte)((End ? 0x80 : 0) | (Volume & 0x3F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Duration);
    }

    /// <summary>DTMF events 0-15 (RFC 4733 §3.2) as the characters 0-9 * # A-D.</summary>
    public static bool TryGetDigit(byte eventCode, out char digit)
    {
        digit = eventCode < Digits.Length ? Digits[eventCode] : '\0';
        return eventCode < Digits.Length;
    }

    public static bool TryGetEventCode(char digit, out byte eventCode)
    {
        var index = Digits.IndexOf(char.ToUpperInvariant(digit), StringComparison.Ordinal);
        eventCode = (byte)Math.Max(index, 0);
        return index >= 0;
    }
}
