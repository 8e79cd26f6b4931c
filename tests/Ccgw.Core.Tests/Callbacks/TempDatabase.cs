using Ccgw.Storage.Sqlite;

namespace Ccgw.Core.Tests.Callbacks;

/// <summary>A migrated SQLite database in its own temp directory, deleted on dispose: the real storage, no mocks.</summary>
internal sealed class TempDatabase : IAsyncDisposable
{
    private readonly string _dir;

    private TempDatabase(string dir, SqliteDatabase database)
    {
        _dir = dir;
        Database = database;
    }

    public SqliteDatabase Database { get; }

    public static async Task<TempDatabase> CreateAsync(string prefix)
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        var database = new SqliteDatabase(Path.Combine(dir, "ccgw.db"));
        await database.InitializeAsync(default);
        await new MigrationRunner(database, TimeProvider.System).ApplyAsync(default);
        return new TempDatabase(dir, database);
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}
