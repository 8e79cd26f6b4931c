using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Testing;

namespace Ccgw.Media.Tests.Playout;

/// <summary>
/// Issue 21, RTP pacing: the 20 ms frame cut into sub-slots so that one tick never sends every stream's packet, and
/// the timerfd pacing thread. The scheduler logic runs on the manual clock (exact, no timing assertion); the timerfd
/// source is only checked for what it is: a dedicated thread that keeps the stream going.
/// </summary>
public sealed class MediaSchedulerSubSlotTests
{
    private static readonly RtpStreamFormat Pcmu = new(G711Codec.Pcmu, 0, 101);

    private static PromptSource Looping() => new(new AudioPrompt("t", G711Codec.Pcmu, new byte[160 * 5]), loop: true);

    [Fact]
    public void Streams_are_spread_evenly_and_a_new_one_fills_the_slot_calls_left()
    {
        using var scheduler = new MediaScheduler(new ManualTimeProvider(), subSlots: 4);
        var streams = Enumerable.Range(0, 1000).Select(_ => scheduler.CreateStream(new CapturingSink(), Pcmu)).ToArray();
        Assert.Equal([250, 250, 250, 250], scheduler.StreamsPerSubSlot());

        foreach (var s in streams.Where(s => s.SubSlot == 2).Take(10)) s.Dispose();
        Assert.Equal([250, 250, 240, 250], scheduler.StreamsPerSubSlot());
        Assert.Equal(2, scheduler.CreateStream(new CapturingSink(), Pcmu).SubSlot);
        Assert.Equal(991, scheduler.ActiveStreams);
    }

    [Fact]
    public void With_four_sub_slots_a_tick_sends_a_quarter_of_the_packets_and_every_stream_still_sends_50_per_second_on_time()
    {
        var clock = new ManualTimeProvider();
        using var meters = new MediaSchedulerMetricsTests.ScopedMeterFactory();
        using var recorder = new MediaSchedulerMetricsTests.LatenessRecorder(meters);
        using var scheduler = new MediaScheduler(clock, meters: meters, subSlots: 4);
        var sends = new List<(long At, int Stream)>();
        var sinks = Enumerable.Range(0, 1000).Select(i => new TimedSink(clock, 0, sends, i)).ToArray();
        foreach (var sink in sinks) scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.All(sinks, s => Assert.Equal(50, s.Count));
        Assert.Equal(1, clock.ActiveTimers);                   // still one timer for all streams
        // Without sub-slots a tick sends 1,000 packets; with four, the most any instant sees is 250.
        Assert.Equal(250, sends.GroupBy(s => s.At).Max(g => g.Count()));
        Assert.All(recorder.Values, v => Assert.Equal(0, v));  // each stream's schedule is on its own slot
        Assert.Equal(sends.Count, recorder.Values.Count);
    }

    [Fact]
    public void A_stream_keeps_its_slot_offset_every_frame()
    {
        var clock = new ManualTimeProvider();
        var origin = clock.GetUtcNow().UtcTicks;
        using var scheduler = new MediaScheduler(clock, subSlots: 4);
        var sends = new List<(long At, int Stream)>();
        for (var i = 0; i < 4; i++) scheduler.CreateStream(new TimedSink(clock, origin, sends, i), Pcmu).PlayAsync(Looping());

        clock.Advance(TimeSpan.FromMilliseconds(200));

        foreach (var stream in sends.GroupBy(s => s.Stream))
        {
            var times = stream.Select(s => s.At).ToArray();
            Assert.All(times.Zip(times.Skip(1)), p => Assert.Equal(TimeSpan.FromMilliseconds(20).Ticks, p.Second - p.First));
            Assert.Equal(TimeSpan.FromMilliseconds(5 * stream.Key).Ticks, times[0] % TimeSpan.FromMilliseconds(20).Ticks);
        }
    }

