using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;

/// <summary>
/// The durable intake on one storage engine, as the daemon composes it: the help-request store (group commit), the
/// call-back repository and the alert store. <c>--engine sqlite</c> (default) uses a temp file in WAL with
/// synchronous=FULL; <c>--engine postgresql --pg CONNECTION</c> an empty database the caller created (bench/storage/run.sh
/// starts a throw-away cluster with fsync on, so both engines pay for durability).
/// </summary>
internal sealed class IntakeStorage : IAsyncDisposable
{
    private readonly Func<long> _commits;
    private readonly Func<long> _committed;
    private readonly Func<ValueTask> _dispose;

    private IntakeStorage(string engine, IHelpRequestStore store, ICallbackRepository callbacks, ICustomerAlertStore alerts,
        SqliteDatabase? sqlite, Func<long> commits, Func<long> committed, Func<ValueTask> dispose)
    {
        Engine = engine;
        Store = store;
        Callbacks = callbacks;
        Alerts = alerts;
        Sqlite = sqlite;
        _commits = commits;
        _committed = committed;
        _dispose = dispose;
    }

    public string Engine { get; }
    public IHelpRequestStore Store { get; }
    public ICallbackRepository Callbacks { get; }
    public ICustomerAlertStore Alerts { get; }

    /// <summary>Set on SQLite only: the --other-writes writer commits through it.</summary>
    public SqliteDatabase? Sqlite { get; }

    public long Commits => _commits();
    public long Committed => _committed();

    public static async Task<IntakeStorage> OpenAsync(string engine, string? postgres, int batch)
    {
        if (engine == "postgresql")
        {
            var connection = postgres ?? throw new ArgumentException("--engine postgresql needs --pg CONNECTION (bench/storage/run.sh gives one)");
            var database = new PostgresDatabase(connection);
            await new PostgresMigrationRunner(database, TimeProvider.System).ApplyAsync(default);
            var store = new PostgresHelpRequestStore(database, TimeProvider.System, batch);
            return new IntakeStorage("PostgreSQL (fsync and synchronous_commit as the server sets them)", store,
                new PostgresCallbackRepository(database, TimeProvider.System), new PostgresCustomerAlertStore(database), null,
                () => store.Commits, () => store.Committed, async () =>
                {
                    await store.DisposeAsync();
                    await database.DisposeAsync();
                });
        }
        if (engine != "sqlite") throw new ArgumentException($"--engine {engine}: sqlite or postgresql");

        var dir = Directory.CreateTempSubdirectory("ccgw-bench-help-").FullName;
        var db = new SqliteDatabase(Path.Combine(dir, "ccgw.db"));
        await db.InitializeAsync(default);
        await new MigrationRunner(db, TimeProvider.System).ApplyAsync(default);
        var sqliteStore = new SqliteHelpRequestStore(db, TimeProvider.System, batch);
        return new IntakeStorage("SQLite (WAL, synchronous=FULL)", sqliteStore, new SqliteCallbackRepository(db, TimeProvider.System),
            new SqliteCustomerAlertStore(db), db, () => sqliteStore.Commits, () => sqliteStore.Committed, async () =>
            {
                await sqliteStore.DisposeAsync();
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(dir, recursive: true);
            });
    }

    public ValueTask DisposeAsync() => _dispose();
}
