using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Tests;

/// <summary>
/// A storage engine under test (issue 22: every storage test against both): a freshly migrated database and the core
/// repositories on it. SQLite in a temporary folder; PostgreSQL a database of its own on the collection's real server.
/// </summary>
public abstract class EngineUnderTest : IAsyncDisposable
{
    /// <summary>False when the engine cannot run here (PostgreSQL not installed): the test skips, visibly.</summary>
    public abstract bool Available { get; }

    public abstract Task StartAsync();

    public abstract ICallbackRepository Callbacks(TimeProvider time);

    public abstract ICallbackListReader ListReader();

    /// <summary>The help-request intake; the caller disposes it (its writer drains).</summary>
    public abstract IHelpRequestStore HelpRequests(TimeProvider time);

    public abstract ICustomerRepository Customers(TimeProvider time);

    public abstract IInteractionHistoryRepository History();

    public abstract IInteractionTranscriptRepository Transcripts();

    public abstract IRegistrationBindingStore Bindings();

    /// <summary>Plain SQL on a connection of its own, as a tool outside the repositories would write.</summary>
    public abstract Task ExecuteAsync(string sql, object? parameters = null);

    public abstract ValueTask DisposeAsync();
}

public sealed class SqliteEngine : EngineUnderTest
{
    private readonly MigratedDatabase _db = new();

    public SqliteDatabase Database => _db.Database;

    public override bool Available => true;

    public override Task StartAsync() => _db.InitializeAsync();

    public override ICallbackRepository Callbacks(TimeProvider time) => new SqliteCallbackRepository(Database, time);

    public override ICallbackListReader ListReader() => new SqliteCallbackListReader(Database);

    public override IHelpRequestStore HelpRequests(TimeProvider time) => new SqliteHelpRequestStore(Database, time);

    public override ICustomerRepository Customers(TimeProvider time) => new SqliteCustomerRepository(Database, time);

    public override IInteractionHistoryRepository History() => new SqliteInteractionHistoryRepository(Database);

    public override IInteractionTranscriptRepository Transcripts() => new SqliteInteractionTranscriptRepository(Database);

    public override IRegistrationBindingStore Bindings() => new SqliteRegistrationBindingStore(Database);

    public override async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var c = await Database.OpenAsync(default);
        await c.ExecuteAsync(sql, parameters);
    }

    public override async ValueTask DisposeAsync() => await _db.DisposeAsync();
}

public sealed class PostgresEngine(PostgresServerFixture server) : EngineUnderTest
{
    private PostgresDatabase? _database;

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("not started");

    public override bool Available => server.Server is not null;

    public override async Task StartAsync()
    {
        if (!Available) return;
        _database = new PostgresDatabase(await server.Server!.CreateDatabaseAsync());
        await new PostgresMigrationRunner(_database, TimeProvider.System).ApplyAsync(default);
    }

    public override ICallbackRepository Callbacks(TimeProvider time) => new PostgresCallbackRepository(Database, time);

    public override ICallbackListReader ListReader() => new PostgresCallbackListReader(Database);

    public override IHelpRequestStore HelpRequests(TimeProvider time) => new PostgresHelpRequestStore(Database, time);

    public override ICustomerRepository Customers(TimeProvider time) => new PostgresCustomerRepository(Database, time);

    public override IInteractionHistoryRepository History() => new PostgresInteractionHistoryRepository(Database);

    public override IInteractionTranscriptRepository Transcripts() => new PostgresInteractionTranscriptRepository(Database);

    public override IRegistrationBindingStore Bindings() => new PostgresRegistrationBindingStore(Database);

    public override async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var c = await Database.OpenAsync(default);
        await c.ExecuteAsync(sql, parameters);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }
}

/// <summary>
/// Base of the tests that run against both engines: a subclass per engine (<c>Sqlite…</c>, <c>Postgres…</c>) gives the
/// engine; the PostgreSQL ones belong to the "postgres" collection (one server) and skip when it is not installed.
/// </summary>
public abstract class EngineTests(EngineUnderTest engine) : IAsyncLifetime
{
    protected EngineUnderTest Engine
    {
        get
        {
            Skip.IfNot(engine.Available, "PostgreSQL is not installed (apt-get install postgresql)");
            return engine;
        }
    }

    public Task InitializeAsync() => engine.StartAsync();

    public Task DisposeAsync() => engine.DisposeAsync().AsTask();
}
