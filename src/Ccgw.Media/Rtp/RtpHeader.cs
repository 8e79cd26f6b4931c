using System.Buffers.Binary;

namespace Ccgw.Media.Rtp;

/// <summary>The fields ccgw sets on packets it originates: no CSRCs, no extension, no padding.</summary>
public readonly record struct RtpHeader(byte PayloadType, ushort SequenceNumber, uint Timestamp, uint Ssrc, bool Marker = false);

/// <summary>Writes RTP packets (RFC 3550 §5.1) into caller-provided buffers.</summary>
public static class RtpWriter
{
    /// <summary>Writes header and payload; returns the packet length, or -1 if <paramref name="destination"/> is too small.</summary>
    public static int Write(Span<byte> destination, in RtpHeader header, ReadOnlySpan<byte> payload) =>
        Write(destination, header, [], payload);

    /// <summary>Full form with contributing sources (at most 15).</summary>
    public static int Write(Span<byte> destination, in RtpHeader header, ReadOnlySpan<uint> csrcs, ReadOnlySpan<byte> payload)
    {
        if (csrcs.Length > 15) throw new ArgumentOutOfRangeException(nameof(csrcs), "RTP carries at most 15 CSRCs.");
        if (header.PayloadType > 127) throw new ArgumentOutOfRangeException(nameof(header), "Payload type is 7 bits.");
        var length = RtpPacket.FixedHeaderLength + (4 * csrcs.Length) + payload.Length;
        if (destination.Length < length) return -1;
        WriteFixedHeader(destination, header, csrcs.Length);
        for (var i = 0; i < csrcs.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(destination[(RtpPacket.FixedHeaderLength + (4 * i))..], csrcs[i]);
        payload.CopyTo(destination[(length - payload.Length)..]);
        return length;
    }

    internal static void WriteFixedHeader(Span<byte> destination, in RtpHeader header, int csrcCount)
    {
        destination[0] = (byte)((RtpPacket.Version << 6) | csrcCount);
        destination[1] = (byte)((header.Marker ? 0x80 : 0) | header.PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], header.SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], header.Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], header.Ssrc);
    }
}
