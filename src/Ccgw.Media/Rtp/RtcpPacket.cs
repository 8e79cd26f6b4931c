using System.Buffers.Binary;

namespace Ccgw.Media.Rtp;

/// <summary>RTCP packet types ccgw reads and writes (RFC 3550 §12.1).</summary>
internal enum RtcpPacketType : byte
{
    SenderReport = 200,
    ReceiverReport = 201,
    SourceDescription = 202,
    Goodbye = 203,
    ApplicationDefined = 204,
}

/// <summary>One reception report block (RFC 3550 §6.4.1).</summary>
internal readonly record struct RtcpReportBlock(
    uint Ssrc, byte FractionLost, int CumulativeLost, uint HighestSequence, uint Jitter, uint LastSenderReport, uint DelaySinceLastSenderReport)
{
    internal const int Length = 24;

    internal static RtcpReportBlock Read(ReadOnlySpan<byte> b)
    {
        // The cumulative loss is a signed 24-bit value (duplicates can make it negative).
        var lost = (b[5] << 16) | (b[6] << 8) | b[7];
        if ((lost & 0x800000) != 0) lost |= unchecked((int)0xFF000000);
        return new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(b), b[4], lost,
            BinaryPrimitives.ReadUInt32BigEndian(b[8..]), BinaryPrimitives.ReadUInt32BigEndian(b[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[16..]), BinaryPrimitives.ReadUInt32BigEndian(b[20..]));
    }

    internal void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32BigEndian(b, Ssrc);
        b[4] = FractionLost;
        var lost = Math.Clamp(CumulativeLost, -0x800000, 0x7FFFFF) & 0xFFFFFF;
        b[5] = (byte)(lost >> 16);
        b[6] = (byte)(lost >> 8);
        b[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], HighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(b[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(b[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(b[20..], DelaySinceLastSenderReport);
    }
}

/// <summary>The sender information of an SR (RFC 3550 §6.4.1).</summary>
internal readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount)
{
    internal const int Length = 20;
}

/// <summary>
/// A view of one RTCP packet inside a compound datagram. SR, RR and BYE are decoded; other types are
/// exposed only by type and length so a reader can skip them.
/// </summary>
internal readonly ref struct RtcpPacket
{
    private readonly ReadOnlySpan<byte> _packet;

    internal RtcpPacket(ReadOnlySpan<byte> packet) => _packet = packet;

    public RtcpPacketType Type => (RtcpPacketType)_packet[1];
    /// <summary>The 5-bit count field: report blocks for SR/RR, sources for BYE.</summary>
    public int Count => _packet[0] & 0x1F;
    public int Length => _packet.Length;
    /// <summary>SSRC of the sender (SR/RR) or of the first source (BYE, when Count &gt; 0).</summary>
    public uint Ssrc => _packet.Length >= 8 ? BinaryPrimitives.ReadUInt32BigEndian(_packet[4..]) : 0;

    public RtcpSenderInfo SenderInfo => Type != RtcpPacketType.SenderReport
        ? throw new InvalidOperationException("Only a sender report carries sender information.")
        : new RtcpSenderInfo(
            BinaryPrimitives.ReadUInt64BigEndian(_packet[8..]), BinaryPrimitives.ReadUInt32BigEndian(_packet[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(_packet[20..]), BinaryPrimitives.ReadUInt32BigEndian(_packet[24..]));

    public RtcpReportBlock GetReportBlock(int index)
    {
        if (Type is not (RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport))
            throw new InvalidOperationException("Only SR and RR carry report blocks.");
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var first = Type == RtcpPacketType.SenderReport ? 8 + RtcpSenderInfo.Length : 8;
        return RtcpReportBlock.Read(_packet[(first + (index * RtcpReportBlock.Length))..]);
    }

    public uint GetByeSource(int index)
    {
        if (Type != RtcpPacketType.Goodbye) throw new InvalidOperationException("Not a BYE.");
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return BinaryPrimitives.ReadUInt32BigEndian(_packet[(4 + (4 * index))..]);
    }

    /// <summary>The optional BYE reason (§6.6), as raw UTF-8; empty if absent.</summary>
    public ReadOnlySpan<byte> ByeReason
    {
        get
        {
            if (Type != RtcpPacketType.Goodbye) throw new InvalidOperationException("Not a BYE.");
            var at = 4 + (4 * Count);
            return at < _packet.Length ? _packet.Slice(at + 1, _packet[at]) : [];
        }
    }

    /// <summary>Checks the structure one packet needs before its accessors are safe to use.</summary>
    internal static bool IsWellFormed(ReadOnlySpan<byte> packet)
    {
        var count = packet[0] & 0x1F;
        switch ((RtcpPacketType)packet[1])
        {
            case RtcpPacketType.SenderReport:
                return packet.Length >= 8 + RtcpSenderInfo.Length + (count * RtcpReportBlock.Length);
            case RtcpPacketType.ReceiverReport:
                return packet.Length >= 8 + (count * RtcpReportBlock.Length);
            case RtcpPacketType.Goodbye:
                var at = 4 + (4 * count);
                if (packet.Length < at) return false;
                return at == packet.Length || at + 1 + packet[at] <= packet.Length;
            default:
                return true;
        }
    }
}

/// <summary>
/// Walks a compound RTCP datagram (RFC 3550 §6.1) without allocating. Validation follows Appendix A.2:
/// version 2, lengths that add up exactly, padding only on the last packet.
/// </summary>
internal ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

    public RtcpCompoundReader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>True if the datagram as a whole is valid compound RTCP; the reader can then be iterated safely.</summary>
    public static bool IsValid(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8) return false;
        var offset = 0;
        while (offset < data.Length)
        {
            if (data.Length - offset < 4) return false;
            var first = data[offset];
            if (first >> 6 != 2) return false;
            var type = data[offset + 1];
            if (type is < 192 or > 223) return false;
            var length = 4 * (BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]) + 1);
            if (length > data.Length - offset) return false;
            var padded = (first & 0x20) != 0;
            var isLast = offset + length == data.Length;
            if (padded && !isLast) return false;
            var body = data.Slice(offset, length);
            if (padded)
            {
                var pad = body[^1];
                if (pad == 0 || pad > length - 4) return false;
                body = body[..^pad];
            }
            if (type is 200 or 201 or 203 && body.Length < (type == 203 ? 4 : 8)) return false;
            if (!RtcpPacket.IsWellFormed(body)) return false;
            offset += length;
        }
        return true;
    }

    /// <summary>Moves to the next packet. Call only on data for which <see cref="IsValid"/> returned true.</summary>
    public bool TryRead(out RtcpPacket packet)
    {
        if (_offset >= _data.Length)
        {
            packet = default;
            return false;
        }
        var length = 4 * (BinaryPrimitives.ReadUInt16BigEndian(_data[(_offset + 2)..]) + 1);
        var body = _data.Slice(_offset, length);
        if ((body[0] & 0x20) != 0) body = body[..^body[^1]];
        packet = new RtcpPacket(body);
        _offset += length;
        return true;
    }
}

