using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>Provisioned people, queue settings and the audit trail (migration 0045), run against each engine.</summary>
public abstract class ProvisioningStoreTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A store on this test's own migrated database (a new instance each time, as the daemon's would be).</summary>
    protected abstract IProvisioningStore Store { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    private static StaffRecord Dave(int level = 5) => new("dave", StaffRole.Agent, "Dave", StoredCredential.Derive("dave", "localhost", "dave-secret").ToString(),
        new ProvisionedAgent("dave", "Dave", new Dictionary<string, int> { ["billing"] = level }, new ChannelCapacity(1, 3, 0), ["video"], true, ["lunch"]));

    [SkippableFact]
    public async Task The_seed_is_written_once_and_marks_the_store_seeded_even_when_empty()
    {
        Assert.False(await Store.IsSeededAsync());

        await Store.SeedAsync([], "configuration file", T0);

        Assert.True(await Store.IsSeededAsync());
        Assert.Empty(await Store.ListStaffAsync());
    }

    [SkippableFact]
    public async Task People_round_trip_with_their_settings_and_credential_and_every_change_is_audited_newest_first()
    {
        await Store.SeedAsync([new StaffRecord("sup", StaffRole.Supervisor, "Sam", StoredCredential.Derive("sup", "localhost", "demo-sup").ToString(), null)],
            "configuration file", T0);
        await Store.SaveStaffAsync(Dave(), new AuditEntry(0, T0.AddMinutes(1), "admin-token:abcd1234", "create", "agent", "dave", null, "{\"id\":\"dave\"}"));
        await Store.SaveStaffAsync(Dave(7), new AuditEntry(0, T0.AddMinutes(2), "admin-token:abcd1234", "update", "agent", "dave", "{\"id\":\"dave\"}", "{\"id\":\"dave\",\"x\":1}"));

        var staff = await Store.ListStaffAsync();
        var dave = Assert.Single(staff, s => s.Id == "dave");
        Assert.Equal(StaffRole.Agent, dave.Role);
        Assert.Equal(7, dave.Agent!.Skills["billing"]);
        Assert.Equal(new ChannelCapacity(1, 3, 0), dave.Agent.Capacity);
        Assert.Equal(["video"], dave.Agent.Capabilities);
        Assert.True(dave.Agent.ImWhileOnVoice);
        Assert.True(StoredCredential.TryParse(dave.Credential, out var credential, out _) && credential.Verify("dave-secret"));
        Assert.Null(Assert.Single(staff, s => s.Id == "sup").Agent);

        await Store.DeleteStaffAsync("dave", new AuditEntry(0, T0.AddMinutes(3), "admin-token:abcd1234", "delete", "agent", "dave", "{}", null));
        Assert.DoesNotContain(await Store.ListStaffAsync(), s => s.Id == "dave");
        var audit = await Store.ListAuditAsync("agent", "dave", 10);
        Assert.Equal(["delete", "update", "create"], audit.Select(a => a.Action));
        Assert.Equal(T0.AddMinutes(2), audit[1].At);
        Assert.Equal("{\"id\":\"dave\"}", audit[1].Before);
        Assert.Equal(4, (await Store.ListAuditAsync(null, null, 10)).Count);
        Assert.Single(await Store.ListAuditAsync(null, null, 1));
    }

    [SkippableFact]
    public async Task Queue_settings_are_replaced_by_id()
    {
        var audit = new AuditEntry(0, T0, "admin", "update", "queue", "sales", "{}", "{}");
        await Store.SaveQueueAsync(new ProvisionedQueue("sales", new Dictionary<string, int> { ["sales"] = 1 }, 5, 20, 0.8, [], null), audit);
        await Store.SaveQueueAsync(new ProvisionedQueue("sales", new Dictionary<string, int> { ["billing"] = 2 }, 6, 30, 0.9,
            [new ProvisionedWidening(60, 1)], new ProvisionedOverflow(300, "billing")), audit);

        var queue = Assert.Single(await Store.ListQueuesAsync());
        Assert.Equal(2, queue.Skills["billing"]);
        Assert.Equal((6, 30, 0.9), (queue.Priority, queue.ServiceLevelSeconds, queue.ServiceLevelTarget));
        Assert.Equal(new ProvisionedWidening(60, 1), Assert.Single(queue.Widening));
        Assert.Equal(new ProvisionedOverflow(300, "billing"), queue.Overflow);
    }

    [Fact]
    public async Task A_created_queue_keeps_its_origin_and_its_removal_is_audited_with_it()
    {
        await Store.SaveQueueAsync(new ProvisionedQueue("vip", new Dictionary<string, int> { ["vip"] = 1 }, 8, 15, 0.9, [], null, QueueOrigin.Api),
            new AuditEntry(0, T0, "admin", "create", "queue", "vip", null, "{}"));
        await Store.SaveQueueAsync(new ProvisionedQueue("sales", new Dictionary<string, int> { ["sales"] = 1 }, 5, 20, 0.8, [], null),
            new AuditEntry(0, T0, "admin", "update", "queue", "sales", "{}", "{}"));
        Assert.Equal([("sales", QueueOrigin.File), ("vip", QueueOrigin.Api)], (await Store.ListQueuesAsync()).Select(q => (q.Id, q.Origin)));

        await Store.DeleteQueueAsync("vip", new AuditEntry(0, T0.AddMinutes(1), "admin", "delete", "queue", "vip", "{}", null));

        Assert.Equal("sales", Assert.Single(await Store.ListQueuesAsync()).Id);
        var removed = (await Store.ListAuditAsync("queue", "vip", 10)).Select(a => a.Action);
        Assert.Equal(["delete", "create"], removed);
    }
}

public sealed class SqliteProvisioningStoreTests : ProvisioningStoreTests
{
    private readonly MigratedDatabase _db = new();
    protected override IProvisioningStore Store => new SqliteProvisioningStore(_db.Database);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}

[Collection("postgres")]
public sealed class PostgresProvisioningStoreTests(PostgresServerFixture postgres) : ProvisioningStoreTests
{
    private readonly MigratedPostgres _db = new(postgres);
    protected override IProvisioningStore Store => new PostgresProvisioningStore(_db.Database);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();

    [SkippableFact]
    public async Task Both_daemons_of_a_pair_seeding_at_once_seed_the_store_once()
    {
        StaffRecord[] file = [new("sup", StaffRole.Supervisor, "Sam", StoredCredential.Derive("sup", "localhost", "demo-sup").ToString(), null)];
        await using var other = new PostgresDatabase(_db.ConnectionString);

        await Task.WhenAll(
            Store.SeedAsync(file, "configuration file", T0).AsTask(),
            new PostgresProvisioningStore(other).SeedAsync(file, "configuration file", T0).AsTask());

        Assert.True(await Store.IsSeededAsync());
        Assert.Equal("seed", Assert.Single(await Store.ListAuditAsync(null, null, 10)).Action);
        // Seeded means the store wins from now on: a later seed (a restart with another file) writes nothing.
        await Store.SeedAsync([], "configuration file", T0.AddDays(1));
        Assert.Single(await Store.ListStaffAsync());
        Assert.Single(await Store.ListAuditAsync(null, null, 10));
    }
}
