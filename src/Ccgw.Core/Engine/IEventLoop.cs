namespace Ccgw.Core;

/// <summary>
/// A loop that follows the core's events for the process's lifetime (the call-back scheduler, the history recorder,
/// customer alerts). It subscribes when constructed, so the host constructs it before the core runs and no event is
/// missed; <see cref="RunAsync"/> returns when <c>stoppingToken</c> is cancelled and throws only when the loop cannot go
/// on, so the host can stop and be restarted.
/// </summary>
public interface IEventLoop
{
    Task RunAsync(CancellationToken stoppingToken);
}
