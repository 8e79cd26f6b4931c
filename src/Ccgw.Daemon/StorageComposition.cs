using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Daemon;

/// <summary>
/// Chooses the storage engine (<c>Storage:Engine</c>) and registers the core repositories on it: call-backs, their list
/// reader, the help-request intake, customers and their XMPP credentials, interaction history, transcripts, registrar
/// bindings, portal accounts, sign-in links, alerts, self-help, catalogue and orders, provisioning (people, queues, flows) and the report reader.
/// The SQLite file in <c>Data:Directory</c> is opened with either engine: stores without a PostgreSQL class yet (trunk
/// provisioning, invitations, alert media, e-mail tasks) keep using it, registered where their feature is composed.
/// </summary>
internal static class StorageComposition
{
    /// <summary>Key of the engine's own call-back repository and help-request store, which the call-back area wraps.</summary>
    public const string Engine = "storage-engine";

    public static void AddStorage(this IServiceCollection services, GatewayOptions options, ConfigContext context, string dataDirectory)
    {
        services.AddSingleton(new SqliteDatabase(Path.Combine(dataDirectory, "ccgw.db")));
        if (options.Storage.IsPostgreSql)
            AddPostgres(services, options.Storage, context);
        else
            AddSqlite(services);
    }

    private static void AddSqlite(IServiceCollection services)
    {
        services.AddSingleton<IStorageEngine, SqliteStorageEngine>();
        services.AddSingleton<ICustomerRepository, SqliteCustomerRepository>();
        services.AddSingleton<ICustomerCredentialStore, SqliteCustomerCredentialStore>();
        services.AddSingleton<IInteractionHistoryRepository, SqliteInteractionHistoryRepository>();
        services.AddKeyedSingleton<ICallbackRepository>(Engine, (sp, _) =>
            new SqliteCallbackRepository(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICallbackListReader, SqliteCallbackListReader>();
        services.AddKeyedSingleton<IHelpRequestStore>(Engine, (sp, _) =>
            new SqliteHelpRequestStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IInteractionTranscriptRepository>(sp => new SqliteInteractionTranscriptRepository(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IRegistrationBindingStore>(sp => new SqliteRegistrationBindingStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IReportHistoryReader, SqliteReportHistoryReader>();
        services.AddSingleton<IProvisioningStore>(sp => new SqliteProvisioningStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IFlowProvisioningStore>(sp => new SqliteFlowProvisioningStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<ICustomerAlertStore, SqliteCustomerAlertStore>();
        services.AddSingleton<ICustomerAccountStore, SqliteCustomerAccountStore>();
        services.AddSingleton<ISignInLinkStore, SqliteSignInLinkStore>();
        services.AddSingleton<IWizardRepository, SqliteWizardRepository>();
        services.AddSingleton<ICatalogueRepository, SqliteCatalogueRepository>();
        services.AddSingleton<IOrderRepository, SqliteOrderRepository>();
        services.AddSingleton<ISelfHelpTrailRepository, SqliteSelfHelpTrailRepository>();
    }

    private static void AddPostgres(IServiceCollection services, StorageOptions storage, ConfigContext context)
    {
        // The password is read here, once, and handed to Npgsql; it is never logged (Description holds none).
        var password = storage.PasswordFile is { } file ? ReadPassword(context.Resolve(file)) : null;
        services.AddSingleton(_ => new PostgresDatabase(storage.ConnectionString!, password));
        services.AddSingleton<IStorageEngine, PostgresStorageEngine>();
        services.AddSingleton<ICustomerRepository, PostgresCustomerRepository>();
        services.AddSingleton<ICustomerCredentialStore, PostgresCustomerCredentialStore>();
        services.AddSingleton<IInteractionHistoryRepository, PostgresInteractionHistoryRepository>();
        services.AddKeyedSingleton<ICallbackRepository>(Engine, (sp, _) =>
            new PostgresCallbackRepository(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICallbackListReader, PostgresCallbackListReader>();
        services.AddKeyedSingleton<IHelpRequestStore>(Engine, (sp, _) =>
            new PostgresHelpRequestStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IInteractionTranscriptRepository>(sp => new PostgresInteractionTranscriptRepository(sp.GetRequiredService<PostgresDatabase>()));
        services.AddSingleton<IRegistrationBindingStore>(sp => new PostgresRegistrationBindingStore(sp.GetRequiredService<PostgresDatabase>()));
        services.AddSingleton<IReportHistoryReader, PostgresReportHistoryReader>();
        services.AddSingleton<IProvisioningStore>(sp => new PostgresProvisioningStore(sp.GetRequiredService<PostgresDatabase>()));
        services.AddSingleton<IFlowProvisioningStore>(sp => new PostgresFlowProvisioningStore(sp.GetRequiredService<PostgresDatabase>()));
        services.AddSingleton<ICustomerAlertStore, PostgresCustomerAlertStore>();
        services.AddSingleton<ICustomerAccountStore, PostgresCustomerAccountStore>();
        services.AddSingleton<ISignInLinkStore, PostgresSignInLinkStore>();
        services.AddSingleton<IWizardRepository, PostgresWizardRepository>();
        services.AddSingleton<ICatalogueRepository, PostgresCatalogueRepository>();
        services.AddSingleton<IOrderRepository, PostgresOrderRepository>();
        services.AddSingleton<ISelfHelpTrailRepository, PostgresSelfHelpTrailRepository>();
    }

    /// <summary>The first line of the file (a trailing newline from an editor or <c>echo</c> is not part of the password).</summary>
    private static string ReadPassword(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine() ?? "";
        }
        catch (IOException e)
        {
            throw new StorageException($"Storage:PasswordFile {path} could not be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageException($"Storage:PasswordFile {path} could not be read: {e.Message}", e);
        }
    }
}

/// <summary>The chosen engine as the host sees it: opened and migrated at start, probed for readiness, its transient failures named.</summary>
internal interface IStorageEngine
{
    /// <summary>Where the data is, for logs: a path or postgresql://host:port/database, never a password.</summary>
    string Description { get; }

    /// <summary>Errors worth trying the same work again for (SQLite busy; PostgreSQL serialization failure or deadlock).</summary>
    bool IsBusy(Exception e);

    /// <summary>Migrates the engine's schema; returns the steps applied now and the installation's instance id.</summary>
    Task<(IReadOnlyList<Migration> Applied, string InstanceId)> OpenAsync(CancellationToken cancellationToken);

    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);
}

internal sealed class SqliteStorageEngine(SqliteDatabase database, TimeProvider time) : IStorageEngine
{
    public string Description => database.Path;

    public bool IsBusy(Exception e) => SqliteDatabase.IsBusy(e);

    public async Task<(IReadOnlyList<Migration> Applied, string InstanceId)> OpenAsync(CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        var applied = await new MigrationRunner(database, time).ApplyAsync(cancellationToken);
        return (applied, await new GatewayInstanceStore(database, time).EnsureAsync(cancellationToken));
    }

    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken) => database.IsHealthyAsync(cancellationToken);
}

/// <summary>
/// PostgreSQL for the core repositories, plus the local SQLite file for the stores not yet ported (migrated too, so
/// they work as before). Migrations run under PostgreSQL's advisory lock: two daemons of a pair starting together apply
/// each step once.
/// </summary>
internal sealed class PostgresStorageEngine(PostgresDatabase database, SqliteDatabase local, TimeProvider time) : IStorageEngine
{
    public string Description => $"{database.Description} (and {local.Path})";

    public bool IsBusy(Exception e) => PostgresDatabase.IsRetryable(e) || SqliteDatabase.IsBusy(e);

    public async Task<(IReadOnlyList<Migration> Applied, string InstanceId)> OpenAsync(CancellationToken cancellationToken)
    {
        await local.InitializeAsync(cancellationToken);
        var applied = new List<Migration>(await new MigrationRunner(local, time).ApplyAsync(cancellationToken));
        applied.AddRange(await new PostgresMigrationRunner(database, time).ApplyAsync(cancellationToken));
        return (applied, await new PostgresGatewayInstanceStore(database, time).EnsureAsync(cancellationToken));
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken) =>
        await database.IsHealthyAsync(cancellationToken) && await local.IsHealthyAsync(cancellationToken);
}
