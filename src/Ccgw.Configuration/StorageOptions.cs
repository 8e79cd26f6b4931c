namespace Ccgw.Configuration;

/// <summary>
/// <c>Storage</c>: the engine that keeps call-backs, help requests, customers, history, transcripts and registrations.
/// SQLite (the default) is one file in <c>Data:Directory</c>; PostgreSQL is a server shared by the two daemons of a pair.
/// </summary>
public sealed class StorageOptions
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    /// <summary><c>sqlite</c> (default) or <c>postgresql</c>.</summary>
    public string Engine { get; set; } = Sqlite;

    /// <summary>
    /// PostgreSQL only: an Npgsql connection string (<c>Host=db1;Port=5432;Database=ccgw;Username=ccgw</c>). Keep the
    /// password out of it: <see cref="PasswordFile"/>, the <c>PGPASSWORD</c> environment variable or a passfile.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL only: a file whose first line is the password (e.g. a systemd credential); relative to the configuration file.</summary>
    public string? PasswordFile { get; set; }

    public bool IsPostgreSql => string.Equals(Engine, PostgreSql, StringComparison.OrdinalIgnoreCase);
}
