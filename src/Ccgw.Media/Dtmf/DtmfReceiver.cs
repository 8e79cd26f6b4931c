namespace Ccgw.Media.Dtmf;

/// <summary>
/// Turns a stream of telephone-event packets (RFC 4733) into digits, each exactly once.
/// An event is identified by (SSRC, RTP timestamp): every packet of one key press, including the three
/// redundant end packets, carries the start timestamp (§2.5.1.1), so only the first packet seen with a new
/// timestamp yields a digit. Reporting on the first packet rather than the end bit keeps the IVR responsive
/// and still works when the end packets are lost. Older timestamps (reordered packets of a previous event)
/// are ignored, and a long event the sender split into segments (§2.5.1.3) is not counted twice.
/// One instance per receiving stream; not thread-safe (the stream's receive loop owns it).
/// </summary>
public sealed class DtmfReceiver
{
    private bool _seenAny;
    private uint _ssrc;
    private uint _timestamp;
    private byte _event;
    private bool _ended;
    private ushort _duration;

    /// <summary>Feeds one telephone-event packet; true with the digit when it starts a new key press.</summary>
    public bool TryAccept(uint ssrc, uint timestamp, ReadOnlySpan<byte> payload, out char digit)
    {
        digit = '\0';
        if (!TelephoneEvent.TryParse(payload, out var ev)) return false;
        if (_seenAny && ssrc == _ssrc)
        {
            if (timestamp == _timestamp)
            {
                _ended |= ev.End;
                _duration = Math.Max(_duration, ev.Duration);
                return false;
            }
            if ((int)(timestamp - _timestamp) < 0) return false;
            var isSegmentOfLongEvent = !_ended && ev.Event == _event && _duration == ushort.MaxValue && timestamp == _timestamp + ushort.MaxValue;
            if (isSegmentOfLongEvent)
            {
                Remember(ssrc, timestamp, ev);
                return false;
            }
        }
        Remember(ssrc, timestamp, ev);
        return TelephoneEvent.TryGetDigit(ev.Event, out digit);
    }

    private void Remember(uint ssrc, uint timestamp, TelephoneEvent ev)
    {
        _seenAny = true;
        _ssrc = ssrc;
        _timestamp = timestamp;
        _event = ev.Event;
        _ended = ev.End;
        _duration = ev.Duration;
    }
}
