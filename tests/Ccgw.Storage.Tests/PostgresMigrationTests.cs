using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Tests;

/// <summary>The PostgreSQL migration history against a real server: complete, idempotent, guarded, safe for a pair.</summary>
[Collection("postgres")]
public sealed class PostgresMigrationTests(PostgresServerFixture postgres)
{
    [Fact]
    public void Every_sqlite_step_has_a_postgresql_twin_with_the_same_version_and_name()
    {
        Assert.Equal(Migration.Embedded().Select(m => m.Name), Migration.EmbeddedPostgres().Select(m => m.Name));
    }

    [SkippableFact]
    public async Task Embedded_migrations_apply_to_an_empty_database_and_are_recorded()
    {
        await using var db = new PostgresDatabase(await postgres.NewDatabaseAsync());
        var embedded = Migration.EmbeddedPostgres();

        var applied = await new PostgresMigrationRunner(db, TimeProvider.System).ApplyAsync(default);

        Assert.Equal(embedded.Select(m => m.Version), applied.Select(m => m.Version));
        await using var c = await db.OpenAsync(default);
        Assert.Equal(embedded.Select(m => m.Name), await c.QueryAsync<string>("SELECT name FROM schema_migrations ORDER BY version"));
        Assert.True(await db.IsHealthyAsync(default));
        Assert.Empty(await new PostgresMigrationRunner(db, TimeProvider.System).ApplyAsync(default));
    }

    [SkippableFact]
    public async Task Two_daemons_starting_at_once_apply_each_step_once()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        await using var a = new PostgresDatabase(connectionString);
        await using var b = new PostgresDatabase(connectionString);

        var results = await Task.WhenAll(
            new PostgresMigrationRunner(a, TimeProvider.System).ApplyAsync(default),
            new PostgresMigrationRunner(b, TimeProvider.System).ApplyAsync(default));

        Assert.Equal(Migration.EmbeddedPostgres().Count, results.Sum(r => r.Count));
        Assert.Contains(results, r => r.Count == 0);
    }

    [SkippableFact]
    public async Task A_changed_shipped_migration_is_refused_and_a_failing_one_leaves_nothing()
    {
        await using var db = new PostgresDatabase(await postgres.NewDatabaseAsync());
        var v1 = new[] { new Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);") };
        await new PostgresMigrationRunner(db, v1, TimeProvider.System).ApplyAsync(default);

        var edited = new[] { new Migration(1, "0001_a", "CREATE TABLE a (x BIGINT);") };
        var changed = await Assert.ThrowsAsync<StorageException>(() => new PostgresMigrationRunner(db, edited, TimeProvider.System).ApplyAsync(default));
        Assert.Contains("0001_a differs", changed.Message, StringComparison.Ordinal);

        var broken = v1.Append(new Migration(2, "0002_b", "CREATE TABLE b (y INTEGER);")).Append(new Migration(3, "0003_c", "CREATE TABLE c (z NOSUCHTYPE);")).ToArray();
        var failed = await Assert.ThrowsAsync<StorageException>(() => new PostgresMigrationRunner(db, broken, TimeProvider.System).ApplyAsync(default));
        Assert.Contains("0003_c failed", failed.Message, StringComparison.Ordinal);
        await using var c = await db.OpenAsync(default);
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_tables WHERE tablename = 'b'"));
        Assert.Equal([1], await c.QueryAsync<int>("SELECT version FROM schema_migrations"));
    }

    [SkippableFact]
    public async Task Case_insensitive_addresses_and_the_call_back_change_feed_behave_as_on_sqlite()
    {
        await using var db = new PostgresDatabase(await postgres.NewDatabaseAsync());
        await new PostgresMigrationRunner(db, TimeProvider.System).ApplyAsync(default);
        await using var c = await db.OpenAsync(default);

        await c.ExecuteAsync("INSERT INTO customers (id, name, updated_at) VALUES ('carol', 'Carol', '2026-12-07T00:00:00.0000000+00:00')");
        await c.ExecuteAsync("INSERT INTO customer_im_addresses (address, customer_id) VALUES ('Carol@Example.COM', 'carol')");
        Assert.Equal("carol", await c.ExecuteScalarAsync<string>("SELECT customer_id FROM customer_im_addresses WHERE address = 'carol@example.com'"));
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() =>
            c.ExecuteAsync("INSERT INTO customer_im_addresses (address, customer_id) VALUES ('CAROL@example.com', 'carol')"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);

        const string insert = """
            INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status, updated_at)
            VALUES (@Id, 'sales', 'Voice', '+4930123', '2026-12-07T10:00:00.0000000+00:00', 0, '2026-12-07T09:00:00.0000000+00:00', 'scheduled', '2026-12-07T09:00:00.0000000+00:00')
            """;
        await c.ExecuteAsync(insert, new { Id = "cb-1" });
        await c.ExecuteAsync("UPDATE callbacks SET status = 'queued' WHERE id = 'cb-1'");
        await c.ExecuteAsync("UPDATE callbacks SET name = 'not a counted column' WHERE id = 'cb-1'");
        await c.ExecuteAsync("DELETE FROM callbacks WHERE id = 'cb-1'");
        Assert.Equal(["cb-1", "cb-1", "cb-1"], await c.QueryAsync<string>("SELECT id FROM callback_changes ORDER BY seq"));
    }
}
