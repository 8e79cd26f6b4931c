using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// The gateway's PostgreSQL database (issue 22: <c>Storage:Engine postgresql</c>), through one Npgsql data source
/// (its pool). Durability is the server's: a commit returns once PostgreSQL has made it durable under its own
/// <c>synchronous_commit</c> (on by default), which is the promise our 202s and SIP 200s rely on.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;

    /// <param name="password">From <c>Storage:PasswordFile</c>; null leaves it to the connection string, PGPASSWORD or a passfile.</param>
    public PostgresDatabase(string connectionString, string? password = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (password is not null) builder.Password = password;
        // Npgsql prepares a statement on the server once it has run a few times on a connection: the repositories'
        // statements are a fixed set, so after warm-up each runs without being parsed and planned again.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        Description = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}"; // never the password
        _source = NpgsqlDataSource.Create(builder);
    }

    /// <summary>Where the database is, for logs and messages; holds no credentials.</summary>
    public string Description { get; }

    /// <summary>
    /// Serialization failure (40001) and deadlock (40P01): the transaction lost a race and is worth running again;
    /// any other failure is not (https://www.postgresql.org/docs/current/mvcc-serialization-failure-handling.html).
    /// </summary>
    public static bool IsRetryable(Exception e) => e is PostgresException { SqlState: "40001" or "40P01" };

    /// <summary>
    /// The advisory lock every writer of <c>callbacks</c> holds for its whole transaction (migration 0021's trigger takes
    /// the same one). Taken first, before any row lock, it stands in for SQLite's single writer: writers of call-backs
    /// commit one after another, the change log's sequence is commit order, and two batches updating the same rows in
    /// different orders cannot deadlock.
    /// </summary>
    public const long CallbackWriteLock = 7261001;

    /// <summary>Most runs of a transaction that lost a race (serialization failure or deadlock) before its error is the caller's.</summary>
    public const int MaxAttempts = 5;

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction (taking <see cref="CallbackWriteLock"/> first when
    /// <paramref name="callbacks"/>) and commits; a transaction that lost a race is run again from the start.
    /// </summary>
    public async Task<T> WriteAsync<T>(bool callbacks, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                if (callbacks) await LockCallbacksAsync(connection, tx, cancellationToken);
                var result = await work(connection, tx);
                await tx.CommitAsync(cancellationToken);
                return result;
            }
            catch (PostgresException e) when (IsRetryable(e) && attempt < MaxAttempts)
            {
                // Rolled back by the server already; the dispose of tx ends it on our side. Run the whole unit again.
            }
        }
    }

    public Task WriteAsync(bool callbacks, Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellationToken) =>
        WriteAsync(callbacks, async (c, tx) =>
        {
            await work(c, tx);
            return true;
        }, cancellationToken);

    /// <summary>Takes <see cref="CallbackWriteLock"/> for the rest of <paramref name="tx"/>.</summary>
    public static async Task LockCallbacksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({CallbackWriteLock})", connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken);

    /// <summary>Readiness probe: the server answers and the schema is there.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM schema_migrations", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
