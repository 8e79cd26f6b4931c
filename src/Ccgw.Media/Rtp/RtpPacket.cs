using System.Buffers.Binary;

namespace Ccgw.Media.Rtp;

/// <summary>Why a datagram was not accepted as RTP (RFC 3550 §5.1 and the validity checks of Appendix A.1).</summary>
public enum RtpParseError
{
    None,
    TooShort,
    BadVersion,
    CsrcOverrun,
    ExtensionOverrun,
    BadPadding,
    /// <summary>Payload type 72-76 collides with RTCP SR..APP when RTP and RTCP share a port (RFC 5761 §4).</summary>
    LooksLikeRtcp,
}

/// <summary>
/// A zero-copy view of one RTP packet (RFC 3550 §5.1). All spans point into the caller's buffer,
/// so parsing a packet allocates nothing.
/// </summary>
public readonly ref struct RtpPacket
{
    public const int FixedHeaderLength = 12;
    public const int Version = 2;

    private readonly ReadOnlySpan<byte> _data;

    private RtpPacket(ReadOnlySpan<byte> data, int headerLength, int payloadLength, int paddingLength, int extensionOffset, int extensionLength)
    {
        _data = data;
        HeaderLength = headerLength;
        PayloadLength = payloadLength;
        PaddingLength = paddingLength;
        _extensionOffset = extensionOffset;
        _extensionLength = extensionLength;
    }

    private readonly int _extensionOffset;
    private readonly int _extensionLength;

    public int HeaderLength { get; }
    public int PayloadLength { get; }
    public int PaddingLength { get; }
    public int Length => _data.Length;

    public bool HasPadding => (_data[0] & 0x20) != 0;
    public bool HasExtension => (_data[0] & 0x10) != 0;
    public int CsrcCount => _data[0] & 0x0F;
    public bool Marker => (_data[1] & 0x80) != 0;
    public byte PayloadType => (byte)(_data[1] & 0x7F);
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]);
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_data[8..]);

    public uint GetCsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(_data[(FixedHeaderLength + (4 * index))..]);
    }

    /// <summary>The 16-bit profile-defined value of the header extension (§5.3.1); 0 when there is none.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(_data[(_extensionOffset - 4)..]) : (ushort)0;

    /// <summary>The header extension body, without its 4-byte preamble.</summary>
    public ReadOnlySpan<byte> ExtensionData => _data.Slice(_extensionOffset, _extensionLength);

    public ReadOnlySpan<byte> Payload => _data.Slice(HeaderLength, PayloadLength);

    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet) => TryParse(data, out packet, out _);

    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet, out RtpParseError error)
    {
        packet = default;
        if (data.Length < FixedHeaderLength)
        {
            error = RtpParseError.TooShort;
            return false;
        }
        if (data[0] >> 6 != Version)
        {
            error = RtpParseError.BadVersion;
            return false;
        }
        var payloadType = data[1] & 0x7F;
        if (payloadType is >= 72 and <= 76)
        {
            error = RtpParseError.LooksLikeRtcp;
            return false;
        }
        var header = FixedHeaderLength + (4 * (data[0] & 0x0F));
        if (header > data.Length)
        {
            error = RtpParseError.CsrcOverrun;
            return false;
        }
        int extensionOffset = header, extensionLength = 0;
        if ((data[0] & 0x10) != 0)
        {
            if (header + 4 > data.Length)
            {
                error = RtpParseError.ExtensionOverrun;
                return false;
            }
            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(data[(header + 2)..]);
            extensionOffset = header + 4;
            if (extensionOffset + extensionLength > data.Length)
            {
                error = RtpParseError.ExtensionOverrun;
                return false;
            }
            header = extensionOffset + extensionLength;
        }
        var padding = 0;
        if ((data[0] & 0x20) != 0)
        {
            // §5.1: the last octet counts the padding including itself, so it can be neither 0 nor reach into the header.
            padding = data[^1];
            if (padding == 0 || header + padding > data.Length)
            {
                error = RtpParseError.BadPadding;
                return false;
            }
        }
        packet = new RtpPacket(data, header, data.Length - header - padding, padding, extensionOffset, extensionLength);
        error = RtpParseError.None;
        return true;
    }
}
