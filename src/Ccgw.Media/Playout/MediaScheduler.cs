using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Media.Playout;

/// <summary>
/// The one pacing loop for all outgoing RTP the gateway originates (prompts, music on hold, DTMF tones):
/// a single periodic timer from the injected <see cref="TimeProvider"/> that, every 20 ms, lets each stream
/// send the frames due by its own schedule. Thousands of calls cost one timer, not one per call.
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

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ITimer? _timer;
    private RtpOutputStream[] _streams = [];
    private int _ticking;
    private long _overrunTicks;
    private long _framesSkipped;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _lateness;
    private readonly long _origin;
    private readonly long _frameTimestampUnits;
    private long _nextTick;
    private volatile bool _disposed;

    /// <summary>Bucket bounds (seconds) of <c>ccgw.media.send_lateness</c>: 5 ms is the benchmark's threshold, 20 ms one frame.</summary>
    public static readonly IReadOnlyList<double> LatenessBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

    public MediaScheduler(TimeProvider time, int maxBurstFrames = 3, IMeterFactory? meters = null, ILogger? log = null)
        : this(time, maxBurstFrames, startTimer: true, meters, log)
    {
    }

    internal MediaScheduler(TimeProvider time, int maxBurstFrames, bool startTimer, IMeterFactory? meters = null, ILogger? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBurstFrames, 1);
        _time = time;
        _log = log ?? NullLogger.Instance;
        MaxBurstFrames = maxBurstFrames;
        _origin = time.GetTimestamp();
        _frameTimestampUnits = FrameInterval.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond;
        _ownsMeter = meters is null;
        _meter = meters?.Create("Ccgw.Media") ?? new Meter("Ccgw.Media");
        _lateness = _meter.CreateHistogram("ccgw.media.send_lateness", "s",
            "How far from its stream's 20 ms schedule each RTP packet the gateway originates was sent (late, or early by less than half a frame)",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
        _meter.CreateObservableCounter("ccgw.media.scheduler_overruns", () => OverrunTicks, "{tick}",
            "20 ms pacing ticks missed because a tick started a whole frame late or the previous one was still running (an overloaded machine)");
        _meter.CreateObservableCounter("ccgw.media.frames_skipped", () => FramesSkipped, "{frame}",
            "20 ms frame slots dropped (idle streams included) because a stream fell further behind than the catch-up bound; a playing stream's peer hears a gap");
        _meter.CreateObservableGauge("ccgw.media.streams", () => ActiveStreams, "{stream}", "Outgoing RTP streams on the pacing scheduler");
        _nextTick = _origin + _frameTimestampUnits;
        if (startTimer) _timer = time.CreateTimer(static s => ((MediaScheduler)s!).OnTimer(), this, FrameInterval, FrameInterval);
    }

    /// <summary>The most frames one stream sends in one tick when catching up after a late tick.</summary>
    public int MaxBurstFrames { get; }

    public int ActiveStreams => Volatile.Read(ref _streams).Length;

    /// <summary>Grid ticks missed because a tick started a whole frame late or the previous one was still running (an overloaded machine).</summary>
    public long OverrunTicks => Interlocked.Read(ref _overrunTicks);

    /// <summary>Frame slots dropped by all streams (idle ones too) because they fell further behind than <see cref="MaxBurstFrames"/>.</summary>
    public long FramesSkipped => Interlocked.Read(ref _framesSkipped);

    /// <summary>Ticks in which a stream's source or sink threw; that stream's playbacks were interrupted.</summary>
    public long StreamFaults { get; private set; }

    public RtpOutputStream CreateStream(IRtpSink sink, RtpStreamFormat format)
    {
        var stream = new RtpOutputStream(this, sink, format);
        lock (_gate) _streams = [.. _streams, stream];
        return stream;
    }

    internal void Remove(RtpOutputStream stream)
    {
        // Copy-on-write: the tick iterates a snapshot without locking or allocating.
        lock (_gate) _streams = Array.FindAll(_streams, s => s != stream);
    }

    private void OnTimer()
    {
        var started = _time.GetTimestamp();
        var missed = (started - _nextTick) / _frameTimestampUnits;
        if (missed > 0) Interlocked.Add(ref _overrunTicks, missed);
        // The grid point this tick serves (nearest to its start), and how far off it the timer fired. Measured at the
        // start: with a thousand streams the tick itself lasts milliseconds, which says nothing about the timer.
        var point = (started - _origin + (_frameTimestampUnits / 2)) / _frameTimestampUnits;
        var offset = started - _origin - (point * _frameTimestampUnits);
        _nextTick = _origin + ((point + 1) * _frameTimestampUnits);
        Tick();
        // The periodic timer holds its phase by itself (it shortens the next period by a small lateness) but takes a
        // new phase after firing a whole period late. Only then is it re-armed: a tick more than 3 ms off the grid
        // puts the next one back on it.
        var limit = _frameTimestampUnits * 3 / 20;
        if (_disposed || Math.Abs(offset) <= limit) return;
        var now = _time.GetTimestamp();
        while (_nextTick - now < _frameTimestampUnits / 20) _nextTick += _frameTimestampUnits; // at least 1 ms ahead
        var delay = TimeSpan.FromTicks((_nextTick - now) * TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        try
        {
            _timer?.Change(delay, FrameInterval);
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
            foreach (var stream in Volatile.Read(ref _streams))
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
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>
    /// The scheduler's 20 ms grid point nearest to <paramref name="now"/>: a new stream's schedule starts there, not at
    /// the tick that happened to see it first, so a late first tick does not shift the stream's whole schedule (and its
    /// lateness figures) by that tick's delay. Nearest, not previous, so the first tick never owes two frames.
    /// </summary>
    internal long GridPoint(long now)
    {
        var elapsed = now - _origin;
        var frames = (elapsed + (_frameTimestampUnits / 2)) / _frameTimestampUnits;
        return _origin + (frames * _frameTimestampUnits);
    }

    internal void RecordLateness(TimeSpan deviation) => _lateness.Record(Math.Abs(deviation.TotalSeconds));

    internal void AddSkipped(long frames) => Interlocked.Add(ref _framesSkipped, frames);

    public void Dispose()
    {
        _disposed = true;
        _timer?.Dispose();
        if (_ownsMeter) _meter.Dispose();
    }
}
