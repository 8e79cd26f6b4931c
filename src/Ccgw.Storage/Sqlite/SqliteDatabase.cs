using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// The gateway's SQLite file. Every connection runs with <c>synchronous=FULL</c> because several replies
/// (a 202 for a help request, a SIP 200 for a REGISTER) promise that the data survives a power cut, and WAL
/// with FULL makes each commit durable at the cost of one fsync. Foreign keys are on; writers wait on the
/// lock rather than fail (busy_timeout).
/// </summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    /// <summary>Native connections (kept by the pool across opens) whose per-connection PRAGMAs are set.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = [];

    private static readonly object Configured = new();

    public SqliteDatabase(string path)
    {
        SQLitePCL.Batteries_V2.Init();
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>
    /// SQLITE_BUSY and SQLITE_LOCKED (https://www.sqlite.org/rescode.html): another connection held the write lock past
    /// busy_timeout. Worth trying the same work again later; any other failure is not.
    /// </summary>
    public static bool IsBusy(Exception e) => e is SqliteException { SqliteErrorCode: 5 or 6 };

    /// <summary>
    /// This process's writers take turns at the write lock here, first come first served (see <see cref="SqliteWriteTurns"/>):
    /// each write transaction is begun and ended inside a turn.
    /// </summary>
    public SqliteWriteTurns WriteTurns { get; } = new();

    /// <summary>Creates the directory and file if needed and switches the file to WAL (a persistent setting).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = (string?)await command.ExecuteScalarAsync(cancellationToken);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new StorageException($"could not switch {Path} to WAL (journal_mode is '{mode}'); is it on a network file system?");
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // The settings belong to the native connection, which the pool keeps across opens: set them once per
            // native handle, not on every open (three statements were 3 % of a call-back dial-out's CPU).
            if (connection.Handle is { } handle && _configured.TryGetValue(handle, out _)) return connection;
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;";
            await command.ExecuteNonQueryAsync(cancellationToken);
            if (connection.Handle is { } configured) _configured.AddOrUpdate(configured, Configured);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Readiness probe: the file opens and answers a query.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM schema_migrations;";
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}

/// <summary>A storage failure with a message an operator can act on.</summary>
public sealed class StorageException(string message, Exception? inner = null) : Exception(message, inner);
