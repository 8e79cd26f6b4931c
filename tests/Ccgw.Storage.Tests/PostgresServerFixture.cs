using Ccgw.Testing;

namespace Ccgw.Storage.Tests;

/// <summary>
/// One real PostgreSQL server for the test classes of the "postgres" collection (initdb and start cost a second or
/// two); each test takes its own database from it. Absent when Debian's postgresql package is not installed, and
/// those tests then skip visibly.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public PostgresUnderTest? Server { get; private set; }

    public async Task InitializeAsync()
    {
        if (PostgresUnderTest.IsInstalled) Server = await PostgresUnderTest.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }

    /// <summary>A fresh database's connection string; skips the test when PostgreSQL is not installed.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        Skip.If(Server is null, "PostgreSQL is not installed (apt-get install postgresql)");
        return await Server!.CreateDatabaseAsync();
    }
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>;
