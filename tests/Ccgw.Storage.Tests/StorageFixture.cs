using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>A migrated database in a temp directory: the real SQLite, no mocks.</summary>
public sealed class MigratedDatabase : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-repo-").FullName;
    public SqliteDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = new SqliteDatabase(Path.Combine(_dir, "ccgw.db"));
        await Database.InitializeAsync(default);
        await new MigrationRunner(Database, TimeProvider.System).ApplyAsync(default);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}
