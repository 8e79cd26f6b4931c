using Ccgw.Media.Audio;

namespace Ccgw.Media.Playout;

/// <summary>What a stream sends: the negotiated codec and payload types; identifiers are random unless a test fixes them.</summary>
public sealed record RtpStreamFormat(G711Codec Codec, byte PayloadType, byte? TelephoneEventPayloadType = null)
{
    public uint? Ssrc { get; init; }
    public ushort? InitialSequence { get; init; }
    public uint? InitialTimestamp { get; init; }
}
