using System.Diagnostics.Metrics;
using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Testing;

namespace Ccgw.Media.Tests.Playout;

/// <summary>
/// The scheduler's own measure of pacing: every packet sent records its distance from the stream's 20 ms schedule.
/// The manual clock makes the expected values exact (no timing assertion).
/// </summary>
public sealed class MediaSchedulerMetricsTests
{
    private static readonly RtpStreamFormat Pcmu = new(G711Codec.Pcmu, 0, 101);

    private static PromptSource Looping() => new(new AudioPrompt("t", G711Codec.Pcmu, new byte[160 * 5]), loop: true);

    [Fact]
    public void On_time_ticks_record_zero_lateness_once_per_packet()
    {
        var clock = new ManualTimeProvider();
        using var meters = new ScopedMeterFactory();
        using var recorder = new LatenessRecorder(meters);
        using var scheduler = new MediaScheduler(clock, meters: meters);
        var sinks = Enumerable.Range(0, 20).Select(_ => new CapturingSink()).ToArray();
        foreach (var sink in sinks) scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(sinks.Sum(s => s.Packets.Count), recorder.Values.Count);
        Assert.Equal(20 * 50, recorder.Values.Count);
        Assert.All(recorder.Values, v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_late_tick_records_how_late_each_frame_left_and_the_burst_frames_too()
    {
        var clock = new ManualTimeProvider();
        using var meters = new ScopedMeterFactory();
        using var recorder = new LatenessRecorder(meters);
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false, meters);
        scheduler.CreateStream(new CapturingSink(), Pcmu).PlayAsync(Looping());

        scheduler.Tick();                              // frame 0 at 0 ms (the anchor)
        clock.Advance(TimeSpan.FromMilliseconds(27));
        scheduler.Tick();                              // frame 1 (due at 20 ms) leaves 7 ms late
        clock.Advance(TimeSpan.FromMilliseconds(25));
        scheduler.Tick();                              // 52 ms: frame 2 (40 ms) 12 ms late, frame 3 (60 ms) 8 ms early
        clock.Advance(TimeSpan.FromMilliseconds(28));
        scheduler.Tick();                              // 80 ms: frame 4 on time

        Assert.Equal([0, 0.007, 0.012, 0.008, 0], recorder.Values.Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void A_stream_first_seen_by_a_late_tick_keeps_the_scheduler_grid_so_only_that_packet_is_late()
    {
        var clock = new ManualTimeProvider();
        using var meters = new ScopedMeterFactory();
        using var recorder = new LatenessRecorder(meters);
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false, meters);
        scheduler.Tick();                              // the grid: 0, 20, 40, ... ms
        var sink = new CapturingSink();
        scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());
        clock.Advance(TimeSpan.FromMilliseconds(27));
        scheduler.Tick();                              // frame 0 belongs to 20 ms: 7 ms late
        clock.Advance(TimeSpan.FromMilliseconds(13));
        scheduler.Tick();                              // frame 1 at 40 ms: on time, not 7 ms early
        clock.Advance(TimeSpan.FromMilliseconds(20));
        scheduler.Tick();

        Assert.Equal([0.007, 0, 0], recorder.Values.Select(v => Math.Round(v, 6)));
        Assert.Equal(3, sink.Packets.Count);
    }

    [Fact]
    public void After_a_timer_fire_a_whole_frame_late_ticks_return_to_the_grid_instead_of_keeping_the_late_phase()
    {
        var manual = new ManualTimeProvider();
        var clock = new DelayingTimeProvider(manual);
        using var meters = new ScopedMeterFactory();
        using var recorder = new LatenessRecorder(meters);
        using var scheduler = new MediaScheduler(clock, meters: meters);
        var sink = new CapturingSink();
        scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());
        manual.Advance(TimeSpan.FromMilliseconds(80));   // ticks at 20..80: frames 0-3 on time
        clock.ExtraDelay = TimeSpan.FromMilliseconds(27);
        manual.Advance(TimeSpan.FromMilliseconds(47));   // the fire due at 100 comes at 127: frames 4 (100) and 5 (120) 27 and 7 ms late
        manual.Advance(TimeSpan.FromMilliseconds(53));   // 140, 160, 180: back on the grid, not at 147, 167, ...

        Assert.Equal([0, 0, 0, 0, 0.027, 0.007, 0, 0, 0], recorder.Values.Select(v => Math.Round(v, 6)));
        Assert.Equal(1, recorder.Observed("ccgw.media.scheduler_overruns"));
        Assert.Equal(1, manual.ActiveTimers);
    }

