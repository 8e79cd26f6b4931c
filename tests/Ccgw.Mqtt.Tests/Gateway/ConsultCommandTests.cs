using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Mqtt.Gateway;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>
/// Issue 19's console commands for a hand-over between agents (consult, completeTransfer, cancelConsult, transfer to
/// an agent) through the gateway's handler against the real core, and the presence field the page renders.
/// </summary>
public sealed class ConsultCommandTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _stop = new();
    private RoutingEngine _engine = null!;
    private GatewayOutbox _outbox = null!;
    private Task _engineRun = Task.CompletedTask;
    private Task _outboxRun = Task.CompletedTask;

    public Task InitializeAsync()
    {
        var agents = new[] { "alice", "bob", "carol" }.Select(id =>
            new AgentDefinition(id, id, new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 3, 1))).ToList();
        var queues = new List<QueueDefinition> { new("sales", new Dictionary<string, int> { ["sales"] = 1 }), new("support", new Dictionary<string, int> { ["sales"] = 1 }) };
        _engine = new RoutingEngine(new ContactCenterDefinition(agents, queues, new RoutingOptions()), _time);
        _engineRun = _engine.RunAsync(_stop.Token);
        _outbox = new GatewayOutbox(new GatewayTests.RecordingLink(), NullLogger<GatewayOutbox>.Instance);
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

    private Task<CommandFailure?> Send(string agent, string json) => Handler().ApplyAsync(agent, Encoding.UTF8.GetBytes(json), CancellationToken.None);

    private async Task<string> AliceConnectedAsync()
    {
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var call = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });
        Assert.Equal("alice", call.AgentId);
        Assert.True((await _engine.MarkConnectedAsync(call.InteractionId)).IsOk);
        return call.InteractionId;
    }

    [Fact]
    public async Task Consult_then_complete_hands_the_call_to_the_named_agent()
    {
        var call = await AliceConnectedAsync();
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);

        Assert.Null(await Send("alice", $$$"""{"action":"consult","interactionId":"{{{call}}}","target":{"agentId":"bob"}}"""));
        var consult = Assert.Single(_engine.Snapshot.Agents["alice"].Consults);
        Assert.Equal(("alice", "bob"), (consult.FromAgentId, consult.TargetAgentId));
        Assert.Equal(AgentState.Busy, _engine.Snapshot.Agents["bob"].State);

        // bob cannot complete alice's consult; alice can.
        Assert.Equal("invalidState", (await Send("bob", $$$"""{"action":"completeTransfer","interactionId":"{{{call}}}"}"""))?.Code);
        Assert.Null(await Send("alice", $$$"""{"action":"completeTransfer","interactionId":"{{{call}}}"}"""));
        var status = await _engine.GetInteractionAsync(call);
        Assert.Equal("bob", status!.Interaction.AgentId);
        Assert.Equal(AgentState.WrapUp, _engine.Snapshot.Agents["alice"].State);
    }

    [Fact]
    public async Task Cancel_consult_leaves_the_call_with_the_first_agent()
    {
        var call = await AliceConnectedAsync();
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        Assert.Null(await Send("alice", $$$"""{"action":"consult","interactionId":"{{{call}}}","target":{"agentId":"bob"}}"""));
        Assert.Null(await Send("alice", $$$"""{"action":"cancelConsult","interactionId":"{{{call}}}"}"""));
        Assert.Equal("alice", (await _engine.GetInteractionAsync(call))!.Interaction.AgentId);
        Assert.Equal(AgentState.Ready, _engine.Snapshot.Agents["bob"].State);
        Assert.Equal("noConsult", (await Send("alice", $$$"""{"action":"cancelConsult","interactionId":"{{{call}}}"}"""))?.Code);
    }

    [Fact]
    public async Task Transfer_takes_an_agent_or_a_queue_as_target()
    {
        var call = await AliceConnectedAsync();
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        Assert.Null(await Send("alice", $$$"""{"action":"transfer","interactionId":"{{{call}}}","target":{"agentId":"bob"}}"""));
        Assert.Equal("bob", (await _engine.GetInteractionAsync(call))!.Interaction.AgentId);

        // The queue form as an object too: bob hands it on to support, where nobody else is ready.
        Assert.Null(await Send("bob", $$$"""{"action":"transfer","interactionId":"{{{call}}}","target":{"queueId":"support"}}"""));
        var moved = (await _engine.GetInteractionAsync(call))!.Interaction;
        Assert.Equal("support", moved.QueueId);
    }

    [Theory]
    [InlineData("bob", "agentNotReady")]
    [InlineData("zed", "unknownAgent")]
    [InlineData("alice", "sameAgent")]
    public async Task Refusals_come_back_with_a_clear_code(string target, string code)
    {
        var call = await AliceConnectedAsync();
        var failure = await Send("alice", $$$"""{"action":"consult","interactionId":"{{{call}}}","target":{"agentId":"{{{target}}}"}}""");
        Assert.Equal(("consult", code, call), (failure?.Action, failure?.Code, failure?.InteractionId));
        Assert.Empty(_engine.Snapshot.Agents["alice"].Consults);
    }

    [Fact]
    public async Task A_busy_target_and_missing_fields_are_refused()
    {
        var call = await AliceConnectedAsync();
        await _engine.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        var other = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });
        Assert.Equal("bob", other.AgentId); // bob's one voice slot is taken by the offer
        Assert.Equal("agentBusy", (await Send("alice", $$$"""{"action":"consult","interactionId":"{{{call}}}","target":{"agentId":"bob"}}"""))?.Code);
        Assert.Equal("invalidCommand", (await Send("alice", $$$"""{"action":"consult","interactionId":"{{{call}}}","target":"bob"}"""))?.Code);
        Assert.Equal("invalidCommand", (await Send("alice", """{"action":"completeTransfer"}"""))?.Code);
        Assert.Equal("notFound", (await Send("alice", """{"action":"cancelConsult","interactionId":"nope"}"""))?.Code);
    }

    [Fact]
    public void The_presence_payload_lists_consults()
    {
        var at = _time.GetUtcNow();
        var presence = new AgentPresence("alice", AgentState.Busy, null, at, new ChannelLoad(1, 0, 0), new ChannelCapacity(1, 3, 1), ["i-1"], [])
        {
            Consults = [new ConsultView("i-1", "alice", "bob", at)],
        };
        using var json = JsonDocument.Parse(GatewayPayloads.Presence(presence));
        var c = Assert.Single(json.RootElement.GetProperty("consults").EnumerateArray().ToList());
        Assert.Equal(("i-1", "alice", "bob"), (c.GetProperty("interactionId").GetString(), c.GetProperty("from").GetString(), c.GetProperty("to").GetString()));
        using var none = JsonDocument.Parse(GatewayPayloads.Presence(presence with { Consults = [] }));
        Assert.Equal(0, none.RootElement.GetProperty("consults").GetArrayLength());
    }
}
