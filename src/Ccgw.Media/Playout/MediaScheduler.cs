using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Media.Playout;

/// <summary>
/// The one pacing loop for all outgoing RTP the gateway originates (prompts, music on hold, DTMF tones):
/// a single periodic tick that lets each stream send the frames due by its own schedule. Thousands of calls cost one
/// timer, not one per call. The tick comes from the injected <see cref="TimeProvider"/>'s timer (tests: the manual
/// clock), or, with <c>highResolutionClock</c> on Linux and the system clock, from a dedicated thread blocked on a
/// timerfd (<see cref="TimerFdTickSource"/>), as Asterisk and FreeSWITCH pace media.
/// The 20 ms frame can be cut into <see cref="SubSlots"/> sub-slots: each stream belongs to one (the least loaded when
/// it is created) and its schedule is offset to it, and a tick serves only the streams of its sub-slot. One tick then
/// sends a quarter of the packets (4 sub-slots), so with a thousand streams the last packet of a tick leaves ~4 ms after
/// its schedule instead of ~15 ms (one sendto on loopback costs ~15 us).
/// Ticks are kept on the scheduler's own 20 ms grid: a periodic timer that fires a whole period late (a loaded machine,
/// a GC pause) continues on a new phase, and every stream anchored before would then be served up to 10 ms off its
/// schedule for the rest of the call (measured with bench/voice: 7 % instead of 97 % of packets within 5 ms after one
/// such slip), so a tick found more than 3 ms off the grid re-arms the timer onto it. A late tick catches up, bounded by
/// <see cref="MaxBurstFrames"/>.
/// Every packet sent records how far from its stream's schedule it left (<c>ccgw.media.send_lateness</c>), the
/// measure behind "99 % of packets within 5 ms" (docs/media.md, Load benchmark).
/// </summary>
public sealed class MediaScheduler : IDisposable
{
    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>The sub-slot counts allowed: divisors of the 20 ms frame giving slots of at least 5 ms.</summary>
    public static readonly IReadOnlyList<int> AllowedSubSlots = [1, 2, 4];

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ITimer? _timer;
    private readonly TimerFdTickSource? _timerFd;
    private RtpOutputStream[][] _groups;
    private int _ticking;
    private long _overrunTicks;
    private long _framesSkipped;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _lateness;
    private readonly long _origin;
    private readonly long _frameTimestampUnits;
    private readonly long _slotTimestampUnits;
    private readonly TimeSpan _slotInterval;
    private long _nextTick;
    private long _lastSlot = long.MinValue;
    private volatile bool _disposed;

    /// <summary>Bucket bounds (seconds) of <c>ccgw.media.send_lateness</c>: 5 ms is the benchmark's threshold, 20 ms one frame.</summary>
    public static readonly IReadOnlyList<double> LatenessBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

    /// <param name="time">The clock; also the tick source unless <paramref name="highResolutionClock"/> applies.</param>
    /// <param name="maxBurstFrames">The most frames one stream sends in one tick when catching up.</param>
    /// <param name="meters">Where the pacing metrics go.</param>
    /// <param name="log">Stream faults and the pacing clock's state.</param>
    /// <param name="subSlots">1, 2 or 4: how many slots the 20 ms frame is cut into (see the class remarks).</param>
    /// <param name="highResolutionClock">
    /// Tick from a dedicated timerfd thread when <paramref name="time"/> is <see cref="TimeProvider.System"/> on Linux;
    /// otherwise (tests' manual clock, other systems, timerfd unavailable) the <see cref="TimeProvider"/>'s timer.
    /// </param>
    /// <param name="pacingNice">With the timerfd thread: its nice value (below 0 raises it; needs CAP_SYS_NICE); 0 leaves it.</param>
    public MediaScheduler(TimeProvider time, int maxBurstFrames = 3, IMeterFactory? meters = null, ILogger? log = null,
        int subSlots = 1, bool highResolutionClock = false, int pacingNice = 0)
        : this(time, maxBurstFrames, startTimer: true, meters, log, subSlots, highResolutionClock, pacingNice)
    {
    }

