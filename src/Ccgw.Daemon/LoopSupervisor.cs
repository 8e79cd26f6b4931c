using System.Collections.Concurrent;

namespace Ccgw.Daemon;

/// <summary>What the daemon does when a background loop throws (docs/operations.md lists the choice per loop).</summary>
internal enum LoopFailurePolicy
{
    /// <summary>
    /// Log, report the loop down (<c>/readyz</c> 503, watchdog pings withheld), wait with back-off and run it again;
    /// after <see cref="LoopSupervisor.MaxConsecutiveFailures"/> failures with no stable run between, stop the daemon.
    /// For loops whose state survives a restart (a subscription that keeps buffering, a store).
    /// </summary>
    Restart,

    /// <summary>Log and stop the daemon (exit 70, EX_SOFTWARE), so that the supervisor restarts the whole process.</summary>
    StopDaemon,
}

/// <summary>The policy of the loop <typeparamref name="TLoop"/>; a loop registered without one stops the daemon.</summary>
internal sealed record LoopPolicy<TLoop>(LoopFailurePolicy OnFailure);

/// <summary>
/// Which supervised loops are not running right now and why. <c>/readyz</c> (<see cref="LoopsHealthCheck"/>) and the
/// systemd watchdog gate read it, so a loop waiting to be restarted takes the daemon out of rotation, and one that
/// stays down longer than WatchdogSec gets the process restarted by systemd.
/// </summary>
internal sealed class LoopHealth
{
    private readonly ConcurrentDictionary<string, string> _down = new(StringComparer.Ordinal);

    public bool IsHealthy => _down.IsEmpty;

    /// <summary>Loop name to the reason it is down, for the health check's description.</summary>
    public IReadOnlyDictionary<string, string> Down => new Dictionary<string, string>(_down, StringComparer.Ordinal);

    public void MarkDown(string loop, string reason) => _down[loop] = reason;

    public void MarkUp(string loop) => _down.TryRemove(loop, out _);
}

/// <summary>
/// Runs a background loop under its <see cref="LoopFailurePolicy"/>: every exception is logged and either restarts
/// the loop after a back-off (1 s, doubling, at most 30 s; the count starts again after a minute's stable run) or is
/// rethrown, which stops the host (BackgroundServiceExceptionBehavior.StopHost) and makes the daemon exit 70
/// (<see cref="FaultedServices"/>). Waiting uses the injected <see cref="TimeProvider"/>, so tests drive it by hand.
/// </summary>
internal sealed partial class LoopSupervisor(LoopHealth health, TimeProvider time, ILogger<LoopSupervisor> log)
{
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A run at least this long counts as stable: the next failure starts the back-off from the beginning.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    /// <summary>Failures in a row (no stable run between) after which a restartable loop stops the daemon: 1+2+4+8 s of trying.</summary>
    public const int MaxConsecutiveFailures = 5;

    /// <summary>The wait before restart number <paramref name="failures"/> (1-based).</summary>
    public static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << Math.Min(failures - 1, 20), MaxBackoff.Ticks));

    /// <summary>
    /// Runs <paramref name="loop"/> until it returns or <paramref name="stoppingToken"/> is cancelled; throws the loop's
    /// exception when the policy is <see cref="LoopFailurePolicy.StopDaemon"/> or the restarts are used up.
    /// </summary>
    public async Task RunAsync(string name, LoopFailurePolicy policy, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (true)
        {
            var started = time.GetTimestamp();
            try
            {
                await loop(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                health.MarkDown(name, $"{e.GetType().Name}: {e.Message}");
                if (policy == LoopFailurePolicy.StopDaemon)
                {
                    LogLoopFatal(log, name, e);
                    throw;
                }
                if (time.GetElapsedTime(started) >= StableAfter) failures = 0;
                failures++;
                if (failures >= MaxConsecutiveFailures)
                {
                    LogLoopGaveUp(log, name, failures, e);
                    throw;
                }
                var delay = Backoff(failures);
                LogLoopRestarting(log, name, failures, delay, e);
            }
            try
            {
                await Task.Delay(Backoff(failures), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            health.MarkUp(name);
            LogLoopRestarted(log, name, failures);
        }
    }

    [LoggerMessage(EventId = 16850, Level = LogLevel.Critical, Message = "background loop {Loop} failed; stopping the daemon (exit 70) so that the supervisor restarts it")]
    private static partial void LogLoopFatal(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 16851, Level = LogLevel.Error, Message = "background loop {Loop} failed (failure {Failures} in a row); restarting it in {Delay}")]
    private static partial void LogLoopRestarting(ILogger logger, string loop, int failures, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 16852, Level = LogLevel.Warning, Message = "background loop {Loop} restarted after failure {Failures}")]
    private static partial void LogLoopRestarted(ILogger logger, string loop, int failures);

    [LoggerMessage(EventId = 16853, Level = LogLevel.Critical, Message = "background loop {Loop} failed {Failures} times in a row; stopping the daemon (exit 70) so that the supervisor restarts it")]
    private static partial void LogLoopGaveUp(ILogger logger, string loop, int failures, Exception exception);
}
