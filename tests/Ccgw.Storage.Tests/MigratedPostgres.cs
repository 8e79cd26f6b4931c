using Ccgw.Storage.Postgres;
using Npgsql;

namespace Ccgw.Storage.Tests;

/// <summary>
/// A migrated PostgreSQL database of the test's own on the collection's real server (the twin of
/// <see cref="MigratedDatabase"/>), dropped afterwards so a run leaves one small server, not hundreds of databases.
/// Skips the test visibly when PostgreSQL is not installed.
/// </summary>
public sealed class MigratedPostgres(PostgresServerFixture server) : IAsyncLifetime
{
    private string? _connectionString;

    public PostgresDatabase Database { get; private set; } = null!;

    /// <summary>For a second data source on the same database: the other daemon of a pair.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        Skip.If(server.Server is null, "PostgreSQL is not installed (apt-get install postgresql)");
        // Not the server's C locale: a database in ICU's root locale, as an operator's usually is (its text order is
        // not byte order), so the stores' promise to order and page as SQLite does whatever the locale is tested.
        var name = $"ccgw_icu_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server.Server!.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'", admin);
            await create.ExecuteNonQueryAsync();
        }
        _connectionString = server.Server.ConnectionString(name);
        Database = new PostgresDatabase(_connectionString);
        await new PostgresMigrationRunner(Database, TimeProvider.System).ApplyAsync(default);
    }

    public async Task DisposeAsync()
    {
        if (_connectionString is null || server.Server is null) return;
        await Database.DisposeAsync();
        var name = new NpgsqlConnectionStringBuilder(_connectionString).Database!;
        await using var admin = new NpgsqlConnection(server.Server.ConnectionString("postgres"));
        await admin.OpenAsync();
        // FORCE: a pooled connection of the test's data source may still be closing.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
