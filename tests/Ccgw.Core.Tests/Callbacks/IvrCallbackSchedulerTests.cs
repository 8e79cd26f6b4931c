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
/// The automated IVR call-back (issue 18, medium <c>ivr</c>) in the scheduler, on a manual clock with the real core and
/// the real SQLite list: a due one goes to the voice adapter with its topic's flow (not to the core, no agent wanted);
/// the adapter's reports (played here by the test) give the row its outcome with the same retries as a voice call-back;
/// if the flow queues, the core carries it on like any call-back. Demo centre: alice (sales, billing), bob (billing).
/// </summary>
public sealed class IvrCallbackSchedulerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-ivrcb-").FullName;
    private readonly ManualTimeProvider _time = new(T0);
    private readonly CancellationTokenSource _stop = new();
    private readonly IvrCallbacks _ivr = new(new Dictionary<string, string> { ["billing"] = "main" });
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

    private CallbackDispatcher Dispatcher(int maxAttempts = 3) => new(_engine, _definition,
        new CallbackPolicies(_definition.Queues.Select(q => new CallbackQueuePolicy(q.Id, q.Id, MaxAttempts: maxAttempts,
            RetryBackoff: TimeSpan.FromSeconds(60)))),
        _callbacks, _history, NullLogger<CallbackDispatcher>.Instance, _ivr);

    private Task AddAsync(string id, string queue, HelpMedium medium = HelpMedium.Ivr) =>
        _callbacks.AddAsync(new CallbackRequest(id, queue, InteractionChannel.Callback, "+15550199", T0, 0, T0 - TimeSpan.FromMinutes(10),
            CallbackStatus.Scheduled, CustomerId: "cust-1", Medium: medium)).AsTask();

    private async Task PumpAsync(CallbackDispatcher dispatcher)
    {
        while (_events.TryRead(out var e)) await dispatcher.HandleAsync(e, default);
    }

    private async Task<CallbackRequest> Row(string id) => (await _callbacks.GetAsync(id))!;

    private IvrCallbackStart TakeStart() => Assert.IsType<IvrCallbackStart>(_ivr.Starts.TryRead(out var s) ? s : null);

    [Fact]
    public async Task A_due_automated_call_back_goes_to_the_dialler_with_its_topics_flow_and_not_to_an_agent()
    {
        var dispatcher = Dispatcher();
        await AddAsync("cb-ivr", "billing");
        await AddAsync("cb-voice", "billing", HelpMedium.Voice);
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);

        var started = await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        Assert.Equal(["cb-ivr", "cb-voice"], started.Order(StringComparer.Ordinal));
        var start = TakeStart();
        Assert.Equal("cb-ivr", start.Attempt.Id);
        Assert.Equal("main", start.FlowId);
        Assert.Equal(HelpMedium.Ivr, start.Request.Medium);
        Assert.Equal(InteractionChannel.Callback, start.Request.Channel);
        Assert.False(_ivr.Starts.TryRead(out _)); // the voice call-back went to the core, not here
        Assert.Equal(CallbackStatus.Queued, (await Row("cb-ivr")).Status);
        Assert.Equal(1, (await Row("cb-ivr")).Attempts);
        Assert.Null(await _engine.GetInteractionAsync("cb-ivr")); // no agent reserved for it
        Assert.NotNull(await _engine.GetInteractionAsync("cb-voice"));
        Assert.Empty(await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default)); // in flight: not handed over twice
    }

    [Fact]
    public async Task A_flow_that_ends_makes_the_call_back_done_self_served_with_the_medium_and_result_in_history()
    {
        var dispatcher = Dispatcher();
        await AddAsync("cb-ivr", "billing");
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        TakeStart();

        _time.Advance(TimeSpan.FromSeconds(40));
        await dispatcher.HandleIvrReportsAsync([new IvrCallbackReport("cb-ivr", IvrCallbackResult.SelfServed, "hangup", _time.GetUtcNow())], default);
        var row = await Row("cb-ivr");
        Assert.Equal(CallbackStatus.Done, row.Status);
        Assert.Equal(CallbackDispatcher.SelfServedOutcome, row.LastOutcome);
        Assert.Equal(0, dispatcher.InFlight);
        var entry = Assert.Single(await _history.QueryAsync(new InteractionHistoryQuery(CustomerId: "cust-1")));
        Assert.Equal(HelpMedium.Ivr, entry.Medium);
        Assert.Equal(InteractionState.Ended, entry.State);
        Assert.Contains(await _history.GetEventsAsync("cb-ivr"),
            e => e.Kind == "callbackSelfServed" && e.Detail!.Contains("flow ended (hangup)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Not_reached_retries_like_a_voice_call_back_and_gone_during_the_flow_is_abandoned()
    {
        var dispatcher = Dispatcher(maxAttempts: 2);
        await AddAsync("cb-ivr", "billing");
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        TakeStart();
        await dispatcher.HandleIvrReportsAsync([new IvrCallbackReport("cb-ivr", IvrCallbackResult.NotReached, "busy", _time.GetUtcNow())], default);
        var retry = await Row("cb-ivr");
        Assert.Equal(CallbackStatus.Scheduled, retry.Status);
        Assert.Equal("busy", retry.LastOutcome);
        Assert.Equal(T0 + TimeSpan.FromSeconds(60), retry.ScheduledAt);

        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(["cb-ivr"], await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.Equal(2, TakeStart().Attempt.Attempts);
        await dispatcher.HandleIvrReportsAsync([new IvrCallbackReport("cb-ivr", IvrCallbackResult.Abandoned, "customer hung up", _time.GetUtcNow())], default);
        var gone = await Row("cb-ivr");
        Assert.Equal(CallbackStatus.Done, gone.Status);
        Assert.Equal("abandoned", gone.LastOutcome);
    }

    [Fact]
    public async Task A_topic_without_a_flow_is_failed_and_not_dialled()
    {
        var dispatcher = Dispatcher();
        await AddAsync("cb-ivr", "sales"); // SelfHelp:TopicFlows names billing only
        Assert.Empty(await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default));
        Assert.False(_ivr.Starts.TryRead(out _));
        var row = await Row("cb-ivr");
        Assert.Equal(CallbackStatus.Failed, row.Status);
        Assert.Equal("noFlow", row.LastOutcome);
    }

    [Fact]
    public async Task A_flow_that_queues_hands_the_call_back_to_the_core_which_offers_it_and_records_the_end()
    {
        var dispatcher = Dispatcher();
        await AddAsync("cb-ivr", "billing");
        await dispatcher.DispatchDueAsync(_time.GetUtcNow(), default);
        var start = TakeStart();
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);

        // What the voice adapter does when the flow reaches a queue step: the same id, into the flow's queue.
        var submitted = await _engine.SubmitInteractionAsync(start.Request with { QueueId = "billing" });
        Assert.Equal("cb-ivr", submitted.InteractionId);
        await _engine.AcceptOfferAsync("bob", "cb-ivr"); // bob is the only one ready

        await _engine.MarkConnectedAsync("cb-ivr");
        await _engine.EndInteractionAsync("cb-ivr");
        await PumpAsync(dispatcher);
        var row = await Row("cb-ivr");
        Assert.Equal(CallbackStatus.Done, row.Status);
        Assert.Equal("answered", row.LastOutcome);
        Assert.Equal(0, dispatcher.InFlight);
    }
}
