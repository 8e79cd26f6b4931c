using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>Provisioned flows (migration 0055) with owner and tombstone, audited in the provisioning trail (0045); against each engine.</summary>
public abstract class FlowProvisioningStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    protected abstract IFlowProvisioningStore Store { get; }

    protected abstract IProvisioningStore Audit { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [SkippableFact]
    public async Task Flows_round_trip_with_owner_and_tombstone_ordered_by_id_and_their_audit_lands_in_the_provisioning_trail()
    {
        Assert.Empty(await Store.ListFlowsAsync());
        const string Main = "{\"start\":\"welcome\",\"steps\":{\"welcome\":{\"type\":\"hangup\"}}}";
        const string Direct = "{\"start\":\"q\",\"steps\":{\"q\":{\"type\":\"queue\",\"queue\":\"sales\"}}}";
        await Store.SaveFlowsAsync(
            [new StoredFlow("main", Main, ProvisioningSource.File, false), new StoredFlow("Z-upper", Main, ProvisioningSource.File, false)],
            [new AuditEntry(0, T0, "configuration file", "seed", "flow", "main", null, Main)], T0);
        await Store.SaveFlowsAsync(
            [new StoredFlow("main", Direct, ProvisioningSource.Api, false), new StoredFlow("Z-upper", Main, ProvisioningSource.Api, true)],
            [new AuditEntry(0, T0.AddMinutes(1), "admin-token:abcd1234", "replace", "flow", "main", Main, Direct),
             new AuditEntry(0, T0.AddMinutes(1), "admin-token:abcd1234", "delete", "flow", "Z-upper", Main, null)],
            T0.AddMinutes(1));

        // Byte-wise order on both engines: upper-case before lower-case.
        Assert.Equal([new StoredFlow("Z-upper", Main, ProvisioningSource.Api, true), new StoredFlow("main", Direct, ProvisioningSource.Api, false)],
            await Store.ListFlowsAsync());

        var audit = await Audit.ListAuditAsync("flow", "main", 10);
        Assert.Equal(["replace", "seed"], audit.Select(a => a.Action));
        Assert.Equal("admin-token:abcd1234", audit[0].Actor);
        Assert.Equal(T0.AddMinutes(1), audit[0].At);
        Assert.Equal(Main, audit[0].Before);
        Assert.Equal(Direct, audit[0].After);
        Assert.Null((await Audit.ListAuditAsync("flow", "Z-upper", 10)).Single().After);
    }
}

public sealed class SqliteFlowProvisioningStoreTests : FlowProvisioningStoreTests
{
    private readonly MigratedDatabase _db = new();
    protected override IFlowProvisioningStore Store => new SqliteFlowProvisioningStore(_db.Database);
    protected override IProvisioningStore Audit => new SqliteProvisioningStore(_db.Database);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}

[Collection("postgres")]
public sealed class PostgresFlowProvisioningStoreTests(PostgresServerFixture postgres) : FlowProvisioningStoreTests
{
    private readonly MigratedPostgres _db = new(postgres);
    protected override IFlowProvisioningStore Store => new PostgresFlowProvisioningStore(_db.Database);
    protected override IProvisioningStore Audit => new PostgresProvisioningStore(_db.Database);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}
