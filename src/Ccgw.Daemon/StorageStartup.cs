using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon;

/// <summary>Opens the database and applies migrations before any listener starts taking traffic.</summary>
internal sealed partial class StorageStartup(SqliteDatabase database, DaemonState state, TimeProvider time,
    ILogger<StorageStartup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        var applied = await new MigrationRunner(database, time).ApplyAsync(cancellationToken);
        foreach (var migration in applied) LogMigrationApplied(log, migration.Name);
        var instance = await new GatewayInstanceStore(database, time).EnsureAsync(cancellationToken);
        state.MarkStorageReady(instance);
        LogStorageOpen(log, database.Path, instance);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "applied migration {Name}")]
    private static partial void LogMigrationApplied(ILogger logger, string name);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "database {Path} open (instance {InstanceId})")]
    private static partial void LogStorageOpen(ILogger logger, string path, string instanceId);
}
