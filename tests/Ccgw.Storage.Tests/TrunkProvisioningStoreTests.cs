using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>Provisioned trunks and DIDs in the real SQLite (migration 0056), audited in the provisioning trail (0045).</summary>
public sealed class TrunkProvisioningStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly MigratedDatabase _db = new();
    private SqliteTrunkProvisioningStore Store => new(_db.Database);
    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Trunks_and_dids_round_trip_with_owner_and_tombstone_and_their_audit_lands_in_the_provisioning_trail()
    {
        Assert.Empty(await Store.ListTrunksAsync());
        await Store.SaveAsync(
            [new StoredTrunk("pbx", "{\"allowFrom\":[\"127.0.0.1\"]}", ProvisioningSource.File, false)],
            [new StoredDid("100", "main", "pbx", ProvisioningSource.File, false)],
            [new AuditEntry(0, T0, "configuration file", "seed", "trunk", "pbx", null, "{\"id\":\"pbx\"}")], T0);
        await Store.SaveAsync(
            [new StoredTrunk("pbx", "{\"allowFrom\":[\"127.0.0.2\"]}", ProvisioningSource.Api, false),
             new StoredTrunk("old", "{}", ProvisioningSource.Api, true)],
            [new StoredDid("100", "direct", "pbx", ProvisioningSource.Api, false)],
            [new AuditEntry(0, T0.AddMinutes(1), "admin-token:abcd1234", "replace", "did", "100", "{\"flow\":\"main\"}", "{\"flow\":\"direct\"}")],
            T0.AddMinutes(1));

        var trunks = await Store.ListTrunksAsync();
        Assert.Equal([new StoredTrunk("old", "{}", ProvisioningSource.Api, true),
            new StoredTrunk("pbx", "{\"allowFrom\":[\"127.0.0.2\"]}", ProvisioningSource.Api, false)], trunks);
        Assert.Equal([new StoredDid("100", "direct", "pbx", ProvisioningSource.Api, false)], await Store.ListDidsAsync());

        var audit = await new SqliteProvisioningStore(_db.Database).ListAuditAsync(null, null, 10);
        Assert.Equal(["did", "trunk"], audit.Select(a => a.Resource));
        Assert.Equal("admin-token:abcd1234", audit[0].Actor);
        Assert.Equal(T0.AddMinutes(1), audit[0].At);
    }
}
