using Ccgw.Core.Pair;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ccgw.Daemon.Pair;

/// <summary>
/// The active node's side of the lease: renews it every Pair:RenewSeconds, and the moment it is lost (refused, or not
/// renewed within the lease time) stops the daemon (listeners, dialler, calls) and exits with EX_TEMPFAIL, so its
/// supervisor starts it again as a standby. Registered first so that it stops last, handing the lease over (expiring it)
/// only after everything else has stopped taking work.
/// </summary>
internal sealed partial class PairLeaseKeeper(PairNode pair, IHostApplicationLifetime lifetime, TimeProvider time,
    ILogger<PairLeaseKeeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = pair.Lease;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lease.NextStepDue, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var step = await lease.StepAsync(stoppingToken);
            if (step.Failure is not null) LogRenewalFailed(log, step.Reason, step.Failure);
            if (step.After != PairRole.Fenced) continue;
            LogFenced(log, lease.NodeId, lease.Token, step.Reason);
            lifetime.StopApplication();
            return;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var lease = pair.Lease;
        if (!lease.HoldsLease) return;
        try
        {
            // A clean stop (systemctl stop, a deploy) hands over at once instead of after the lease time.
            await pair.Store.ReleaseAsync(lease.NodeId, lease.Token, cancellationToken);
            LogReleased(log, lease.Token);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException)
        {
            // Not fatal: the lease then simply expires and the standby takes over after the lease time.
            LogReleaseFailed(log, e);
        }
    }

    [LoggerMessage(EventId = 22310, Level = LogLevel.Warning, Message = "pair: {Reason}; still active until the lease time runs out")]
    private static partial void LogRenewalFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 22311, Level = LogLevel.Critical, Message = "pair: node {Node} lost the lease (token {Token}): {Reason}; stopping all work and exiting so that it restarts as the standby")]
    private static partial void LogFenced(ILogger logger, string node, long token, string reason);

    [LoggerMessage(EventId = 22312, Level = LogLevel.Information, Message = "pair: released the lease (token {Token}); the standby takes over now")]
    private static partial void LogReleased(ILogger logger, long token);

    [LoggerMessage(EventId = 22313, Level = LogLevel.Warning, Message = "pair: could not release the lease; the standby takes over when it expires")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}

/// <summary>Ready only while this node holds the lease: a fenced node leaves the dispatcher's and balancer's rotation at once.</summary>
internal sealed class PairHealthCheck(PairNode pair) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        Task.FromResult(pair.Lease.HoldsLease
            ? HealthCheckResult.Healthy($"active (token {pair.Lease.Token})")
            : HealthCheckResult.Unhealthy("fenced: this node lost the pair's lease"));
}
