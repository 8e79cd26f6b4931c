using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Mqtt.Gateway;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>
/// Issue 19: supervisor commands on <c>ccgw/supervisors/{id}/commands</c> re-prioritise a waiting interaction through
/// the core, so the next offer follows the new order; bad ones are answered on the supervisor's error topic.
/// </summary>
public sealed class SupervisorCommandTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly GatewayTests.RecordingLink _link = new();
    private readonly CancellationTokenSource _stop = new();
    private RoutingEngine _engine = null!;
    private GatewayOutbox _outbox = null!;
    private Task _engineRun = Task.CompletedTask;
    private Task _outboxRun = Task.CompletedTask;

    public Task InitializeAsync()
    {
        var agents = new List<AgentDefinition> { new("alice", "alice", new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 3, 1)) };
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

    private SupervisorCommandHandler Handler() => new(_engine, null, _outbox, _time, NullLogger<SupervisorCommandHandler>.Instance);

    private static ReadOnlyMemory<byte> Json(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Reprioritising_the_second_waiting_call_makes_it_the_next_offer()
    {
        var first = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });
        _time.Advance(TimeSpan.FromSeconds(5));
        var second = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });

        Assert.Null(await Handler().ApplyAsync(Json($"{{\"action\":\"reprioritise\",\"interactionId\":\"{second.InteractionId}\",\"priority\":10}}"), default));
        var order = await _engine.GetQueuePositionsAsync("sales");
        Assert.Equal([second.InteractionId, first.InteractionId], order!.Select(p => p.InteractionId));

        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var offered = (await _engine.GetInteractionAsync(second.InteractionId))!.Interaction;
        Assert.Equal(InteractionState.Offered, offered.State);
        Assert.Equal("alice", offered.AgentId);
        Assert.Equal(InteractionState.Queued, (await _engine.GetInteractionAsync(first.InteractionId))!.Interaction.State);
    }

    [Theory]
    [InlineData("{oops", "invalidJson")]
    [InlineData("{}", "invalidCommand")]
    [InlineData("{\"action\":\"fly\"}", "unknownAction")]
    [InlineData("{\"action\":\"reprioritise\",\"priority\":5}", "invalidCommand")]
    [InlineData("{\"action\":\"reprioritise\",\"interactionId\":\"x\"}", "invalidCommand")]
    [InlineData("{\"action\":\"reprioritise\",\"interactionId\":\"x\",\"priority\":\"high\"}", "invalidCommand")]
    [InlineData("{\"action\":\"reprioritise\",\"interactionId\":\"x\",\"priority\":101}", "invalidCommand")]
    [InlineData("{\"action\":\"reprioritise\",\"interactionId\":\"nope\",\"priority\":1}", "notFound")]
    [InlineData("{\"action\":\"cancelCallback\",\"callbackId\":\"c1\"}", "invalidState")]
    public async Task Bad_supervisor_commands_fail_with_a_code(string payload, string code)
    {
        var failure = await Handler().ApplyAsync(Json(payload), default);
        Assert.Equal(code, failure?.Code);
    }

    [Fact]
    public async Task A_running_handler_answers_on_the_supervisors_error_topic_and_keeps_going()
    {
        using var subscription = _link.Subscribe(GatewayTopics.AllSupervisorCommands, 16);
        var run = Handler().RunAsync(subscription, _stop.Token);
        _link.Inject(new MqttApplicationMessage { Topic = "ccgw/supervisors/sup/commands", Payload = Json("{\"action\":\"reprioritise\",\"interactionId\":\"gone\",\"priority\":3}") });
        var error = await _link.NextAsync(m => m.Topic == "ccgw/supervisors/sup/errors");
        var json = JsonDocument.Parse(error.Payload).RootElement;
        Assert.Equal("notFound", json.GetProperty("error").GetString());
        Assert.Equal("reprioritise", json.GetProperty("action").GetString());
        Assert.Equal("sup", json.GetProperty("supervisorId").GetString());
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public void Only_the_supervisor_itself_may_publish_supervisor_commands()
    {
        var acl = new ContactCenterAcl();
        var sup = new MqttIdentity("sup", [ContactCenterAcl.SupervisorRole]);
        var alice = new MqttIdentity("alice", [ContactCenterAcl.AgentRole]);
        Assert.True(acl.CanPublish(sup, "ccgw/supervisors/sup/commands"));
        Assert.False(acl.CanPublish(sup, "ccgw/supervisors/other/commands"));
        Assert.False(acl.CanPublish(alice, "ccgw/supervisors/alice/commands"));
        Assert.False(acl.CanPublish(alice, "ccgw/supervisors/sup/commands"));
        Assert.True(acl.CanPublish(sup, "ccgw/agents/bob/commands"));
    }
}