    [Fact]
    public void Missed_slot_ticks_are_caught_up_by_the_next_tick_without_dropping_frames()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false, subSlots: 4);
        var sinks = Enumerable.Range(0, 8).Select(_ => new CapturingSink()).ToArray();
        foreach (var sink in sinks) scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());
        for (var t = 0; t < 4; t++)
        {
            scheduler.Tick();                              // one slot each: every stream anchored, frame 0 sent
            clock.Advance(TimeSpan.FromMilliseconds(5));
        }
        Assert.All(sinks, s => Assert.Single(s.Packets));

        clock.Advance(TimeSpan.FromMilliseconds(40));      // 60 ms: slots 4..11 were never ticked
        scheduler.Tick();                                  // one tick serves the last round of slots (9..12) once each

        // Slot 0's frame 3 is due now (60 ms); the others' frames up to 40-55 ms go out late, none ahead of its time.
        Assert.Equal([4, 3, 3, 3, 4, 3, 3, 3], sinks.Select(s => s.Packets.Count));
        Assert.Equal(0, scheduler.FramesSkipped);
        clock.Advance(TimeSpan.FromMilliseconds(5));
        scheduler.Tick();                                  // 65 ms: slot 1's frame 3, on time
        Assert.Equal([4, 4, 3, 3, 4, 4, 3, 3], sinks.Select(s => s.Packets.Count));
    }

    [Fact]
    public void Sub_slot_counts_other_than_1_2_or_4_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MediaScheduler(new ManualTimeProvider(), subSlots: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MediaScheduler(new ManualTimeProvider(), subSlots: 0));
    }

    [Fact]
    public void The_high_resolution_clock_leaves_a_manual_clock_driving_the_scheduler()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock, subSlots: 4, highResolutionClock: true);
        Assert.False(scheduler.UsesTimerFd);
        Assert.Equal(1, clock.ActiveTimers);
    }

    [Fact]
    public async Task On_linux_the_system_clock_paces_from_a_dedicated_timerfd_thread_not_the_thread_pool()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var scheduler = new MediaScheduler(TimeProvider.System, subSlots: 4, highResolutionClock: true);
        Assert.True(scheduler.UsesTimerFd);
        var sink = new ThreadSink(25);
        _ = scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());

        // 25 frames are 0.5 s of audio; a loaded test machine gets ample slack, and the assertion is not about timing.
        await sink.Done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(sink.Threads, t => Assert.Equal(("ccgw-media-pacing", false), t));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (ushort)(sink.Sequences[0] + i)), sink.Sequences.Take(25));
    }

    [Fact]
    public async Task The_pacing_thread_says_which_clock_paces_and_whether_its_priority_was_raised()
    {
        if (!OperatingSystem.IsLinux()) return;
        var log = new EventLog();
        var sink = new ThreadSink(3);
        using (var scheduler = new MediaScheduler(TimeProvider.System, log: log, subSlots: 2, highResolutionClock: true, pacingNice: -1))
        {
            _ = scheduler.CreateStream(sink, Pcmu).PlayAsync(Looping());
            await sink.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the thread has run, so it has tried the priority
        }
        Assert.Contains(21400, log.Ids);
        // Raised (root or CAP_SYS_NICE) or refused and said so: never silent, and pacing went on either way.
        Assert.True(log.Ids.Contains(21404) ^ log.Ids.Contains(21405), string.Join(",", log.Ids));
    }

    private sealed class EventLog : Microsoft.Extensions.Logging.ILogger
    {
        private readonly object _gate = new();
        private readonly List<int> _ids = [];
        public int[] Ids { get { lock (_gate) return [.. _ids]; } }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate) _ids.Add(eventId.Id);
        }
    }

    private sealed class TimedSink(ManualTimeProvider clock, long origin, List<(long At, int Stream)> sends, int id) : IRtpSink
    {
        public int Count { get; private set; }

        public void Send(ReadOnlySpan<byte> packet)
        {
            Count++;
            sends.Add((clock.GetUtcNow().UtcTicks - origin, id));
        }
    }

    private sealed class ThreadSink(int wanted) : IRtpSink
    {
        private readonly object _gate = new();
        public List<(string?, bool)> Threads { get; } = [];
        public List<ushort> Sequences { get; } = [];
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Send(ReadOnlySpan<byte> packet)
        {
            Assert.True(RtpPacket.TryParse(packet, out var p));
            lock (_gate)
            {
                if (Sequences.Count >= wanted) return;
                Threads.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
                Sequences.Add(p.SequenceNumber);
                if (Sequences.Count == wanted) Done.TrySetResult();
            }
        }
    }
}
