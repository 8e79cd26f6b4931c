using System.Globalization;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// Applies pending PostgreSQL migrations at start, as <see cref="MigrationRunner"/> does for SQLite: forward-only,
/// checksummed, each step with its <c>schema_migrations</c> row. Two daemons of a pair may start at once on one database: a transaction-scoped advisory lock makes the second wait
/// and then find the steps done, instead of both applying them.
/// </summary>
public sealed class PostgresMigrationRunner(PostgresDatabase database, IReadOnlyList<Migration> migrations, TimeProvider time)
{
    /// <summary>Arbitrary but fixed: the advisory lock key every ccgw uses for migrating.</summary>
    private const long MigrationLock = 7261000;

    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT COLLATE "C" NOT NULL
        );
        """;

    public PostgresMigrationRunner(PostgresDatabase database, TimeProvider time) : this(database, Migration.EmbeddedPostgres(), time)
    {
    }

    /// <summary>Returns the migrations applied by this call (empty when the schema was current).</summary>
    public async Task<IReadOnlyList<Migration>> ApplyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = MigrationLock }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(CreateTable, transaction: transaction, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<AppliedRow>(new CommandDefinition(
            "SELECT version AS Version, name AS Name, checksum AS Checksum FROM schema_migrations ORDER BY version",
            transaction: transaction, cancellationToken: cancellationToken))).ToDictionary(r => r.Version);

        var known = migrations.ToDictionary(m => m.Version);
        foreach (var row in applied.Values)
        {
            if (!known.TryGetValue(row.Version, out var migration))
                throw new StorageException($"database {database.Description} has schema version {row.Version} ({row.Name}) that this ccgw does not know; it was written by a newer release: upgrade ccgw or restore a backup");
            if (migration.Checksum != row.Checksum)
                throw new StorageException($"migration {migration.Name} differs from the one applied to {database.Description}; shipped migrations must never change: add a new one instead");
        }

        // One transaction for the lock and every pending step: a crash leaves all of them or none (PostgreSQL's DDL is
        // transactional), and the second daemon of a pair waits on the lock until this commits.
        var done = new List<Migration>();
        foreach (var migration in migrations)
        {
            if (applied.ContainsKey(migration.Version)) continue;
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
            }
            catch (PostgresException e)
            {
                throw new StorageException($"migration {migration.Name} failed: {e.MessageText}", e);
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (@Version, @Name, @Checksum, @AppliedAt)",
                new
                {
                    migration.Version,
                    migration.Name,
                    migration.Checksum,
                    AppliedAt = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
                },
                transaction, cancellationToken: cancellationToken));
            done.Add(migration);
        }
        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    private sealed record AppliedRow(int Version, string Name, string Checksum);
}
