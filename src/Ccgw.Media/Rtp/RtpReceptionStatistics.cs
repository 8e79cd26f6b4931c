namespace Ccgw.Media.Rtp;

/// <summary>
/// Per-source reception statistics for RTCP report blocks: extended highest sequence with wrap-around
/// cycles and the large-jump/restart rule (RFC 3550 A.1), loss and fraction lost (A.3), interarrival
/// jitter in timestamp units (A.8). Updated only by the leg's receive loop.
/// </summary>
internal sealed class RtpReceptionStatistics
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const int SequenceModulo = 1 << 16;

    private bool _initialised;
    private uint _ssrc;
    private ushort _maxSequence;
    private uint _cycles;
    private uint _baseSequence;
    private int _badSequence = SequenceModulo + 1;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lastTransit;
    private double _jitter;

    public uint Ssrc => _ssrc;
    public long Received => _received;
    public uint ExtendedHighestSequence => _cycles + _maxSequence;
    public uint Jitter => (uint)_jitter;

    /// <summary>Counts one packet; <paramref name="arrival"/> is the arrival time in the payload's clock units (8000 Hz).</summary>
    public bool Update(uint ssrc, ushort sequence, uint timestamp, long arrival)
    {
        if (!_initialised || ssrc != _ssrc)
        {
            Restart(ssrc, sequence);
        }
        else
        {
            var delta = (ushort)(sequence - _maxSequence);
            if (delta < MaxDropout)
            {
                if (sequence < _maxSequence) _cycles += SequenceModulo;
                _maxSequence = sequence;
            }
            else if (delta <= SequenceModulo - MaxMisorder)
            {
                // A big jump: believe it only if the next packet follows on (the source restarted).
                if (sequence != _badSequence)
                {
                    _badSequence = (sequence + 1) & (SequenceModulo - 1);
                    return false;
                }
                Restart(ssrc, sequence);
            }
            // else: duplicate or reordered packet, counted but not moving the maximum
        }
        _received++;
        var transit = arrival - timestamp;
        if (_received > 1)
        {
            var d = Math.Abs(transit - _lastTransit);
            _jitter += (d - _jitter) / 16.0;
        }
        _lastTransit = transit;
        return true;
    }

    /// <summary>The report block for the next RR/SR; the fraction lost covers the interval since the previous call.</summary>
    public RtcpReportBlock CreateReportBlock(uint lastSenderReport = 0, uint delaySinceLastSenderReport = 0)
    {
        var expected = (long)ExtendedHighestSequence - _baseSequence + 1;
        var lost = expected - _received;
        var expectedInterval = expected - _expectedPrior;
        var receivedInterval = _received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = _received;
        var lostInterval = expectedInterval - receivedInterval;
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)((lostInterval << 8) / expectedInterval);
        return new RtcpReportBlock(_ssrc, fraction, (int)Math.Clamp(lost, -0x800000, 0x7FFFFF), ExtendedHighestSequence, Jitter,
            lastSenderReport, delaySinceLastSenderReport);
    }

    private void Restart(uint ssrc, ushort sequence)
    {
        _initialised = true;
        _ssrc = ssrc;
        _baseSequence = sequence;
        _maxSequence = sequence;
        _badSequence = SequenceModulo + 1;
        _cycles = 0;
        _received = 0;
        _expectedPrior = 0;
        _receivedPrior = 0;
        _jitter = 0;
    }
}