    [Fact]
    public void Idle_streams_record_nothing_and_skipped_frames_and_overruns_are_counted()
    {
        var clock = new ManualTimeProvider();
        using var meters = new ScopedMeterFactory();
        using var recorder = new LatenessRecorder(meters);
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false, meters);
        scheduler.CreateStream(new CapturingSink(), Pcmu); // nothing to play: no packets, no measurements
        scheduler.CreateStream(new CapturingSink(), Pcmu).PlayAsync(Looping());

        scheduler.Tick();
        clock.Advance(TimeSpan.FromMilliseconds(200));
        scheduler.Tick();                              // 10 frames due: 3 sent, 7 skipped (per stream)

        Assert.Equal(4, recorder.Values.Count);
        Assert.Equal(7 + 7, recorder.Observed("ccgw.media.frames_skipped")); // the idle stream's clock skips too
        Assert.Equal(0, recorder.Observed("ccgw.media.scheduler_overruns"));
        Assert.Equal(2, recorder.Observed("ccgw.media.streams"));
    }

    [Fact]
    public void Lateness_buckets_include_the_benchmark_threshold()
    {
        Assert.Contains(0.005, MediaScheduler.LatenessBuckets);
        Assert.Equal(MediaScheduler.LatenessBuckets.Order(), MediaScheduler.LatenessBuckets);
    }

    /// <summary>
    /// The manual clock, but once <see cref="ExtraDelay"/> is set the next fire of a timer comes that much later and its
    /// period continues from there, as a real periodic timer does after firing a whole period late.
    /// </summary>
    private sealed class DelayingTimeProvider(ManualTimeProvider inner) : TimeProvider
    {
        public TimeSpan ExtraDelay { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;
        public override long GetTimestamp() => inner.GetTimestamp();
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Delayed(period);
            timer.Inner = inner.CreateTimer(_ =>
            {
                if (ExtraDelay > TimeSpan.Zero)
                {
                    var delay = ExtraDelay;
                    ExtraDelay = TimeSpan.Zero;
                    timer.Inner.Change(delay, timer.Period);
                    return;
                }
                callback(state);
            }, null, dueTime, period);
            return timer;
        }

        private sealed class Delayed(TimeSpan period) : ITimer
        {
            public ITimer Inner { get; set; } = null!;
            public TimeSpan Period { get; private set; } = period;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                Period = period;
                return Inner.Change(dueTime, period);
            }

            public void Dispose() => Inner.Dispose();
            public ValueTask DisposeAsync() => Inner.DisposeAsync();
        }
    }

    /// <summary>Meters created here carry this factory as their scope, so parallel tests' schedulers are not heard.</summary>
    internal sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Scope = this });
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var m in _meters) m.Dispose();
        }
    }

    internal sealed class LatenessRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _observed = [];

        public LatenessRecorder(ScopedMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, scope)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                if (instrument.Name == "ccgw.media.send_lateness") Values.Add(value);
            });
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _observed[instrument.Name] = value);
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _observed[instrument.Name] = value);
            _listener.Start();
        }

        public List<double> Values { get; } = [];

        public long Observed(string name)
        {
            _listener.RecordObservableInstruments();
            return _observed.GetValueOrDefault(name);
        }

        public void Dispose() => _listener.Dispose();
    }
}
