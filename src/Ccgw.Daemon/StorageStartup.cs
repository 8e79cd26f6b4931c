namespace Ccgw.Daemon;

/// <summary>Opens the chosen storage engine and applies migrations before any listener starts taking traffic.</summary>
internal sealed partial class StorageStartup(IStorageEngine storage, DaemonState state, ILogger<StorageStartup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (applied, instance) = await storage.OpenAsync(cancellationToken);
        foreach (var migration in applied) LogMigrationApplied(log, migration.Name);
        state.MarkStorageReady(instance);
        LogStorageOpen(log, storage.Description, instance);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "applied migration {Name}")]
    private static partial void LogMigrationApplied(ILogger logger, string name);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "database {Path} open (instance {InstanceId})")]
    private static partial void LogStorageOpen(ILogger logger, string path, string instanceId);
}
