using System.Threading.Channels;
using Ccgw.Configuration;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Callbacks;

/// <summary>
/// The call-back scheduler's decisions on a manual clock, with the real routing core and the real SQLite call-back list.
/// Demo centre: alice (sales 5, billing 3), bob (billing 5); queues sales and billing. The test plays the voice adapter
/// (accept, connected, failed with a reason) through the core, as the real one does.
/// </summary>
public sealed class HelpRequestSchedulerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-scheduler-").FullName;
    private readonly ManualTimeProvider _time = new(T0);
    private readonly CancellationTokenSource _stop = new();
    private SqliteDatabase _db = null!;
    private SqliteCallbackRepository _callbacks = null!;
    private SqliteInteractionHistoryRepository _history = null!;
    private RoutingEngine _engine = null!;
    private ChannelReader<CoreEvent> _events = null!;
    private ContactCenterDefinition _definition = null!;
    private Task _loop = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir, "ccgw.db"));
        await _db.InitializeAsync(default);
        await new MigrationRunner(_db, TimeProvider.System).ApplyAsync(default);
        _callbacks = new SqliteCallbackRepository(_db, _time);
        _history = new SqliteInteractionHistoryRepository(_db);
        var options = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>()).Options;
        _definition = CoreDefinitions.From(options);
        _engine = new RoutingEngine(_definition, _time);
        _events = _engine.Subscribe();
        _loop = _engine.RunAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private CallbackDispatcher Dispatcher(int maxAttempts = 3, int backoffSeconds = 60) => new(_engine, _definition,
        new CallbackPolicies(_definition.Queues.Select(q => new CallbackQueuePolicy(q.Id, q.Id, MaxAttempts: maxAttempts,
            RetryBackoff: TimeSpan.FromSeconds(backoffSeconds)))),
        _callbacks, _history, NullLogger<CallbackDispatcher>.Instance);

    private async Task AddAsync(string id, string queue, TimeSpan dueIn, string address = "+15550199", CallbackStatus status = CallbackStatus.Scheduled) =>
        await _callbacks.AddAsync(new CallbackRequest(id, queue, InteractionChannel.Callback, address, T0 + dueIn, 0, T0 - TimeSpan.FromMinutes(10), status));

    /// <summary>Feeds the dispatcher every event the core has emitted so far (the scheduler's loop does this in the daemon).</summary>
    private async Task PumpAsync(CallbackDispatcher dispatcher)
    {
        while (_events.TryRead(out var e)) await dispatcher.HandleAsync(e, default);
    }

    private async Task<CallbackRequest> Row(string id) => (await _callbacks.GetAsync(id))!;

    [Fact]
    public async Task Starts_only_due_call_backs_which_wait_in_the_core_until_an_agent_is_offered_them_in_order()
    {
        // Issue 15 changed this: a due call-back no longer waits for an idle agent before it is handed to the core; it
        // waits in the core's queue (reserving the next agent in its turn) and the core offers in the queue's order.
        var dispatcher = Dispatcher();
        await AddAsync("cb-sales-1", "sales", TimeSpan.FromMinutes(-2));
        await AddAsync("cb-sales-2", "sales", TimeSpan.FromMinutes(-1));
        await AddAsync("cb-billing", "billing", TimeSpan.Zero);
        await AddAsync("cb-later", "sales", TimeSpan.FromMinutes(10));

        // Nobody is ready, yet every due call-back is handed over, once; the one booked for later is not.
        Assert.Equal(["cb-sales-1", "cb-sales-2", "cb-billing"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Empty(await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Equal(CallbackStatus.Queued, (await Row("cb-sales-2")).Status);
        Assert.Equal(InteractionState.Queued, (await _engine.GetInteractionAsync("cb-sales-2"))!.Interaction.State);
        Assert.Equal(2, (await _engine.GetInteractionAsync("cb-sales-2"))!.Position);

        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await PumpAsync(dispatcher);
        // alice serves both queues but is one agent: exactly one call-back is offered, the first due.
        var started = await Row("cb-sales-1");
        Assert.Equal(CallbackStatus.Queued, started.Status);
        Assert.Equal(1, started.Attempts);
        Assert.Equal(T0, started.LastAttemptAt);
        Assert.Equal("alice", (await _engine.GetInteractionAsync("cb-sales-1"))!.Interaction.AgentId);
        Assert.Equal(T0 - TimeSpan.FromMinutes(10), (await _engine.GetInteractionAsync("cb-sales-1"))!.Interaction.Request.OriginalStartedAt);
        Assert.Null((await _engine.GetInteractionAsync("cb-sales-2"))!.Interaction.AgentId);

        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        await PumpAsync(dispatcher);
        // bob has no sales skill: the billing call-back is his, the second sales one waits.
        Assert.Equal("bob", (await _engine.GetInteractionAsync("cb-billing"))!.Interaction.AgentId);
        Assert.Null((await _engine.GetInteractionAsync("cb-sales-2"))!.Interaction.AgentId);
        Assert.Equal(1, (await _engine.GetInteractionAsync("cb-sales-2"))!.Position);
        Assert.Equal(CallbackStatus.Scheduled, (await Row("cb-later")).Status);
    }

    [Fact]
    public async Task A_due_call_back_waits_in_the_live_queue_and_is_served_before_live_callers_who_came_after_it()
    {
        var dispatcher = Dispatcher();
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var first = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales", Address = "+15550101" });
        await _engine.AcceptOfferAsync("alice", first.InteractionId);
        await _engine.MarkConnectedAsync(first.InteractionId);

        // Asked ten minutes ago, due now, while alice is busy: it waits in the core with its request time.
        await AddAsync("cb-1", "sales", TimeSpan.Zero);
        Assert.Equal(["cb-1"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        await PumpAsync(dispatcher);
        var waiting = (await _engine.GetInteractionAsync("cb-1"))!;
        Assert.Equal(InteractionState.Queued, waiting.Interaction.State);
        Assert.Equal(1, waiting.Position);

        _time.Advance(TimeSpan.FromSeconds(30));
        var later = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales", Address = "+15550102" });
        Assert.Equal(InteractionState.Queued, later.State);

        // alice frees up: the call-back that asked first is offered, not the live caller who came later.
        await _engine.EndInteractionAsync(first.InteractionId);
        await _engine.WrapUpDoneAsync("alice");
        await PumpAsync(dispatcher);
        Assert.Equal("alice", (await _engine.GetInteractionAsync("cb-1"))!.Interaction.AgentId);
        var behind = (await _engine.GetInteractionAsync(later.InteractionId))!;
        Assert.Equal(InteractionState.Queued, behind.Interaction.State);
        Assert.Equal(1, behind.Position);
        var positions = (await _engine.GetQueuePositionsAsync("sales"))!;
        Assert.Equal([later.InteractionId], positions.Select(p => p.InteractionId));
    }

    [Fact]
    public async Task A_plans_attempts_share_one_commit_that_comes_before_any_of_them_reaches_the_core()
    {
        var observed = new ObservedCallbacks(_callbacks, _engine);
        var dispatcher = new CallbackDispatcher(_engine, _definition,
            new CallbackPolicies(_definition.Queues.Select(q => new CallbackQueuePolicy(q.Id, q.Id))), observed, _history,
            NullLogger<CallbackDispatcher>.Instance);
        await AddAsync("cb-sales", "sales", TimeSpan.FromMinutes(-2));
        await AddAsync("cb-billing", "billing", TimeSpan.FromMinutes(-1), address: "+15550198");
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        await PumpAsync(dispatcher);

        Assert.Equal(["cb-sales", "cb-billing"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));

        var batch = Assert.Single(observed.Batches);
        Assert.Equal(["cb-sales", "cb-billing"], batch.Ids);
        Assert.Equal(0, batch.InCoreWhenCommitted);
        Assert.Equal(CallbackStatus.Queued, (await Row("cb-sales")).Status);
        Assert.Equal(CallbackStatus.Queued, (await Row("cb-billing")).Status);
        Assert.NotNull(await _engine.GetInteractionAsync("cb-billing"));
    }

    [Fact]
    public async Task Outcomes_that_arrive_together_are_written_together_in_order()
    {
        var observed = new ObservedCallbacks(_callbacks, _engine);
        var dispatcher = new CallbackDispatcher(_engine, _definition,
            new CallbackPolicies(_definition.Queues.Select(q => new CallbackQueuePolicy(q.Id, q.Id, MaxAttempts: q.Id == "sales" ? 1 : 2,
                RetryBackoff: TimeSpan.FromSeconds(60)))), observed, _history, NullLogger<CallbackDispatcher>.Instance);
        await AddAsync("cb-sales", "sales", TimeSpan.FromMinutes(-2));
        await AddAsync("cb-billing", "billing", TimeSpan.FromMinutes(-1), address: "+15550198");
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        await PumpAsync(dispatcher);
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        await PumpAsync(dispatcher);

        await _engine.FailInteractionAsync("cb-sales", "busy");
        await _engine.FailInteractionAsync("cb-billing", "busy");
        var burst = new List<CoreEvent>();
        while (_events.TryRead(out var e)) burst.Add(e);
        await dispatcher.HandleAsync(burst, default);

        var written = Assert.Single(observed.Outcomes);
        Assert.Equal([("cb-sales", CallbackStatus.Failed), ("cb-billing", CallbackStatus.Scheduled)], written.Select(o => (o.Id, o.Status)));
        Assert.Equal(CallbackStatus.Failed, (await Row("cb-sales")).Status);
        Assert.Equal((CallbackStatus.Scheduled, T0 + TimeSpan.FromSeconds(60)), ((await Row("cb-billing")).Status, (await Row("cb-billing")).ScheduledAt));
        Assert.Contains(await _history.GetEventsAsync("cb-sales"), e => e.Kind == "callbackFailed");
        Assert.Contains(await _history.GetEventsAsync("cb-billing"), e => e.Kind == "callbackRetry");
        Assert.Equal(0, dispatcher.InFlight);
    }

    /// <summary>The real store, recording each batch of attempts and how many of them the core held once it had committed.</summary>
    private sealed class ObservedCallbacks(ICallbackRepository inner, RoutingEngine engine) : ICallbackRepository
    {
        public List<(string[] Ids, int InCoreWhenCommitted)> Batches { get; } = [];

        public List<CallbackOutcome[]> Outcomes { get; } = [];

        public async ValueTask<IReadOnlyList<CallbackRequest>> BeginAttemptsAsync(IReadOnlyList<string> ids, DateTimeOffset at, CancellationToken cancellationToken = default)
        {
            var started = await inner.BeginAttemptsAsync(ids, at, cancellationToken);
            var inCore = 0;
            foreach (var id in ids)
                if (await engine.GetInteractionAsync(id, cancellationToken) is not null) inCore++;
            Batches.Add(([.. ids], inCore));
            return started;
        }

        public ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default) => inner.AddAsync(request, cancellationToken);
        public ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);
        public ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default) => inner.ReprioritiseAsync(id, priority, cancellationToken);
        public ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default) => inner.RescheduleAsync(id, scheduledAt, cancellationToken);
        public ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default) => inner.CancelAsync(id, cancellationToken);
        public ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default) => inner.SetStatusAsync(id, status, cancellationToken);
        public ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(DateTimeOffset? dueBy = null, IReadOnlyCollection<CallbackStatus>? statuses = null, int limit = 1000,
            CancellationToken cancellationToken = default) => inner.ListAsync(dueBy, statuses, limit, cancellationToken);
        public ValueTask<CallbackRequest?> BeginAttemptAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the dispatcher records a plan's attempts together");
        public ValueTask<bool> RecordOutcomeAsync(string id, CallbackStatus status, string outcome, DateTimeOffset? retryAt = null, CancellationToken cancellationToken = default) =>
            inner.RecordOutcomeAsync(id, status, outcome, retryAt, cancellationToken);
        public ValueTask<int> RecordOutcomesAsync(IReadOnlyList<CallbackOutcome> outcomes, CancellationToken cancellationToken = default)
        {
            Outcomes.Add([.. outcomes]);
            return inner.RecordOutcomesAsync(outcomes, cancellationToken);
        }
        public ValueTask<bool> BeginDiallingAsync(string id, CancellationToken cancellationToken = default) => inner.BeginDiallingAsync(id, cancellationToken);
        public ValueTask<IReadOnlyList<CallbackRequest>> RecoverInFlightAsync(CancellationToken cancellationToken = default) => inner.RecoverInFlightAsync(cancellationToken);
        public ValueTask<IReadOnlyList<string>> CompletePendingForCustomerAsync(string? customerId, string? address, string outcome, CancellationToken cancellationToken = default) =>
            inner.CompletePendingForCustomerAsync(customerId, address, outcome, cancellationToken);
    }

    [Fact]
    public async Task Connected_then_ended_is_recorded_as_done()
    {
        var dispatcher = Dispatcher();
        await AddAsync("cb-1", "sales", TimeSpan.Zero);
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);

        await _engine.AcceptOfferAsync("alice", "cb-1");
        await _engine.MarkConnectedAsync("cb-1");
        await PumpAsync(dispatcher);
        // alice took it; dialling and connected are the voice adapter's to record (with its INVITE and its bridge).
        Assert.Equal(CallbackStatus.Queued, (await Row("cb-1")).Status);
        Assert.True(await _callbacks.BeginDiallingAsync("cb-1"));
        Assert.True(await _callbacks.RecordOutcomeAsync("cb-1", CallbackStatus.Connected, "connected"));

        await _engine.EndInteractionAsync("cb-1");
        await PumpAsync(dispatcher);
        var done = await Row("cb-1");
        Assert.Equal(CallbackStatus.Done, done.Status);
        Assert.Equal("answered", done.LastOutcome);
        Assert.Equal(0, dispatcher.InFlight);
    }

    [Fact]
    public async Task Busy_and_no_answer_retry_with_back_off_up_to_the_limit_then_fail()
    {
        var dispatcher = Dispatcher(maxAttempts: 2, backoffSeconds: 60);
        await AddAsync("cb-1", "sales", TimeSpan.Zero);
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        await _engine.FailInteractionAsync("cb-1", "busy");
        await PumpAsync(dispatcher);

        var retry = await Row("cb-1");
        Assert.Equal(CallbackStatus.Scheduled, retry.Status);
        Assert.Equal("busy", retry.LastOutcome);
        Assert.Equal(T0 + TimeSpan.FromSeconds(60), retry.ScheduledAt);
        Assert.Contains(await _history.GetEventsAsync("cb-1"), e => e.Kind == "callbackRetry" && e.Detail!.Contains("busy", StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default)); // back-off not over
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["cb-1"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Equal(2, (await Row("cb-1")).Attempts);

        await _engine.FailInteractionAsync("cb-1", "noAnswer");
        await PumpAsync(dispatcher);
        var failed = await Row("cb-1");
        Assert.Equal(CallbackStatus.Failed, failed.Status);
        Assert.Equal("noAnswer", failed.LastOutcome);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
    }

    [Fact]
    public async Task A_rejected_call_is_not_retried()
    {
        var dispatcher = Dispatcher(maxAttempts: 3);
        await AddAsync("cb-1", "sales", TimeSpan.Zero);
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        await _engine.FailInteractionAsync("cb-1", "rejected");
        await PumpAsync(dispatcher);
        Assert.Equal(CallbackStatus.Failed, (await Row("cb-1")).Status);
        Assert.Equal("rejected", (await Row("cb-1")).LastOutcome);
    }

    [Fact]
    public async Task After_a_restart_attempts_in_flight_are_interrupted_and_never_redialled_until_a_supervisor_reschedules()
    {
        await AddAsync("cb-in-flight", "sales", TimeSpan.FromMinutes(-5));
        await AddAsync("cb-waiting", "sales", TimeSpan.FromMinutes(-1));
        // The previous daemon recorded its attempt, started dialling the customer and died before learning the outcome.
        Assert.NotNull(await _callbacks.BeginAttemptAsync("cb-in-flight", T0 - TimeSpan.FromMinutes(4)));
        Assert.True(await _callbacks.BeginDiallingAsync("cb-in-flight"));

        var dispatcher = Dispatcher();
        var interrupted = await dispatcher.RecoverAsync(_time.GetUtcNow(), default);
        Assert.Equal(["cb-in-flight"], interrupted.Select(c => c.Id));
        Assert.Equal(CallbackStatus.Interrupted, (await Row("cb-in-flight")).Status);
        Assert.Contains(await _history.GetEventsAsync("cb-in-flight"), e => e.Kind == "callbackInterrupted");

        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        Assert.Equal(["cb-waiting"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Equal(1, (await Row("cb-in-flight")).Attempts);

        // A supervisor decides to call again.
        Assert.True(await _callbacks.RescheduleAsync("cb-in-flight", _time.GetUtcNow()));
        await _engine.FailInteractionAsync("cb-waiting", "rejected");
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready); // her unanswered offer timed out meanwhile
        await PumpAsync(dispatcher);
        Assert.Equal(["cb-in-flight"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Equal(2, (await Row("cb-in-flight")).Attempts);
    }

    [Fact]
    public async Task After_a_restart_an_attempt_that_never_dialled_the_customer_is_scheduled_again_uncounted()
    {
        await AddAsync("cb-agent-ringing", "sales", TimeSpan.FromMinutes(-5));
        // Agent-first: the attempt was recorded and the agent's phone rang; the customer was never dialled.
        Assert.NotNull(await _callbacks.BeginAttemptAsync("cb-agent-ringing", T0 - TimeSpan.FromMinutes(4)));

        var dispatcher = Dispatcher();
        Assert.Empty(await dispatcher.RecoverAsync(_time.GetUtcNow(), default));
        var row = await Row("cb-agent-ringing");
        Assert.Equal(CallbackStatus.Scheduled, row.Status);
        Assert.Equal(0, row.Attempts);

        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        Assert.Equal(["cb-agent-ringing"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Equal(1, (await Row("cb-agent-ringing")).Attempts);
        // Dialling is refused once the call-back is no longer queued (a supervisor cancelled it meanwhile).
        Assert.True(await _callbacks.BeginDiallingAsync("cb-agent-ringing"));
        Assert.False(await _callbacks.BeginDiallingAsync("cb-agent-ringing"));
    }

    [Fact]
    public async Task A_customer_who_reaches_an_agent_by_another_channel_first_is_not_called_back()
    {
        var dispatcher = Dispatcher();
        await AddAsync("cb-carol", "sales", TimeSpan.FromMinutes(20), address: "+15550100");
        await AddAsync("cb-other", "sales", TimeSpan.FromMinutes(20), address: "+15550111");
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        var call = await _engine.SubmitInteractionAsync(new InteractionRequest
        {
            Channel = InteractionChannel.Voice, QueueId = "billing", Address = "+15550100", CustomerId = "carol",
        });
        await _engine.AcceptOfferAsync("bob", call.InteractionId);
        await _engine.MarkConnectedAsync(call.InteractionId);
        await PumpAsync(dispatcher);

        var carol = await Row("cb-carol");
        Assert.Equal(CallbackStatus.Done, carol.Status);
        Assert.Equal($"reachedAgent:{call.InteractionId}", carol.LastOutcome);
        Assert.Equal(CallbackStatus.Scheduled, (await Row("cb-other")).Status);
        _time.Advance(TimeSpan.FromMinutes(30));
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        Assert.Equal(["cb-other"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
    }
}
