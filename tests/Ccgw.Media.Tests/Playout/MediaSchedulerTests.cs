using Ccgw.Media.Audio;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Testing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Media.Tests.Playout;

public sealed class MediaSchedulerTests
{
    private static readonly RtpStreamFormat Pcmu = new(G711Codec.Pcmu, 0, 101) { Ssrc = 0x1234, InitialSequence = 65530, InitialTimestamp = 1000 };

    private static AudioPrompt Prompt(int frames, byte fill = 0x10) =>
        new("test", G711Codec.Pcmu, Enumerable.Repeat(fill, frames * 160).ToArray());

    [Fact]
    public void One_second_yields_exactly_50_packets_per_playback_for_many_concurrent_playbacks()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sinks = Enumerable.Range(0, 500).Select(_ => new CapturingSink()).ToArray();
        foreach (var sink in sinks) scheduler.CreateStream(sink, Pcmu with { Ssrc = null }).PlayAsync(new PromptSource(Prompt(1), loop: true));

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.All(sinks, s => Assert.Equal(50, s.Packets.Count));
        Assert.Equal(1, clock.ActiveTimers); // one timer for all of them
    }

    [Fact]
    public async Task Sequence_and_timestamp_continue_across_back_to_back_prompts_with_one_marker()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        var first = stream.PlayAsync(new PromptSource(Prompt(3, 0x11)));
        var second = stream.PlayAsync(new PromptSource(Prompt(4, 0x22)));

        clock.Advance(TimeSpan.FromMilliseconds(20 * 10));

        Assert.Equal(7, sink.Packets.Count);
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal((ushort)(65530 + i), sink.Packets[i].Sequence); // wraps through 65535 to 0
            Assert.Equal(1000u + (uint)(160 * i), sink.Packets[i].Timestamp);
            Assert.Equal(i == 0, sink.Packets[i].Marker);
            Assert.Equal(0x1234u, sink.Packets[i].Ssrc);
        }
        Assert.Equal(0x22, sink.Packets[3].Payload[0]);
        Assert.Equal(PlaybackOutcome.Completed, await first);
        Assert.Equal(PlaybackOutcome.Completed, await second);
    }

    [Fact]
    public void Idle_gap_advances_the_timestamp_by_real_time_and_marks_the_next_talkspurt()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        stream.PlayAsync(new PromptSource(Prompt(2)));
        clock.Advance(TimeSpan.FromMilliseconds(20 * 5)); // 2 frames, then 3 idle ticks
        stream.PlayAsync(new PromptSource(Prompt(2)));
        clock.Advance(TimeSpan.FromMilliseconds(20 * 2));

        Assert.Equal(4, sink.Packets.Count);
        Assert.Equal([true, false, true, false], sink.Packets.Select(p => p.Marker));
        Assert.Equal(160u * 5, sink.Packets[2].Timestamp - sink.Packets[0].Timestamp);
        Assert.Equal((ushort)(sink.Packets[1].Sequence + 1), sink.Packets[2].Sequence); // no sequence gap: nothing was lost
    }

    [Fact]
    public void Late_tick_catches_up_with_a_bounded_burst_and_skips_the_rest()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock, maxBurstFrames: 3, startTimer: false);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        stream.PlayAsync(new PromptSource(Prompt(100)));

        scheduler.Tick();
        clock.Advance(TimeSpan.FromMilliseconds(40));
        scheduler.Tick(); // 2 frames due: both sent
        clock.Advance(TimeSpan.FromMilliseconds(200));
        scheduler.Tick(); // 10 due: 3 sent, 7 skipped

        Assert.Equal(1 + 2 + 3, sink.Packets.Count);
        Assert.Equal(7, stream.FramesSkipped);
        Assert.Equal(160u * (7 + 1), sink.Packets[3].Timestamp - sink.Packets[2].Timestamp); // 7 skipped frames between them
        Assert.True(sink.Packets[3].Marker);
        clock.Advance(TimeSpan.FromMilliseconds(20));
        scheduler.Tick();
        Assert.Equal(7, sink.Packets.Count); // back on schedule: one per tick
    }

    [Fact]
    public async Task StopPlayback_interrupts_current_and_queued_playbacks()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        var a = stream.PlayAsync(new PromptSource(Prompt(50)));
        var b = stream.PlayAsync(new PromptSource(Prompt(50)));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        stream.StopPlayback();
        clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(5, sink.Packets.Count);
        Assert.Equal(PlaybackOutcome.Interrupted, await a);
        Assert.Equal(PlaybackOutcome.Interrupted, await b);
    }

    [Fact]
    public async Task Cancellation_interrupts_only_that_playback()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        using var cts = new CancellationTokenSource();
        var hold = stream.PlayAsync(new PromptSource(Prompt(1), loop: true), cts.Token);
        clock.Advance(TimeSpan.FromMilliseconds(60));
        await cts.CancelAsync();
        var next = stream.PlayAsync(new PromptSource(Prompt(2)));
        clock.Advance(TimeSpan.FromMilliseconds(60));

        Assert.Equal(PlaybackOutcome.Interrupted, await hold);
        Assert.Equal(PlaybackOutcome.Completed, await next);
        Assert.Equal(5, sink.Packets.Count);
    }

    [Fact]
    public void Disposed_stream_stops_sending_and_leaves_the_scheduler()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        stream.PlayAsync(new PromptSource(Prompt(1), loop: true));
        clock.Advance(TimeSpan.FromMilliseconds(40));
        stream.Dispose();
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, sink.Packets.Count);
        Assert.Equal(0, scheduler.ActiveStreams);
    }

    [Fact]
    public void Prompt_in_the_other_law_is_transcoded_per_frame()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        scheduler.CreateStream(sink, new RtpStreamFormat(G711Codec.Pcma, 8)).PlayAsync(new PromptSource(Prompt(1, 0xFF)));
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(8, sink.Packets[0].PayloadType);
        Assert.All(sink.Packets[0].Payload, b => Assert.Equal(G711.AlawSilence, b));
    }

    [Fact]
    public void Dtmf_tone_is_the_standard_rfc4733_sequence_and_audio_resumes_on_the_clock()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var sink = new CapturingSink();
        var stream = scheduler.CreateStream(sink, Pcmu);
        stream.PlayAsync(new DtmfToneSource('5', durationMs: 100));
        stream.PlayAsync(new PromptSource(Prompt(1)));
        clock.Advance(TimeSpan.FromMilliseconds(20 * 8));

        var events = sink.Packets.Take(7).ToArray();
        Assert.All(events, p => Assert.Equal(101, p.PayloadType));
        Assert.All(events, p => Assert.Equal(1000u, p.Timestamp));
        Assert.Equal([true, false, false, false, false, false, false], events.Select(p => p.Marker));
        var decoded = events.Select(p => { TelephoneEvent.TryParse(p.Payload, out var e); return e; }).ToArray();
        Assert.All(decoded, e => Assert.Equal(5, e.Event));
        Assert.Equal(new ushort[] { 160, 320, 480, 640, 800, 800, 800 }, decoded.Select(e => e.Duration));
        Assert.Equal([false, false, false, false, true, true, true], decoded.Select(e => e.End));
        Assert.Equal(0, sink.Packets[7].PayloadType);
        Assert.Equal(1000u + (160 * 7), sink.Packets[7].Timestamp);

        // And our own receiver hears exactly one '5' from it.
        var receiver = new DtmfReceiver();
        var digits = events.Select(p => receiver.TryAccept(p.Ssrc, p.Timestamp, p.Payload, out var d) ? d : '\0').Where(d => d != '\0');
        Assert.Equal(['5'], digits);
    }

    [Fact]
    public void Dtmf_without_negotiated_telephone_event_is_refused()
    {
        using var scheduler = new MediaScheduler(new ManualTimeProvider());
        var stream = scheduler.CreateStream(new CapturingSink(), new RtpStreamFormat(G711Codec.Pcmu, 0));
        Assert.Throws<InvalidOperationException>(() => { _ = stream.PlayAsync(new DtmfToneSource('1')); });
    }

    [Fact]
    public async Task Throwing_source_interrupts_its_stream_only()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var good = new CapturingSink();
        var bad = scheduler.CreateStream(new CapturingSink(), Pcmu).PlayAsync(new ThrowingSource());
        _ = scheduler.CreateStream(good, Pcmu).PlayAsync(new PromptSource(Prompt(1), loop: true));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(PlaybackOutcome.Interrupted, await bad);
        Assert.Equal(5, good.Packets.Count);
        Assert.Equal(1, scheduler.StreamFaults);
    }

    [Fact]
    public async Task A_stream_fault_is_logged_with_its_exception_once()
    {
        var clock = new ManualTimeProvider();
        var log = new CapturingLogger();
        using var scheduler = new MediaScheduler(clock, log: log);
        var bad = scheduler.CreateStream(new CapturingSink(), Pcmu).PlayAsync(new ThrowingSource());
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(PlaybackOutcome.Interrupted, await bad);
        var (level, eventId, exception) = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Equal(14300, eventId);
        Assert.Equal("boom", Assert.IsType<InvalidDataException>(exception).Message);
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel Level, int EventId, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Id, exception));
    }

    private sealed class ThrowingSource : IMediaSource
    {
        public int ReadFrame(Span<byte> payload, G711Codec codec, out FrameKind kind) => throw new InvalidDataException("boom");
    }
}
