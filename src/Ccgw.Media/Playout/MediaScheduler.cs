namespace Ccgw.Media.Playout;

/// <summary>
/// The one pacing loop for all outgoing RTP the gateway originates (prompts, music on hold, DTMF tones):
/// a single periodic timer from the injected <see cref="TimeProvider"/> that, every 20 ms, lets each stream
/// send the frames due by its own schedule. Thousands of calls cost one timer, not one per call.
/// A tick that overruns is not re-entered; the next tick catches up, bounded by <see cref="MaxBurstFrames"/>.
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

    public MediaScheduler(TimeProvider time, int maxBurstFrames = 3)
        : this(time, maxBurstFrames, startTimer: true)
    {
    }

    internal MediaScheduler(TimeProvider time, int maxBurstFrames, bool startTimer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBurstFrames, 1);
        _time = time;
        MaxBurstFrames = maxBurstFrames;
        if (startTimer) _timer = time.CreateTimer(static s => ((MediaScheduler)s!).Tick(), this, FrameInterval, FrameInterval);
    }

    /// <summary>The most frames one stream sends in one tick when catching up after a late tick.</summary>
    public int MaxBurstFrames { get; }

    public int ActiveStreams => Volatile.Read(ref _streams).Length;

    /// <summary>Ticks skipped because the previous one was still running (a sign the machine is overloaded).</summary>
    public long OverrunTicks => Interlocked.Read(ref _overrunTicks);

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

    public void Dispose() => _timer?.Dispose();
}
