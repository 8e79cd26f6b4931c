using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Tests;

public sealed class MigrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-storage-").FullName;
    private SqliteDatabase Database => new(Path.Combine(_dir, "ccgw.db"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Embedded_migrations_apply_to_an_empty_database_and_are_recorded()
    {
        var db = Database;
        await db.InitializeAsync(default);
        var runner = new MigrationRunner(db, TimeProvider.System);
        var embedded = Migration.Embedded();

        var applied = await runner.ApplyAsync(default);

        Assert.NotEmpty(embedded);
        Assert.Equal(embedded.Select(m => m.Version), applied.Select(m => m.Version));
        Assert.Equal(embedded[^1].Version, await runner.CurrentVersionAsync(default));
        await using var c = await db.OpenAsync(default);
        var rows = (await c.QueryAsync<string>("SELECT name FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(embedded.Select(m => m.Name), rows);
        Assert.True(await db.IsHealthyAsync(default));
    }

    [Fact]
    public async Task Rerun_is_a_no_op()
    {
        var db = Database;
        await db.InitializeAsync(default);
        await new MigrationRunner(db, TimeProvider.System).ApplyAsync(default);
        await using var c = await db.OpenAsync(default);
        var before = await c.QueryAsync<(long, string)>("SELECT version, applied_at FROM schema_migrations");

        var again = await new MigrationRunner(db, TimeProvider.System).ApplyAsync(default);

        Assert.Empty(again);
        Assert.Equal(before, await c.QueryAsync<(long, string)>("SELECT version, applied_at FROM schema_migrations"));
    }

    [Fact]
    public async Task A_later_release_applies_only_its_new_migrations()
    {
        var db = Database;
        await db.InitializeAsync(default);
        var v1 = new[] { new Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);") };
        var v2 = v1.Append(new Migration(2, "0002_b", "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (7);")).ToArray();
        await new MigrationRunner(db, v1, TimeProvider.System).ApplyAsync(default);

        var applied = await new MigrationRunner(db, v2, TimeProvider.System).ApplyAsync(default);

        Assert.Equal([2], applied.Select(m => m.Version));
        await using var c = await db.OpenAsync(default);
        Assert.Equal(7, await c.ExecuteScalarAsync<int>("SELECT y FROM b"));
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_behind()
    {
        var db = Database;
        await db.InitializeAsync(default);
        var migrations = new[]
        {
            new Migration(1, "0001_ok", "CREATE TABLE ok (x INTEGER);"),
            new Migration(2, "0002_broken", "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);"),
        };

        var error = await Assert.ThrowsAsync<StorageException>(() => new MigrationRunner(db, migrations, TimeProvider.System).ApplyAsync(default));

        Assert.Contains("0002_broken", error.Message);
        await using var c = await db.OpenAsync(default);
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT max(version) FROM schema_migrations"));
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM sqlite_master WHERE name = 'half'"));
    }

    [Fact]
    public async Task An_edited_migration_is_refused()
    {
        var db = Database;
        await db.InitializeAsync(default);
        await new MigrationRunner(db, [new Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);")], TimeProvider.System).ApplyAsync(default);

        var error = await Assert.ThrowsAsync<StorageException>(() =>
            new MigrationRunner(db, [new Migration(1, "0001_a", "CREATE TABLE a (x TEXT);")], TimeProvider.System).ApplyAsync(default));
        Assert.Contains("must never change", error.Message);
    }

    [Fact]
    public async Task A_database_from_a_newer_release_is_refused()
    {
        var db = Database;
        await db.InitializeAsync(default);
        var newer = new[] { new Migration(1, "0001_a", "SELECT 1;"), new Migration(2, "0002_b", "SELECT 2;") };
        await new MigrationRunner(db, newer, TimeProvider.System).ApplyAsync(default);

        var error = await Assert.ThrowsAsync<StorageException>(() =>
            new MigrationRunner(db, newer[..1], TimeProvider.System).ApplyAsync(default));
        Assert.Contains("newer release", error.Message);
    }

    [Fact]
    public async Task Database_runs_in_wal_with_full_sync()
    {
        var db = Database;
        await db.InitializeAsync(default);
        await using var c = await db.OpenAsync(default);
        Assert.Equal("wal", await c.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(2, await c.ExecuteScalarAsync<int>("PRAGMA synchronous"));
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
    }

    [Fact]
    public async Task Pooled_connections_keep_their_settings_and_new_ones_get_them()
    {
        var db = Database;
        await db.InitializeAsync(default);
        SQLitePCL.sqlite3 firstHandle;
        await using (var first = await db.OpenAsync(default))
        {
            firstHandle = first.Handle!;
        }
        // Reopened from the pool (the same native connection, whose settings were made once), and a second one
        // opened while it is in use (a new native connection, which must get them too).
        await using var reused = await db.OpenAsync(default);
        await using var second = await db.OpenAsync(default);
        Assert.Same(firstHandle, reused.Handle);
        Assert.NotSame(reused.Handle, second.Handle);
        foreach (var c in new[] { reused, second })
        {
            Assert.Equal(2, await c.ExecuteScalarAsync<int>("PRAGMA synchronous"));
            Assert.Equal(1, await c.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
            Assert.Equal(5000, await c.ExecuteScalarAsync<int>("PRAGMA busy_timeout"));
        }
    }

    [Fact]
    public async Task Instance_id_is_made_once_and_kept()
    {
        var db = Database;
        await db.InitializeAsync(default);
        await new MigrationRunner(db, TimeProvider.System).ApplyAsync(default);
        var store = new GatewayInstanceStore(db, TimeProvider.System);

        var first = await store.EnsureAsync(default);
        var second = await store.EnsureAsync(default);

        Assert.Equal(32, first.Length);
        Assert.Equal(first, second);
    }
}
