using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ccgw.Daemon;

internal sealed class StorageHealthCheck(IStorageEngine database, DaemonState state) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        if (!state.StorageReady) return HealthCheckResult.Unhealthy("database not yet migrated");
        return await database.IsHealthyAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"database {database.Description} does not answer");
    }
}

internal sealed class ListenersHealthCheck(DaemonState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        Task.FromResult(state.ListenersBound ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("listeners not yet bound"));
}

/// <summary>Unhealthy while a supervised background loop is down (waiting to be restarted, or failed for good).</summary>
internal sealed class LoopsHealthCheck(LoopHealth loops) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var down = loops.Down;
        return Task.FromResult(down.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("loops down: " + string.Join("; ", down.Select(d => $"{d.Key} ({d.Value})"))));
    }
}
