using Ccgw.Testing;

namespace Ccgw.Voice.Tests;

/// <summary>
/// Issue 16, sessions: the watch call-backs' legs share (CallbackCall.WatchAsync). On the manual clock each limit is
/// checked just before (still running) and at the moment it is reached.
/// </summary>
public sealed class CallWatchTests
{
    [Fact]
    public async Task The_longest_call_is_reached_at_its_length_and_not_before()
    {
        var time = new ManualTimeProvider();
        var watch = CallWatch.RunAsync(time, time.GetTimestamp(), TimeSpan.FromMinutes(2), TimeSpan.Zero, () => TimeSpan.Zero, CancellationToken.None);
        await Armed(time, watch);
        time.Advance(TimeSpan.FromSeconds(119));
        await Armed(time, watch);
        Assert.False(watch.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var verdict = await watch.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(new CallWatchVerdict(CallWatchLimit.MaxDuration, TimeSpan.FromMinutes(2)), verdict);
    }

    [Fact]
    public async Task RTP_silence_ends_the_call_after_the_timeout_counted_from_the_last_packet()
    {
        var time = new ManualTimeProvider();
        var lastPacket = time.GetTimestamp();
        var watch = CallWatch.RunAsync(time, time.GetTimestamp(), TimeSpan.FromHours(4), TimeSpan.FromSeconds(10),
            () => time.GetElapsedTime(Volatile.Read(ref lastPacket)), CancellationToken.None);
        await Armed(time, watch);
        time.Advance(TimeSpan.FromSeconds(9));
        Volatile.Write(ref lastPacket, time.GetTimestamp()); // a packet at 9 s: silence starts again
        time.Advance(TimeSpan.FromSeconds(1));
        await Armed(time, watch);
        time.Advance(TimeSpan.FromSeconds(8));
        await Armed(time, watch);
        Assert.False(watch.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var verdict = await watch.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(new CallWatchVerdict(CallWatchLimit.RtpTimeout, TimeSpan.FromSeconds(10)), verdict);
    }

    [Fact]
    public async Task A_call_that_ends_first_stops_the_watch_and_leaves_no_timer()
    {
        var time = new ManualTimeProvider();
        using var life = new CancellationTokenSource();
        var watch = CallWatch.RunAsync(time, time.GetTimestamp(), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), () => TimeSpan.Zero, life.Token);
        await Armed(time, watch);
        await life.CancelAsync();
        Assert.Null(await watch.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task Both_limits_off_watch_nothing()
    {
        var time = new ManualTimeProvider();
        Assert.Null(await CallWatch.RunAsync(time, time.GetTimestamp(), TimeSpan.Zero, TimeSpan.Zero, () => TimeSpan.FromDays(1), CancellationToken.None));
        Assert.Equal(0, time.ActiveTimers);
    }

    /// <summary>The watch has armed its next timer (or finished), so the next Advance is seen.</summary>
    private static Task Armed(ManualTimeProvider time, Task watch) =>
        VoiceTestbed.WaitUntilAsync(() => watch.IsCompleted || time.ActiveTimers == 1, "the watch armed its timer");
}
