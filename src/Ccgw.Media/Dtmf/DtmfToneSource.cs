using Ccgw.Media.Audio;
using Ccgw.Media.Playout;

namespace Ccgw.Media.Dtmf;

/// <summary>
/// Sends one DTMF digit as RFC 4733 telephone-events: one packet per 20 ms with growing duration, all carrying
/// the event's start timestamp, marker on the first, then the final packet with the end bit sent three times
/// (§2.5.1.4) so that a single loss does not leave the receiver's tone running.
/// </summary>
public sealed class DtmfToneSource : IMediaSource
{
    public const int EndPacketRepeats = 3;
    private const int TicksPerFrame = 160;

    private readonly byte _event;
    private readonly ushort _total;
    private readonly byte _volume;
    private int _sent;

    public DtmfToneSource(char digit, int durationMs = 100, byte volume = 10)
    {
        if (!TelephoneEvent.TryGetEventCode(digit, out _event)) throw new ArgumentException($"'{digit}' is not a DTMF digit.", nameof(digit));
        ArgumentOutOfRangeException.ThrowIfLessThan(durationMs, 20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(durationMs, 8000);
        _total = (ushort)(durationMs * 8);
        _volume = volume;
    }

    /// <summary>Packets this tone produces: the growing ones plus the repeated end packet.</summary>
    public int PacketCount => ((_total + TicksPerFrame - 1) / TicksPerFrame) - 1 + EndPacketRepeats;

    public int ReadFrame(Span<byte> payload, G711Codec codec, out FrameKind kind)
    {
        kind = _sent == 0 ? FrameKind.EventStart : FrameKind.Event;
        if (_sent >= PacketCount) return 0;
        var duration = (ushort)Math.Min((_sent + 1) * TicksPerFrame, _total);
        new TelephoneEvent(_event, duration == _total, _volume, duration).Write(payload);
        _sent++;
        return TelephoneEvent.Length;
    }
}