/// <summary>Writes SR, RR and BYE packets; each method returns the bytes written or -1 if the buffer is too small.</summary>
internal static class RtcpWriter
{
    public static int WriteSenderReport(Span<byte> destination, uint ssrc, in RtcpSenderInfo info, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        var length = 8 + RtcpSenderInfo.Length + (blocks.Length * RtcpReportBlock.Length);
        if (!TryWriteHeader(destination, RtcpPacketType.SenderReport, blocks.Length, length)) return -1;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], info.NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], info.RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], info.PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], info.OctetCount);
        WriteBlocks(destination[28..], blocks);
        return length;
    }

    public static int WriteReceiverReport(Span<byte> destination, uint ssrc, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        var length = 8 + (blocks.Length * RtcpReportBlock.Length);
        if (!TryWriteHeader(destination, RtcpPacketType.ReceiverReport, blocks.Length, length)) return -1;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        WriteBlocks(destination[8..], blocks);
        return length;
    }

    /// <summary>BYE for one source with an optional reason (at most 255 UTF-8 bytes), padded to 32 bits with zeros.</summary>
    public static int WriteBye(Span<byte> destination, uint ssrc, ReadOnlySpan<byte> reason = default)
    {
        if (reason.Length > 255) throw new ArgumentOutOfRangeException(nameof(reason), "A BYE reason is at most 255 bytes.");
        var unpadded = 8 + (reason.IsEmpty ? 0 : 1 + reason.Length);
        var length = (unpadded + 3) & ~3;
        if (!TryWriteHeader(destination, RtcpPacketType.Goodbye, 1, length)) return -1;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        if (!reason.IsEmpty)
        {
            destination[8] = (byte)reason.Length;
            reason.CopyTo(destination[9..]);
        }
        destination[unpadded..length].Clear();
        return length;
    }

    private static bool TryWriteHeader(Span<byte> destination, RtcpPacketType type, int count, int length)
    {
        if (count > 31) throw new ArgumentOutOfRangeException(nameof(count), "An RTCP packet holds at most 31 items.");
        if (destination.Length < length) return false;
        destination[0] = (byte)(0x80 | count);
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((length / 4) - 1));
        return true;
    }

    private static void WriteBlocks(Span<byte> destination, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        for (var i = 0; i < blocks.Length; i++) blocks[i].Write(destination[(i * RtcpReportBlock.Length)..]);
    }
}
