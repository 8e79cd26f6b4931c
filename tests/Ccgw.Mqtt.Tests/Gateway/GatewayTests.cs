using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Mqtt.Gateway;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>The gateway adapter against the real routing core, with a link that records what is published.</summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLink _link = new();
    private readonly CancellationTokenSource _stop = new();
    private RoutingEngine _engine = null!;
    private GatewayOutbox _outbox = null!;
    private Task _engineRun = Task.CompletedTask;
    private Task _outboxRun = Task.CompletedTask;

    public Task InitializeAsync()
    {
        var agents = new[] { "alice", "bob" }.Select(id =>
            new AgentDefinition(id, id, new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 3, 1))).ToList();
        var queues = new List<QueueDefinition> { new("sales", new Dictionary<string, int> { ["sales"] = 1 }) };
        _engine = new RoutingEngine(new ContactCenterDefinition(agents, queues, new RoutingOptions()), _time);
        _engineRun = _engine.RunAsync(_stop.Token);
        _outbox = new GatewayOutbox(_link, NullLogger<GatewayOutbox>.Instance);
        _outboxRun = _outbox.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_engineRun, _outboxRun).ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private ConsoleCommandHandler Handler() => new(_engine, _outbox, _time, NullLogger<ConsoleCommandHandler>.Instance);

    private static ReadOnlyMemory<byte> Json(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("{not json", "invalidJson")]
    [InlineData("[1,2]", "invalidJson")]
    [InlineData("{\"action\":\"fly\"}", "unknownAction")]
    [InlineData("{}", "invalidCommand")]
    [InlineData("{\"action\":\"accept\"}", "invalidCommand")]
    [InlineData("{\"action\":\"transfer\",\"interactionId\":\"x\"}", "invalidCommand")]
    [InlineData("{\"action\":\"hangup\",\"interactionId\":\"nope\"}", "notFound")]
    [InlineData("{\"action\":\"transfer\",\"interactionId\":\"nope\",\"target\":\"sales\"}", "notFound")]
    public async Task Bad_commands_fail_with_a_code_and_change_nothing(string payload, string code)
    {
        var before = _engine.Snapshot.Agents["alice"];
        var failure = await Handler().ApplyAsync("alice", Json(payload), CancellationToken.None);
        Assert.NotNull(failure);
        Assert.Equal(code, failure.Code);
        Assert.Equal(before.State, _engine.Snapshot.Agents["alice"].State);
    }

    [Fact]
    public async Task Hold_and_resume_apply_to_the_agents_own_connected_voice_call_and_refuse_everything_else_with_a_clear_error()
    {
        var handler = Handler();
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var call = (await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" })).InteractionId;
        string Command(string action, string id) => $"{{\"action\":\"{action}\",\"interactionId\":\"{id}\"}}";

        // Still only offered: nothing to hold yet.
        var early = await handler.ApplyAsync("alice", Json(Command("hold", call)), CancellationToken.None);
        Assert.Equal(("invalidState", "hold"), (early?.Code, early?.Action));
        Assert.Contains("not connected to alice", early!.Message, StringComparison.Ordinal);
        Assert.True((await _engine.MarkConnectedAsync(call)).IsOk);

        Assert.Equal("invalidCommand", (await handler.ApplyAsync("alice", Json("{\"action\":\"hold\"}"), CancellationToken.None))?.Code);
        Assert.Equal("notFound", (await handler.ApplyAsync("alice", Json(Command("hold", "nope")), CancellationToken.None))?.Code);
        var others = await handler.ApplyAsync("bob", Json(Command("hold", call)), CancellationToken.None);
        Assert.Equal("invalidState", others?.Code);
        Assert.Contains("not connected to bob", others!.Message, StringComparison.Ordinal);
        var notHeld = await handler.ApplyAsync("alice", Json(Command("resume", call)), CancellationToken.None);
        Assert.Contains("is not on hold", notHeld!.Message, StringComparison.Ordinal);

        Assert.Null(await handler.ApplyAsync("alice", Json(Command("hold", call)), CancellationToken.None));
        Assert.Equal(call, Assert.Single(_engine.Snapshot.Agents["alice"].HeldInteractionIds));
        var again = await handler.ApplyAsync("alice", Json(Command("hold", call)), CancellationToken.None);
        Assert.Equal("invalidState", again?.Code);
        Assert.Contains("already on hold", again!.Message, StringComparison.Ordinal);
        Assert.Null(await handler.ApplyAsync("alice", Json(Command("resume", call)), CancellationToken.None));
        Assert.Empty(_engine.Snapshot.Agents["alice"].HeldInteractionIds);

        // A chat is not a call: an IM conversation cannot be held.
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        var chat = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Im, QueueId = "sales" });
        Assert.NotNull(chat.AgentId);
        Assert.True((await _engine.MarkConnectedAsync(chat.InteractionId)).IsOk);
        var notVoice = await handler.ApplyAsync(chat.AgentId, Json(Command("hold", chat.InteractionId)), CancellationToken.None);
        Assert.Contains("not a voice call", notVoice!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_presence_payload_lists_the_held_calls()
    {
        var presence = new AgentPresence("alice", AgentState.Busy, null, _time.GetUtcNow(), new ChannelLoad(1, 0, 0), new ChannelCapacity(1, 3, 1),
            ["i-1", "i-2"], []) { HeldInteractionIds = ["i-1"] };
        using var json = JsonDocument.Parse(GatewayPayloads.Presence(presence));
        Assert.Equal(["i-1"], json.RootElement.GetProperty("held").EnumerateArray().Select(e => e.GetString()));
        using var none = JsonDocument.Parse(GatewayPayloads.Presence(presence with { HeldInteractionIds = [] }));
        Assert.Equal(0, none.RootElement.GetProperty("held").GetArrayLength());
    }

    [Fact]
    public async Task Set_product_names_the_product_of_an_interaction_the_agent_holds()
    {
        var handler = Handler();
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var submitted = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });
        Assert.Equal("alice", submitted.AgentId);
        var id = submitted.InteractionId;

        Assert.Equal("invalidCommand", (await handler.ApplyAsync("alice", Json($"{{\"action\":\"setProduct\",\"interactionId\":\"{id}\"}}"), CancellationToken.None))?.Code);
        Assert.Equal("invalidState", (await handler.ApplyAsync("bob", Json($"{{\"action\":\"setProduct\",\"interactionId\":\"{id}\",\"product\":\"fibre-500\"}}"), CancellationToken.None))?.Code);
        Assert.Equal("notFound", (await handler.ApplyAsync("alice", Json("{\"action\":\"setProduct\",\"interactionId\":\"nope\",\"product\":\"fibre-500\"}"), CancellationToken.None))?.Code);
        Assert.Null((await _engine.GetInteractionAsync(id))!.Interaction.Request.Product);

        Assert.Null(await handler.ApplyAsync("alice", Json($"{{\"action\":\"setProduct\",\"interactionId\":\"{id}\",\"product\":\"fibre-500\"}}"), CancellationToken.None));
        Assert.Equal("fibre-500", (await _engine.GetInteractionAsync(id))!.Interaction.Request.Product);
    }

    [Fact]
    public void The_offer_shows_the_product_and_what_the_flow_collected()
    {
        var at = _time.GetUtcNow();
        var request = new InteractionRequest
        {
            Channel = InteractionChannel.Voice, QueueId = "sales", Product = "fibre-500",
            Variables = new Dictionary<string, string> { ["account"] = "4711" },
        };
        var offer = new Offer("i1/1", "i1", "alice", "sales", InteractionChannel.Voice, at, at.AddSeconds(15), 3,
            new InteractionView("i1", request, "sales", InteractionState.Offered, "alice", at, at));
        var json = JsonDocument.Parse(GatewayPayloads.Offer(offer, null)).RootElement;
        Assert.Equal("fibre-500", json.GetProperty("product").GetString());
        Assert.Equal("4711", json.GetProperty("variables").GetProperty("account").GetString());

        var plain = JsonDocument.Parse(GatewayPayloads.Offer(offer with { Interaction = offer.Interaction with { Request = request with { Variables = null } } }, null)).RootElement;
        Assert.False(plain.TryGetProperty("variables", out _));
    }

    [Fact]
    public async Task Commands_of_an_unknown_agent_are_refused()
    {
        var failure = await Handler().ApplyAsync("mallory", Json("{\"action\":\"ready\"}"), CancellationToken.None);
        Assert.Equal("unknownAgent", failure?.Code);
    }

    [Fact]
    public async Task Ready_not_ready_and_logout_change_the_agent_state()
    {
        // The snapshot is published by the engine loop around the command's completion: wait for it, do not race it.
        var handler = Handler();
        Assert.Null(await handler.ApplyAsync("alice", Json("{\"action\":\"ready\"}"), CancellationToken.None));
        await WaitUntilAsync(() => _engine.Snapshot.Agents["alice"].State == AgentState.Ready);
        Assert.Null(await handler.ApplyAsync("alice", Json("{\"action\":\"notReady\",\"reason\":\"lunch\"}"), CancellationToken.None));
        await WaitUntilAsync(() => _engine.Snapshot.Agents["alice"] is { State: AgentState.NotReady, Reason: "lunch" });
        Assert.Null(await handler.ApplyAsync("alice", Json("{\"action\":\"logout\"}"), CancellationToken.None));
        await WaitUntilAsync(() => _engine.Snapshot.Agents["alice"].State == AgentState.Offline);
    }

    [Fact]
    public async Task A_running_handler_answers_failures_on_the_agents_error_topic_and_keeps_going()
    {
        using var subscription = _link.Subscribe(GatewayTopics.AllCommands, 16);
        var run = Handler().RunAsync(subscription, _stop.Token);
        _link.Inject(new MqttApplicationMessage { Topic = "ccgw/agents/bob/commands", Payload = Json("{oops") });
        _link.Inject(new MqttApplicationMessage { Topic = "ccgw/agents/bob/commands", Payload = Json("{\"action\":\"ready\"}") });
        var error = await _link.NextAsync(m => m.Topic == "ccgw/agents/bob/errors");
        var json = JsonDocument.Parse(error.Payload).RootElement;
        Assert.Equal("invalidJson", json.GetProperty("error").GetString());
        Assert.Equal("2026-11-21T12:00:00.000Z", json.GetProperty("at").GetString());
        await WaitUntilAsync(() => _engine.Snapshot.Agents["bob"].State == AgentState.Ready);
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task Start_publishes_the_snapshot_retained_and_then_each_presence_change()
    {
        using var coalescer = new StatsCoalescer(_outbox, _time);
        var screenPops = new ScreenPopPublisher(new NoCustomers(), _outbox, NullLogger<ScreenPopPublisher>.Instance);
        var publisher = new PresencePublisher(_engine, _outbox, coalescer, screenPops, _time, "Test site", NullLogger<PresencePublisher>.Instance);
        var (events, version) = await publisher.StartAsync(_stop.Token);
        var alice = await _link.NextAsync(m => m.Topic == "ccgw/agents/alice/presence");
        Assert.True(alice.Retain);
        Assert.Equal(MqttQualityOfService.AtLeastOnce, alice.Qos);
        Assert.Equal("offline", JsonDocument.Parse(alice.Payload).RootElement.GetProperty("state").GetString());
        Assert.True((await _link.NextAsync(m => m.Topic == "ccgw/queues/sales/stats")).Retain);
        var center = await _link.NextAsync(m => m.Topic == "ccgw/center/status");
        Assert.Equal("online", JsonDocument.Parse(center.Payload).RootElement.GetProperty("gateway").GetString());

        var run = publisher.RunAsync(events, version, _stop.Token);
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var ready = await _link.NextAsync(m => m.Topic == "ccgw/agents/alice/presence" &&
                                              JsonDocument.Parse(m.Payload).RootElement.GetProperty("state").GetString() == "ready");
        Assert.True(ready.Retain);
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task Statistics_are_coalesced_to_one_publish_per_topic_per_100_ms_keeping_the_newest()
    {
        using var coalescer = new StatsCoalescer(_outbox, _time);
        for (var i = 0; i < 5; i++)
            await coalescer.SubmitAsync(GatewayOutbox.Json("ccgw/queues/q/stats", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), retain: true), CancellationToken.None);
        await coalescer.SubmitAsync(GatewayOutbox.Json("ccgw/queues/other/stats", "{\"n\":9}"u8.ToArray(), retain: true), CancellationToken.None);

        Assert.Equal("{\"n\":0}", Encoding.UTF8.GetString((await _link.NextAsync(m => m.Topic == "ccgw/queues/q/stats")).Payload.Span));
        await _link.NextAsync(m => m.Topic == "ccgw/queues/other/stats");
        _time.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Yield();
        Assert.Equal(1, _link.Count("ccgw/queues/q/stats"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("{\"n\":4}", Encoding.UTF8.GetString((await _link.NextAsync(m => m.Topic == "ccgw/queues/q/stats")).Payload.Span));
        Assert.Equal(2, _link.Count("ccgw/queues/q/stats"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition()) await Task.Delay(5, timeout.Token);
    }

    internal sealed class NoCustomers : Core.Repositories.ICustomerRepository
    {
        public ValueTask<Core.Repositories.Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default) => ValueTask.FromResult<Core.Repositories.Customer?>(null);
        public ValueTask<Core.Repositories.Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default) => ValueTask.FromResult<Core.Repositories.Customer?>(null);
        public ValueTask<Core.Repositories.Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default) => ValueTask.FromResult<Core.Repositories.Customer?>(null);
        public ValueTask UpsertAsync(Core.Repositories.Customer customer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    /// <summary>Records publishes in order; injected messages reach the subscriptions like a broker would deliver them.</summary>
    internal sealed class RecordingLink : IMqttGatewayLink
    {
        private readonly List<MqttApplicationMessage> _published = [];
        private readonly List<MqttLocalSubscription> _subscriptions = [];
        private readonly SemaphoreSlim _signal = new(0);
        private int _read;

        public ValueTask PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
        {
            lock (_published) _published.Add(message);
            _signal.Release();
            return ValueTask.CompletedTask;
        }

        public MqttLocalSubscription Subscribe(string topicFilter, int capacity)
        {
            var s = new MqttLocalSubscription(topicFilter, capacity, x => { lock (_subscriptions) _subscriptions.Remove(x); }, () => { });
            lock (_subscriptions) _subscriptions.Add(s);
            return s;
        }

        public void Inject(MqttApplicationMessage message)
        {
            lock (_subscriptions)
                foreach (var s in _subscriptions.Where(s => MqttTopic.Matches(s.Filter, message.Topic)))
                    s.Target.Deliver(new MqttDelivery(message, message.Qos, false, null));
        }

        public async ValueTask<IReadOnlyList<MqttUserConnections>> WaitForUserConnectionChangesAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return [];
        }

        public int Count(string topic)
        {
            lock (_published) return _published.Count(m => m.Topic == topic);
        }

        /// <summary>The next published message (after those already returned) that matches.</summary>
        public async Task<MqttApplicationMessage> NextAsync(Func<MqttApplicationMessage, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                lock (_published)
                {
                    for (; _read < _published.Count; _read++)
                        if (match(_published[_read])) return _published[_read++];
                }
                await _signal.WaitAsync(timeout.Token);
            }
        }
    }
}
