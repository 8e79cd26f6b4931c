using System.Globalization;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// Applies pending migrations at start, each in its own IMMEDIATE transaction together with its row in
/// <c>schema_migrations</c>, so a crash leaves either the whole step or none of it. Re-running is a no-op.
/// Forward-only: a database that has a version this build does not know, or whose applied migration text
/// changed, is refused rather than guessed at.
/// </summary>
public sealed class MigrationRunner(SqliteDatabase database, IReadOnlyList<Migration> migrations, TimeProvider time)
{
    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        );
        """;

    public MigrationRunner(SqliteDatabase database, TimeProvider time) : this(database, Migration.Embedded(), time)
    {
    }

    /// <summary>Returns the migrations applied by this call (empty when the schema was current).</summary>
    public async Task<IReadOnlyList<Migration>> ApplyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(CreateTable, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<AppliedRow>(new CommandDefinition(
            "SELECT version AS Version, name AS Name, checksum AS Checksum FROM schema_migrations ORDER BY version",
            cancellationToken: cancellationToken))).ToDictionary(r => r.Version);

        var known = migrations.ToDictionary(m => m.Version);
        foreach (var row in applied.Values)
        {
            if (!known.TryGetValue((int)row.Version, out var migration))
                throw new StorageException($"database {database.Path} has schema version {row.Version} ({row.Name}) that this ccgw does not know; it was written by a newer release: upgrade ccgw or restore a backup");
            if (migration.Checksum != row.Checksum)
                throw new StorageException($"migration {migration.Name} differs from the one applied to {database.Path}; shipped migrations must never change: add a new one instead");
        }

        var done = new List<Migration>();
        foreach (var migration in migrations)
        {
            if (applied.ContainsKey(migration.Version)) continue;
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
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
                await transaction.CommitAsync(cancellationToken);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                throw new StorageException($"migration {migration.Name} failed: {e.Message}", e);
            }
            done.Add(migration);
        }
        return done;
    }

    /// <summary>The highest applied version, or 0 for an empty database.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(CreateTable, cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT coalesce(max(version), 0) FROM schema_migrations", cancellationToken: cancellationToken));
    }

    private sealed record AppliedRow(long Version, string Name, string Checksum);
}
