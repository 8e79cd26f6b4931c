using System.Diagnostics.Metrics;

namespace Ccgw.Media.Playout;

/// <summary>
/// The one pacing loop for all outgoing RTP the gateway originates (prompts, music on hold, DTMF tones):
/// a single periodic timer from the injected <see cref="TimeProvider"/> that, every 20 ms, lets each stream
/// send the frames due by its own schedule. Thousands of calls cost one timer, not one per call.
/// A tick that overruns is not re-entered; the next tick catches up, bounded by <see cref="MaxBurstFrames"/>.
/// Every packet sent records how far from its stream's schedule it left (<c>ccgw.media.send_lateness</c>), the
/// measure behind "99 % of packets within 5 ms" (docs/media.md, Load benchmark).
/// </summary>
public sealed class MediaScheduler : IDisposable
{
    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private RtpOutputStream[] _streams = [];
    private int _ticking;
    private long _overrunTicks;
    private long _framesSkipped;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _lateness;

    /// <summary>Bucket bounds (seconds) of <c>ccgw.media.send_lateness</c>: 5 ms is the benchmark's threshold, 20 ms one frame.</summary>
    public static readonly IReadOnlyList<double> LatenessBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

    public MediaScheduler(TimeProvider time, int maxBurstFrames = 3, IMeterFactory? meters = null)
        : this(time, maxBurstFrames, startTimer: true, meters)
    {
    }

    internal MediaScheduler(TimeProvider time, int maxBurstFrames, bool startTimer, IMeterFactory? meters = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBurstFrames, 1);
        _time = time;
        MaxBurstFrames = maxBurstFrames;
        _ownsMeter = meters is null;
        _meter = meters?.Create("Ccgw.Media") ?? new Meter("Ccgw.Media");
        _lateness = _meter.CreateHistogram("ccgw.media.send_lateness", "s",
            "How far from its stream's 20 ms schedule each RTP packet the gateway originates was sent (late, or early by less than half a frame)",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
        _meter.CreateObservableCounter("ccgw.media.scheduler_overruns", () => OverrunTicks, "{tick}",
            "Pacing ticks skipped because the previous tick was still running (an overloaded machine)");
        _meter.CreateObservableCounter("ccgw.media.frames_skipped", () => FramesSkipped, "{frame}",
            "20 ms frame slots dropped (idle streams included) because a stream fell further behind than the catch-up bound; a playing stream's peer hears a gap");
        _meter.CreateObservableGauge("ccgw.media.streams", () => ActiveStreams, "{stream}", "Outgoing RTP streams on the pacing scheduler");
        if (startTimer) _timer = time.CreateTimer(static s => ((MediaScheduler)s!).Tick(), this, FrameInterval, FrameInterval);
    }

    /// <summary>The most frames one stream sends in one tick when catching up after a late tick.</summary>
    public int MaxBurstFrames { get; }

    public int ActiveStreams => Volatile.Read(ref _streams).Length;

    /// <summary>Ticks skipped because the previous one was still running (a sign the machine is overloaded).</summary>
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
                catch (Exception)
#pragma warning restore CA1031
                {
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

    internal void RecordLateness(TimeSpan deviation) => _lateness.Record(Math.Abs(deviation.TotalSeconds));

    internal void AddSkipped(long frames) => Interlocked.Add(ref _framesSkipped, frames);

    public void Dispose()
    {
        _timer?.Dispose();
        if (_ownsMeter) _meter.Dispose();
    }
}
