using System.Buffers;

namespace Ccgw.Mqtt;

/// <summary>One complete packet on the wire: the first byte of the fixed header and the body.</summary>
internal readonly struct MqttFrame(byte header, ReadOnlySequence<byte> body, SequencePosition end)
{
    public byte Header { get; } = header;
    public ReadOnlySequence<byte> Body { get; } = body;

    /// <summary>Where the next packet starts in the buffer the frame was read from.</summary>
    public SequencePosition End { get; } = end;

    public MqttPacketType Type => (MqttPacketType)(Header >> 4);
    public int Flags => Header & 0x0F;
}

/// <summary>
/// Splits a byte stream into packets by the fixed header (§2.1, v3.1.1 §2.2). An incomplete
/// packet consumes nothing; an oversized one is refused as soon as its length is known, so a
/// hostile peer cannot make the broker buffer more than the configured maximum packet size.
/// </summary>
internal static class MqttFrameReader
{
    public const int MaxRemainingLength = 268_435_455;

    public static bool TryRead(in ReadOnlySequence<byte> buffer, int maxPacketSize, out MqttFrame frame)
    {
        frame = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out var header)) return false;
        if (header >> 4 == 0) throw MqttProtocolException.Malformed("packet type 0 is reserved");

        var remaining = 0;
        var lengthBytes = 0;
        while (true)
        {
            if (!reader.TryRead(out var b)) return false;
            remaining |= (b & 0x7F) << (7 * lengthBytes);
            lengthBytes++;
            if ((b & 0x80) == 0) break;
            if (lengthBytes == 4) throw MqttProtocolException.Malformed("remaining length longer than four bytes");
        }

        var total = 1L + lengthBytes + remaining;
        if (total > maxPacketSize)
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge, $"packet of {total} bytes exceeds the maximum of {maxPacketSize}");
        if (reader.Remaining < remaining) return false;

        var body = reader.UnreadSequence.Slice(0, remaining);
        frame = new MqttFrame(header, body, body.End);
        return true;
    }
}
