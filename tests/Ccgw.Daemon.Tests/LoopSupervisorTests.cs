using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Daemon.Tests;

/// <summary>
/// The supervisor's choices on a fake clock: a restartable loop that throws is reported down, waits its back-off and
/// runs again; one that keeps failing is given up on (the exception reaches the host, which exits 70); a loop whose
/// policy is to stop the daemon is never restarted.
/// </summary>
public sealed class LoopSupervisorTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly LoopHealth _health = new();

    private LoopSupervisor Supervisor() => new(_health, _time, NullLogger<LoopSupervisor>.Instance);

    [Fact]
    public async Task A_restartable_loop_that_throws_is_reported_down_then_restarted_after_its_backoff()
    {
        var runs = 0;
        var secondRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var supervised = Supervisor().RunAsync("flaky", LoopFailurePolicy.Restart, async ct =>
        {
            if (++runs == 1) throw new IOException("disk went away");
            secondRun.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, stop.Token);

        await WaitUntilAsync(() => !_health.IsHealthy && _time.ActiveTimers == 1);
        Assert.Contains("disk went away", _health.Down["flaky"], StringComparison.Ordinal);
        _time.Advance(LoopSupervisor.FirstBackoff - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, runs);
        Assert.False(_health.IsHealthy);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await secondRun.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, runs);
        Assert.True(_health.IsHealthy);

        await stop.CancelAsync();
        await supervised.WaitAsync(TimeSpan.FromSeconds(30)); // ends quietly on stop
    }

    [Fact]
    public async Task A_loop_that_keeps_failing_backs_off_exponentially_then_is_given_up_on()
    {
        var runs = 0;
        var supervised = Supervisor().RunAsync("broken", LoopFailurePolicy.Restart, async _ =>
        {
            runs++;
            await Task.Yield();
            throw new InvalidOperationException("still broken");
        }, CancellationToken.None);

        for (var failure = 1; failure < LoopSupervisor.MaxConsecutiveFailures; failure++)
        {
            await WaitUntilAsync(() => runs == failure && _time.ActiveTimers == 1);
            Assert.False(_health.IsHealthy); // /readyz 503 and no watchdog ping while it waits
            Assert.Equal(TimeSpan.FromSeconds(1 << (failure - 1)), LoopSupervisor.Backoff(failure));
            _time.Advance(LoopSupervisor.Backoff(failure) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(failure, runs); // not a moment early
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => supervised.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("still broken", error.Message);
        Assert.Equal(LoopSupervisor.MaxConsecutiveFailures, runs);
        Assert.False(_health.IsHealthy);
    }

    [Fact]
    public async Task Failures_far_apart_start_the_backoff_again()
    {
        var runs = 0;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var supervised = Supervisor().RunAsync("sometimes", LoopFailurePolicy.Restart, async ct =>
        {
            runs++;
            if (runs == 1) throw new IOException("first");
            // Second run: stable for longer than StableAfter, then fails.
            await Task.Delay(LoopSupervisor.StableAfter, _time, ct);
            if (runs == 2) throw new IOException("second, much later");
            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, stop.Token);

        await WaitUntilAsync(() => runs == 1 && _time.ActiveTimers == 1);
        _time.Advance(LoopSupervisor.Backoff(1));
        await WaitUntilAsync(() => runs == 2 && _time.ActiveTimers == 1);
        _time.Advance(LoopSupervisor.StableAfter);
        // The second failure counts as the first in a row again: restarted after 1 s, not 2 s.
        await WaitUntilAsync(() => !_health.IsHealthy && _time.ActiveTimers == 1);
        _time.Advance(LoopSupervisor.Backoff(1));
        await WaitUntilAsync(() => runs == 3 && _time.ActiveTimers == 1);
        _time.Advance(LoopSupervisor.StableAfter);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(_health.IsHealthy);

        await stop.CancelAsync();
        await supervised.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_loop_whose_failure_stops_the_daemon_is_not_restarted()
    {
        var runs = 0;
        var supervised = Supervisor().RunAsync("core", LoopFailurePolicy.StopDaemon, async _ =>
        {
            runs++;
            await Task.Yield();
            throw new InvalidOperationException("fatal");
        }, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => supervised.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, runs);
        Assert.Equal(0, _time.ActiveTimers);
        Assert.False(_health.IsHealthy);
    }

    [Fact]
    public async Task Stopping_during_the_backoff_ends_quietly()
    {
        using var stop = new CancellationTokenSource();
        var supervised = Supervisor().RunAsync("flaky", LoopFailurePolicy.Restart, async _ =>
        {
            await Task.Yield();
            throw new IOException("gone");
        }, stop.Token);
        await WaitUntilAsync(() => _time.ActiveTimers == 1);

        await stop.CancelAsync();
        await supervised.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The loops run on the thread pool; wait (bounded) for the state the test expects, without sleeping a fixed time.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
            await Task.Delay(5, timeout.Token);
    }
}
