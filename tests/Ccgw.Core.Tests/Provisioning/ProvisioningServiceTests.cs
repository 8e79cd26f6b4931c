using Ccgw.Core.Provisioning;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Provisioning;

/// <summary>
/// The provisioning service over the real engine (manual clock) and an in-memory store: the file seeds once, the store
/// wins after, changes reach the core and the live logins, refusals name why, and every change is audited.
/// </summary>
public sealed class ProvisioningServiceTests : IAsyncLifetime
{
    private const string Realm = "localhost";
    private readonly ManualTimeProvider _time = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStore _store = new();
    private RoutingEngine _engine = null!;
    private StaffLoginDirectory _logins = null!;
    private ProvisioningService _service = null!;
    private Task _run = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _engine = NewEngine();
        _logins = new StaffLoginDirectory(FileStaff().Select(s => new StaffLogin(s.Id, s.Role, Parse(s.Credential))));
        _service = new ProvisioningService(_engine, _store, _logins, Realm, _time, NullLogger<ProvisioningService>.Instance);
        _run = _engine.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    private RoutingEngine NewEngine() => new(new ContactCenterDefinition([Agent("alice", "sales:5"), Agent("bob", "billing:5")],
        [Queue("sales", "sales:1", priority: 5), Queue("billing", "billing:1", priority: 5)], new RoutingOptions()), _time);

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }

    [Fact]
    public async Task An_empty_store_takes_the_file_and_a_seeded_store_wins_at_the_next_start()
    {
        await _service.StartAsync(FileStaff(), default);
        Assert.True(_store.Seeded);
        Assert.Equal(["alice", "bob", "sup"], _store.Staff.Keys.Order());
        Assert.All(_store.Audit, a => Assert.Equal("seed", a.Action));

        // The next start: bob was removed and dave added meanwhile; the file still names bob and not dave.
        _store.Staff.Remove("bob");
        _store.Staff["dave"] = new StaffRecord("dave", StaffRole.Agent, "Dave", StoredCredential.Derive("dave", Realm, "dave-secret").ToString(),
            new ProvisionedAgent("dave", "Dave", new Dictionary<string, int> { ["billing"] = 4 }, new ChannelCapacity(), [], false, []));
        await _service.StartAsync(FileStaff(), default);

        var agents = (await _engine.GetSnapshotAsync()).Agents.Keys.Order().ToList();
        Assert.Equal(["alice", "dave"], agents);
        Assert.Null(_logins.Find("bob"));
        Assert.True(_logins.Find("dave")!.Credential.Verify("dave-secret"));
    }

    [Fact]
    public async Task An_added_agent_routes_logs_in_and_is_audited_without_its_password()
    {
        await _service.StartAsync(FileStaff(), default);

        var created = await _service.CreateAgentAsync("admin-token:12345678", "dave",
            new AgentChange("Dave Day", "dave-secret", new Dictionary<string, int> { ["billing"] = 5 }, new ChannelCapacity(1, 2, 1)), default);

        Assert.Equal(ProvisioningOutcome.Created, created.Outcome);
        Assert.Equal("Dave Day", created.Value!.Name);
        Assert.True(_logins.Find("dave")!.Credential.Verify("dave-secret"));
        Assert.Equal(StaffRole.Agent, _logins.FindLowerCase("dave")!.Role);
        Assert.True((await _engine.SetAgentStateAsync("dave", AgentStateRequest.Ready)).IsOk);
        var call = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "billing" });
        Assert.Equal("dave", call.AgentId);

        var audit = Assert.Single(await _service.ListAuditAsync("agent", "dave", 10, default));
        Assert.Equal(("admin-token:12345678", "create"), (audit.Actor, audit.Action));
        Assert.Null(audit.Before);
        Assert.Contains("\"passwordChanged\":true", audit.After);
        Assert.DoesNotContain("dave-secret", audit.After);
        Assert.DoesNotContain(_store.Staff["dave"].Credential, audit.After);
        Assert.Equal(ProvisioningOutcome.Conflict, (await _service.CreateAgentAsync("x", "dave", new AgentChange(Password: "another-one"), default)).Outcome);
    }

    [Fact]
    public async Task Removing_an_agent_on_a_call_is_refused_naming_the_call_and_she_keeps_her_login()
    {
        await _service.StartAsync(FileStaff(), default);
        Assert.True((await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready)).IsOk);
        var call = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "billing" });
        Assert.True((await _engine.AcceptOfferAsync("bob", call.InteractionId)).IsOk);

        var refused = await _service.RemoveAgentAsync("admin", "bob", default);

        Assert.Equal(ProvisioningOutcome.Conflict, refused.Outcome);
        Assert.Contains(call.InteractionId, refused.Message);
        Assert.NotNull(_logins.Find("bob"));
        Assert.True(_store.Staff.ContainsKey("bob"));
        Assert.True((await _engine.EndInteractionAsync(call.InteractionId, TimeSpan.Zero)).IsOk);
        Assert.Equal(ProvisioningOutcome.Ok, (await _service.RemoveAgentAsync("admin", "bob", default)).Outcome);
        Assert.Null(_logins.Find("bob"));
        Assert.False(_store.Staff.ContainsKey("bob"));
        Assert.Equal("delete", _store.Audit[^1].Action);
    }

    [Fact]
    public async Task Bad_fields_are_refused_naming_the_field_and_nothing_is_stored()
    {
        await _service.StartAsync(FileStaff(), default);
        var before = _store.Audit.Count;

        var shortPassword = await _service.CreateAgentAsync("admin", "erin", new AgentChange(Password: "short"), default);
        var badLevel = await _service.CreateAgentAsync("admin", "erin", new AgentChange(Password: "long-enough", Skills: new Dictionary<string, int> { ["sales"] = 11 }), default);
        var badId = await _service.CreateAgentAsync("admin", "Erin!", new AgentChange(Password: "long-enough"), default);
        var badQueue = await _service.UpdateQueueAsync("admin", "sales", new QueueChange(Overflow: new ProvisionedOverflow(10, "sales")), default);

        Assert.Equal(("password", ProvisioningOutcome.Invalid), (shortPassword.Field, shortPassword.Outcome));
        Assert.Equal("skills.sales", badLevel.Field);
        Assert.Equal("id", badId.Field);
        Assert.Equal("overflow.queue", badQueue.Field);
        Assert.Equal(before, _store.Audit.Count);
        Assert.Null(_logins.Find("erin"));
    }

    [Fact]
    public async Task A_queue_change_is_stored_audited_and_the_next_offer_follows_it()
    {
        await _service.StartAsync(FileStaff(), default);
        Assert.True((await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready)).IsOk);

        var changed = await _service.UpdateQueueAsync("admin", "sales", new QueueChange(Skills: new Dictionary<string, int> { ["billing"] = 2 }), default);
        var call = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });

        Assert.Equal(ProvisioningOutcome.Ok, changed.Outcome);
        Assert.Equal("bob", call.AgentId);
        Assert.Equal(2, Assert.Single(_store.Queues).Skills["billing"]);
        var audit = _store.Audit[^1];
        Assert.Equal(("queue", "sales", "update"), (audit.Resource, audit.ResourceId, audit.Action));
        Assert.Contains("\"sales\":1", audit.Before);
        Assert.Contains("\"billing\":2", audit.After);
    }

    [Fact]
    public async Task A_created_queue_routes_at_once_is_refused_removal_while_used_and_comes_back_after_a_restart()
    {
        await _service.StartAsync(FileStaff(), default);
        Assert.True((await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready)).IsOk);

        var created = await _service.CreateQueueAsync("admin", "vip", new QueueChange(Skills: new Dictionary<string, int> { ["billing"] = 3 }, Priority: 8), default);
        Assert.Equal(ProvisioningOutcome.Created, created.Outcome);
        Assert.Equal(QueueOrigin.Api, created.Value!.Origin);
        Assert.Equal(ProvisioningOutcome.Conflict, (await _service.CreateQueueAsync("admin", "vip", new QueueChange(Skills: new Dictionary<string, int> { ["x"] = 1 }), default)).Outcome);
        Assert.Equal("skills", (await _service.CreateQueueAsync("admin", "empty", new QueueChange(), default)).Field);
        Assert.Equal("id", (await _service.CreateQueueAsync("admin", "Bad Id", new QueueChange(Skills: new Dictionary<string, int> { ["x"] = 1 }), default)).Field);
        var call = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "vip" });
        Assert.Equal("bob", call.AgentId);
        var waiting = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "vip" });
        Assert.Equal(InteractionState.Queued, waiting.State);

        var busy = await _service.RemoveQueueAsync("admin", "vip", default);
        Assert.Equal(ProvisioningOutcome.Conflict, busy.Outcome);
        Assert.Contains(waiting.InteractionId, busy.Message);
        var file = await _service.RemoveQueueAsync("admin", "sales", default);
        Assert.Equal(ProvisioningOutcome.Conflict, file.Outcome);
        Assert.Contains("configuration file", file.Message);
        Assert.Equal(ProvisioningOutcome.NotFound, (await _service.RemoveQueueAsync("admin", "nope", default)).Outcome);
        Assert.Equal([QueueOrigin.File, QueueOrigin.File, QueueOrigin.Api], (await _service.ListQueuesAsync(default)).Select(q => q.Origin));

        // A fresh core from the same file and the same store: the created queue is opened again with its settings.
        using var stop = new CancellationTokenSource();
        var engine = NewEngine();
        var run = engine.RunAsync(stop.Token);
        var service = new ProvisioningService(engine, _store, _logins, Realm, _time, NullLogger<ProvisioningService>.Instance);
        await service.StartAsync(FileStaff(), default);
        var vip = Assert.Single(await service.ListQueuesAsync(default), q => q.Id == "vip");
        Assert.Equal((8, QueueOrigin.Api), (vip.Priority, vip.Origin));

        Assert.Equal(ProvisioningOutcome.Ok, (await service.RemoveQueueAsync("admin", "vip", default)).Outcome);
        Assert.DoesNotContain(_store.Queues, q => q.Id == "vip");
        Assert.Equal(("delete", "queue", "vip"), (_store.Audit[^1].Action, _store.Audit[^1].Resource, _store.Audit[^1].ResourceId));
        Assert.Null(_store.Audit[^1].After);
        Assert.DoesNotContain("vip", (await engine.GetSnapshotAsync()).Queues.Keys);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_queue_with_a_pending_call_back_is_not_removed()
    {
        var users = new FixedUsers("1 call-back(s) are pending for queue 'vip' (cb-1)");
        _service = new ProvisioningService(_engine, _store, _logins, Realm, _time, NullLogger<ProvisioningService>.Instance, users);
        await _service.StartAsync(FileStaff(), default);
        await _service.CreateQueueAsync("admin", "vip", new QueueChange(Skills: new Dictionary<string, int> { ["billing"] = 3 }), default);

        var refused = await _service.RemoveQueueAsync("admin", "vip", default);

        Assert.Equal(ProvisioningOutcome.Conflict, refused.Outcome);
        Assert.Contains("cb-1", refused.Message);
        Assert.Contains("vip", (await _engine.GetSnapshotAsync()).Queues.Keys);
    }

    [Fact]
    public async Task A_seeded_store_starts_without_deriving_the_files_passwords_and_an_empty_one_puts_the_file_in_the_logins()
    {
        // Issue 21: deriving every password (PBKDF2, twice each) at every start took 1,000 agents seconds; the store
        // holds the derived credentials once seeded, so only the first start may make the file's people.
        var empty = new StaffLoginDirectory([]);
        var service = new ProvisioningService(_engine, _store, empty, Realm, _time, NullLogger<ProvisioningService>.Instance);
        var made = 0;
        await service.StartAsync(() =>
        {
            made++;
            return FileStaff();
        }, default);
        Assert.Equal(1, made);
        Assert.True(empty.Find("alice")!.Credential.Verify("demo-alice"));
        Assert.Equal(StaffRole.Supervisor, empty.Find("sup")!.Role);

        var restarted = new StaffLoginDirectory([]);
        var again = new ProvisioningService(_engine, _store, restarted, Realm, _time, NullLogger<ProvisioningService>.Instance);
        await again.StartAsync(() => throw new InvalidOperationException("the file's people were made although the store is seeded"), default);

        Assert.Equal(_store.Staff["alice"].Credential, restarted.Find("alice")!.Credential.ToString());
        Assert.Equal(["alice", "bob"], (await _engine.GetSnapshotAsync()).Agents.Keys.Order());
    }

    [Fact]
    public async Task Repeating_a_password_keeps_the_stored_hash_and_a_new_password_replaces_it()
    {
        await _service.StartAsync(FileStaff(), default);
        var stored = _store.Staff["alice"].Credential;
        var supervisor = _store.Staff["sup"].Credential;

        Assert.Equal(ProvisioningOutcome.Ok, (await _service.UpdateAgentAsync("admin", "alice", new AgentChange(Password: "demo-alice"), replace: false, default)).Outcome);
        Assert.Equal(stored, _store.Staff["alice"].Credential);
        Assert.Equal(ProvisioningOutcome.Ok, (await _service.SaveSupervisorAsync("admin", "sup", null, "demo-sup", create: false, default)).Outcome);
        Assert.Equal(supervisor, _store.Staff["sup"].Credential);

        Assert.Equal(ProvisioningOutcome.Ok, (await _service.UpdateAgentAsync("admin", "alice", new AgentChange(Password: "alice-new-secret"), replace: false, default)).Outcome);
        var changed = Parse(_store.Staff["alice"].Credential);
        Assert.NotEqual(Parse(stored).Salt, changed.Salt);
        Assert.True(changed.Verify("alice-new-secret"));
        Assert.False(changed.Verify("demo-alice"));
        Assert.True(_logins.Find("alice")!.Credential.Verify("alice-new-secret"));
    }

    private sealed class FixedUsers(string? why) : IQueueUsers
    {
        public ValueTask<string?> WhyInUseAsync(string queueId, CancellationToken cancellationToken) => ValueTask.FromResult(why);
    }

    private static IReadOnlyList<StaffRecord> FileStaff() =>
    [
        new("alice", StaffRole.Agent, "Alice", StoredCredential.Derive("alice", Realm, "demo-alice").ToString(),
            new ProvisionedAgent("alice", "Alice", new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(), [], false, [])),
        new("bob", StaffRole.Agent, "Bob", StoredCredential.Derive("bob", Realm, "demo-bob").ToString(),
            new ProvisionedAgent("bob", "Bob", new Dictionary<string, int> { ["billing"] = 5 }, new ChannelCapacity(), [], false, [])),
        new("sup", StaffRole.Supervisor, "Sam", StoredCredential.Derive("sup", Realm, "demo-sup").ToString(), null),
    ];

    private static StoredCredential Parse(string text) => StoredCredential.TryParse(text, out var c, out _) ? c : throw new InvalidOperationException(text);

    /// <summary>The store's contract in memory (the SQLite one has its own tests in Ccgw.Storage.Tests).</summary>
    private sealed class MemoryStore : IProvisioningStore
    {
        public bool Seeded { get; private set; }
        public Dictionary<string, StaffRecord> Staff { get; } = new(StringComparer.Ordinal);
        public List<ProvisionedQueue> Queues { get; } = [];
        public List<AuditEntry> Audit { get; } = [];

        public ValueTask<bool> IsSeededAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Seeded);

        public ValueTask SeedAsync(IReadOnlyList<StaffRecord> staff, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
        {
            foreach (var s in staff)
            {
                Staff[s.Id] = s;
                Append(new AuditEntry(0, at, actor, "seed", "agent", s.Id, null, "{}"));
            }
            Seeded = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask<IReadOnlyList<StaffRecord>> ListStaffAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<StaffRecord>>([.. Staff.Values]);

        public ValueTask<IReadOnlyList<ProvisionedQueue>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<ProvisionedQueue>>([.. Queues]);

        public ValueTask SaveStaffAsync(StaffRecord record, AuditEntry audit, CancellationToken cancellationToken = default)
        {
            Staff[record.Id] = record;
            Append(audit);
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteStaffAsync(string id, AuditEntry audit, CancellationToken cancellationToken = default)
        {
            Staff.Remove(id);
            Append(audit);
            return ValueTask.CompletedTask;
        }

        public ValueTask SaveQueueAsync(ProvisionedQueue queue, AuditEntry audit, CancellationToken cancellationToken = default)
        {
            Queues.RemoveAll(q => q.Id == queue.Id);
            Queues.Add(queue);
            Append(audit);
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteQueueAsync(string id, AuditEntry audit, CancellationToken cancellationToken = default)
        {
            Queues.RemoveAll(q => q.Id == id);
            Append(audit);
            return ValueTask.CompletedTask;
        }

        public ValueTask<IReadOnlyList<AuditEntry>> ListAuditAsync(string? resource, string? resourceId, int limit, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<AuditEntry>>([.. Audit.Where(a => (resource is null || a.Resource == resource) && (resourceId is null || a.ResourceId == resourceId))
                .OrderByDescending(a => a.Sequence).Take(limit)]);

        private void Append(AuditEntry entry) => Audit.Add(entry with { Sequence = Audit.Count + 1 });
    }
}
