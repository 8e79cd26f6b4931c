using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;

namespace Ccgw.Media.Transport;

/// <summary>How one leg of a bridge speaks: its negotiated codec and payload types, and optionally where the
/// gateway's own stream on that leg left off, so the peer sees one continuous stream from IVR to agent.</summary>
public sealed record RelayLegFormat(G711Codec Codec, byte PayloadType, byte? TelephoneEventPayloadType)
{
    public uint? Ssrc { get; init; }
    public ushort? NextSequence { get; init; }
    public uint? NextTimestamp { get; init; }
}

/// <summary>
/// Bridges two legs through the gateway. Every forwarded packet is rewritten in place: the destination leg's
/// own SSRC, sequence and timestamp spaces (fixed offsets, re-based when the source's SSRC changes),
/// CSRCs and header extensions removed, payload types mapped, G.711 laws transcoded if the legs differ,
/// telephone-events passed through with the same timestamp offset so their durations stay valid.
/// Nothing that identifies one leg reaches the other (topology hiding for media).
/// </summary>
public sealed class RtpRelay : IRtpPacketHandler, IDisposable
{
    private readonly RtpLeg _a;
    private readonly RtpLeg _b;
    private readonly Direction _aToB;
    private readonly Direction _bToA;
    private int _disposed;

    public RtpRelay(RtpLeg a, RelayLegFormat formatA, RtpLeg b, RelayLegFormat formatB)
    {
        _a = a;
        _b = b;
        _aToB = new Direction(formatA, formatB, b);
        _bToA = new Direction(formatB, formatA, a);
        a.SetHandler(this);
        b.SetHandler(this);
    }

    public long ForwardedAToB => _aToB.Forwarded;
    public long ForwardedBToA => _bToA.Forwarded;
    public long Dropped => _aToB.Dropped + _bToA.Dropped;

    public void OnPacket(RtpLeg leg, Span<byte> packet) => (leg == _a ? _aToB : _bToA).Forward(packet);

    /// <summary>Raised once when the bridge is torn down, so owners can return the legs to IVR use.</summary>
    public event Action? Disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _a.SetHandler(null);
        _b.SetHandler(null);
        Disposed?.Invoke();
    }

    /// <summary>One direction's rewriting state; touched only by the source leg's receive loop.</summary>
    internal sealed class Direction
    {
        private readonly RelayLegFormat _from;
        private readonly RelayLegFormat _to;
        private readonly IRtpSink _target;
        private readonly uint _ssrc;
        private bool _haveSource;
        private uint _sourceSsrc;
        private ushort _sequenceOffset;
        private uint _timestampOffset;
        private ushort _lastSequence;
        private uint _lastTimestamp;
        private bool _sentAny;

        internal Direction(RelayLegFormat from, RelayLegFormat to, IRtpSink target)
        {
            _from = from;
            _to = to;
            _target = target;
            _ssrc = to.Ssrc ?? (uint)Random.Shared.NextInt64(1, uint.MaxValue);
            if (to.NextSequence is { } s && to.NextTimestamp is { } t)
            {
                _lastSequence = (ushort)(s - 1);
                _lastTimestamp = t - AudioPrompt.SamplesPerFrame;
                _sentAny = true;
            }
        }

        public long Forwarded { get; private set; }
        public long Dropped { get; private set; }
        public uint Ssrc => _ssrc;

        public void Forward(Span<byte> datagram)
        {
            if (!RtpPacket.TryParse(datagram, out var packet))
            {
                Dropped++;
                return;
            }
            byte payloadType;
            var transcode = false;
            if (packet.PayloadType == _from.PayloadType)
            {
                payloadType = _to.PayloadType;
                transcode = _from.Codec != _to.Codec;
            }
            else if (packet.PayloadType == _from.TelephoneEventPayloadType && _to.TelephoneEventPayloadType is { } te)
            {
                payloadType = te;
            }
            else
            {
                Dropped++; // comfort noise or anything not negotiated on the other leg
                return;
            }

            var marker = packet.Marker;
            if (!_haveSource || packet.Ssrc != _sourceSsrc)
            {
                // A new source (first packet, or the peer restarted its stream): continue our numbering from where it was.
                _haveSource = true;
                _sourceSsrc = packet.Ssrc;
                var nextSequence = _sentAny ? (ushort)(_lastSequence + 1) : (ushort)Random.Shared.Next(0, ushort.MaxValue + 1);
                var nextTimestamp = _sentAny ? _lastTimestamp + AudioPrompt.SamplesPerFrame : (uint)Random.Shared.NextInt64(0, uint.MaxValue);
                _sequenceOffset = (ushort)(nextSequence - packet.SequenceNumber);
                _timestampOffset = nextTimestamp - packet.Timestamp;
                marker = true;
            }
            var sequence = (ushort)(packet.SequenceNumber + _sequenceOffset);
            var timestamp = packet.Timestamp + _timestampOffset;
            var payloadStart = packet.HeaderLength;
            var payloadLength = packet.PayloadLength;
            var payload = datagram.Slice(payloadStart, payloadLength);
            if (transcode) G711.Transcode(_from.Codec, _to.Codec, payload, payload);

            // The new header is always 12 bytes, so it fits right before the payload: CSRCs, extension and padding fall away.
            var start = payloadStart - RtpPacket.FixedHeaderLength;
            var output = datagram.Slice(start, RtpPacket.FixedHeaderLength + payloadLength);
            RtpWriter.WriteFixedHeader(output, new RtpHeader(payloadType, sequence, timestamp, _ssrc, marker), 0);
            if ((short)(sequence - _lastSequence) > 0 || !_sentAny)
            {
                _lastSequence = sequence;
                _lastTimestamp = timestamp;
            }
            _sentAny = true;
            _target.Send(output);
            Forwarded++;
        }
    }
}
