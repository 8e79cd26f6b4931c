using Ccgw.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ccgw.Daemon;

internal sealed class StorageHealthCheck(SqliteDatabase database, DaemonState state) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        if (!state.StorageReady) return HealthCheckResult.Unhealthy("database not yet migrated");
        return await database.IsHealthyAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"database {database.Path} does not answer");
    }
}

internal sealed class ListenersHealthCheck(DaemonState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        Task.FromResult(state.ListenersBound ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("listeners not yet bound"));
}
