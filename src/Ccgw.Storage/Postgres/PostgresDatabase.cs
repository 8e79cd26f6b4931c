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

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
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