    internal MediaScheduler(TimeProvider time, int maxBurstFrames, bool startTimer, IMeterFactory? meters = null, ILogger? log = null,
        int subSlots = 1, bool highResolutionClock = false, int pacingNice = 0)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBurstFrames, 1);
        if (!AllowedSubSlots.Contains(subSlots))
            throw new ArgumentOutOfRangeException(nameof(subSlots), subSlots, "Use 1, 2 or 4 sub-slots per 20 ms frame.");
        _time = time;
        _log = log ?? NullLogger.Instance;
        MaxBurstFrames = maxBurstFrames;
        SubSlots = subSlots;
        _groups = new RtpOutputStream[subSlots][];
        for (var i = 0; i < subSlots; i++) _groups[i] = [];
        _origin = time.GetTimestamp();
        _frameTimestampUnits = FrameInterval.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond;
        _slotTimestampUnits = _frameTimestampUnits / subSlots;
        _slotInterval = FrameInterval / subSlots;
        _ownsMeter = meters is null;
        _meter = meters?.Create("Ccgw.Media") ?? new Meter("Ccgw.Media");
        _lateness = _meter.CreateHistogram("ccgw.media.send_lateness", "s",
            "How far from its stream's 20 ms schedule each RTP packet the gateway originates was sent (late, or early by less than half a frame)",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
        _meter.CreateObservableCounter("ccgw.media.scheduler_overruns", () => OverrunTicks, "{tick}",
            "Pacing ticks (one per 20 ms frame, or per sub-slot) missed because a tick started a whole slot late or the previous one was still running (an overloaded machine)");
        _meter.CreateObservableCounter("ccgw.media.frames_skipped", () => FramesSkipped, "{frame}",
            "20 ms frame slots dropped (idle streams included) because a stream fell further behind than the catch-up bound; a playing stream's peer hears a gap");
        _meter.CreateObservableGauge("ccgw.media.streams", () => ActiveStreams, "{stream}", "Outgoing RTP streams on the pacing scheduler");
        _nextTick = _origin + _slotTimestampUnits;
        if (!startTimer) return;
        if (highResolutionClock && ReferenceEquals(time, TimeProvider.System))
        {
            _timerFd = TimerFdTickSource.TryStart(_nextTick, _slotInterval, OnTimerFd, _log, pacingNice);
            if (_timerFd is not null)
            {
                UsesTimerFd = true;
                _log.PacingOnTimerFd(subSlots, _slotInterval.TotalMilliseconds);
                return;
            }
        }
        _timer = time.CreateTimer(static s => ((MediaScheduler)s!).OnTimer(), this, _slotInterval, _slotInterval);
    }

    /// <summary>The most frames one stream sends in one tick when catching up after a late tick.</summary>
    public int MaxBurstFrames { get; }

    /// <summary>How early a frame may go out: half a slot, i.e. half a frame without sub-slots.</summary>
    internal TimeSpan DueSlack => _slotInterval / 2;

    /// <summary>Slots per 20 ms frame; a tick serves one slot's streams.</summary>
    public int SubSlots { get; }

    /// <summary>Whether the ticks come from the dedicated timerfd thread (else from the <see cref="TimeProvider"/>'s timer).</summary>
    public bool UsesTimerFd { get; }

    public int ActiveStreams
    {
        get
        {
            var total = 0;
            foreach (var group in Volatile.Read(ref _groups)) total += group.Length;
            return total;
        }
    }

    /// <summary>Streams per sub-slot (for tests and diagnostics).</summary>
    internal int[] StreamsPerSubSlot() => [.. Volatile.Read(ref _groups).Select(g => g.Length)];

    /// <summary>Grid ticks missed because a tick started a whole slot late or the previous one was still running (an overloaded machine).</summary>
    public long OverrunTicks => Interlocked.Read(ref _overrunTicks);

    /// <summary>Frame slots dropped by all streams (idle ones too) because they fell further behind than <see cref="MaxBurstFrames"/>.</summary>
    public long FramesSkipped => Interlocked.Read(ref _framesSkipped);

    /// <summary>Ticks in which a stream's source or sink threw; that stream's playbacks were interrupted.</summary>
    public long StreamFaults { get; private set; }

    public RtpOutputStream CreateStream(IRtpSink sink, RtpStreamFormat format)
    {
        lock (_gate)
        {
            // The least loaded sub-slot (the first on a tie), so calls that end leave no slot crowded for long.
            var groups = _groups;
            var slot = 0;
            for (var i = 1; i < groups.Length; i++)
                if (groups[i].Length < groups[slot].Length) slot = i;
            var stream = new RtpOutputStream(this, sink, format, slot);
            // Copy-on-write: the tick iterates a snapshot without locking or allocating.
            var next = (RtpOutputStream[][])groups.Clone();
            next[slot] = [.. groups[slot], stream];
            Volatile.Write(ref _groups, next);
            return stream;
        }
    }

    internal void Remove(RtpOutputStream stream)
    {
        lock (_gate)
        {
            var next = (RtpOutputStream[][])_groups.Clone();
            next[stream.SubSlot] = Array.FindAll(next[stream.SubSlot], s => s != stream);
            Volatile.Write(ref _groups, next);
        }
    }

    private void OnTimerFd()
    {
        if (_disposed) return;
        // The kernel keeps the timerfd on the grid (absolute first expiry, fixed interval): nothing to re-arm.
        CountMissed(_time.GetTimestamp());
        Tick();
    }

    private long CountMissed(long started)
    {
        var missed = (started - _nextTick) / _slotTimestampUnits;
        if (missed > 0) Interlocked.Add(ref _overrunTicks, missed);
        // The grid point this tick serves (nearest to its start), and how far off it the timer fired. Measured at the
        // start: with a thousand streams the tick itself lasts milliseconds, which says nothing about the timer.
        var point = (started - _origin + (_slotTimestampUnits / 2)) / _slotTimestampUnits;
        _nextTick = _origin + ((point + 1) * _slotTimestampUnits);
        return started - _origin - (point * _slotTimestampUnits);
    }

    private void OnTimer()
    {
        if (_disposed) return;
        var offset = CountMissed(_time.GetTimestamp());
        Tick();
        // The periodic timer holds its phase by itself (it shortens the next period by a small lateness) but takes a
        // new phase after firing a whole period late. Only then is it re-armed: a tick more than 3 ms (of a 20 ms
        // frame; proportionally less for a sub-slot) off the grid puts the next one back on it.
        var limit = _slotTimestampUnits * 3 / 20;
        if (_disposed || Math.Abs(offset) <= limit) return;
        var now = _time.GetTimestamp();
        while (_nextTick - now < _frameTimestampUnits / 20) _nextTick += _slotTimestampUnits; // at least 1 ms ahead
        var delay = TimeSpan.FromTicks((_nextTick - now) * TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        try
        {
            _timer?.Change(delay, _slotInterval);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the re-arm: nothing more to pace.
        }
    }

    internal void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            Interlocked.Increment(ref _overrunTicks);
            return;
        }
        try
        {
            var now = _time.GetTimestamp();
            var groups = Volatile.Read(ref _groups);
            if (groups.Length == 1)
            {
                Serve(groups[0], now);
                return;
            }
            // The sub-slot whose grid point passed last (a timer up to a fifth of a slot early counts as on it), plus
            // any whose points passed since the last tick (missed ticks), oldest first, at most one round: a stream's
            // own schedule decides what it sends, so serving a slot late sends its frames late (counted), never twice.
            var slot = (now - _origin + (_slotTimestampUnits / 5)) / _slotTimestampUnits;
            var first = Math.Max(_lastSlot == long.MinValue ? slot : _lastSlot + 1, slot - groups.Length + 1);
            if (first > slot) first = slot; // a second tick in the same slot (an early timer) serves it again: harmless
            for (var s = first; s <= slot; s++) Serve(groups[(int)(s % groups.Length)], now);
            _lastSlot = slot;
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void Serve(RtpOutputStream[] streams, long now)
    {
        foreach (var stream in streams)
        {
            try
            {
                stream.OnTick(now, _time, MaxBurstFrames);
            }
#pragma warning disable CA1031 // One faulty source or sink must not stop the media of every other call.
            catch (Exception e)
#pragma warning restore CA1031
            {
                // A bug in a source or sink: said once per fault (the stream stops, so it cannot repeat every tick).
                _log.StreamFault(e);
                StreamFaults++;
                stream.StopPlayback();
            }
        }
    }

    /// <summary>
    /// The scheduler's 20 ms grid point nearest to <paramref name="now"/>, shifted to <paramref name="subSlot"/>: a new
    /// stream's schedule starts there, not at the tick that happened to see it first, so a late first tick does not
    /// shift the stream's whole schedule (and its lateness figures) by that tick's delay. Nearest, not previous, so the
    /// first tick never owes two frames.
    /// </summary>
    internal long GridPoint(long now, int subSlot = 0)
    {
        var shift = subSlot * _slotTimestampUnits;
        var elapsed = now - _origin - shift;
        var rounded = elapsed + (_frameTimestampUnits / 2);
        // Floor, not truncation: a later sub-slot's first point can lie before "now" just after the origin.
        var frames = rounded >= 0 ? rounded / _frameTimestampUnits : ((rounded + 1) / _frameTimestampUnits) - 1;
        return _origin + shift + (frames * _frameTimestampUnits);
    }

    internal void RecordLateness(TimeSpan deviation) => _lateness.Record(Math.Abs(deviation.TotalSeconds));

    internal void AddSkipped(long frames) => Interlocked.Add(ref _framesSkipped, frames);

    public void Dispose()
    {
        _disposed = true;
        _timer?.Dispose();
        _timerFd?.Dispose();
        if (_ownsMeter) _meter.Dispose();
    }
}
