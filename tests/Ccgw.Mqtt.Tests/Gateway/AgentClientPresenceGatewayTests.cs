using System.Text.Json;
using Ccgw.Core;
using Ccgw.Mqtt.Gateway;
using Ccgw.Mqtt.Tests.Broker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>
/// Customer presence to agents, in-process (routing core → gateway → embedded broker → alice's console): while alice
/// holds a chat with a known customer she reads the customer's presence under her own
/// <c>ccgw/agents/alice/clients/{customer}/presence</c>, follows its changes, and the retained copy is cleared when the
/// chat is over; bob, who does not hold it, cannot read it, and agents still cannot read <c>ccgw/clients/#</c>.
/// </summary>
public sealed class AgentClientPresenceGatewayTests : IAsyncLifetime
{
    private readonly BrokerFixture _fixture = new();
    private readonly CancellationTokenSource _stop = new();
    private RoutingEngine _engine = null!;
    private MqttGatewayService _service = null!;
    private Task _engineRun = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var agents = new[]
        {
            new AgentDefinition("alice", "alice", new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 2, 1)),
            new AgentDefinition("bob", "bob", new Dictionary<string, int> { ["sales"] = 1 }, new ChannelCapacity(1, 2, 1)),
        };
        _engine = new RoutingEngine(new ContactCenterDefinition(agents, [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 })],
            new RoutingOptions { DefaultWrapUp = TimeSpan.Zero }), _fixture.Time);
        _engineRun = _engine.RunAsync(_stop.Token);
        _service = new MqttGatewayService(_engine, new EmbeddedBrokerLink(_fixture.Broker), new GatewayTests.NoCustomers(), _fixture.Time, "Test site", NullLoggerFactory.Instance);
        await _service.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
        await _stop.CancelAsync();
        await _engineRun;
        await _fixture.DisposeAsync();
        _stop.Dispose();
    }

    private static async Task<PublishPacket> NextOnAsync(PipeClient client, string topic)
    {
        while (true)
        {
            var publish = await client.ReceiveAsync<PublishPacket>();
            if (publish.Qos != MqttQualityOfService.AtMostOnce)
                await client.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, publish.PacketId));
            if (publish.Topic == topic) return publish;
        }
    }

    private static string State(PublishPacket p) => JsonDocument.Parse(p.Payload).RootElement.GetProperty("state").GetString()!;

    [Fact]
    public async Task An_agent_follows_the_presence_of_the_customer_on_her_chat_until_it_ends()
    {
        const string Topic = "ccgw/agents/alice/clients/carol/presence";
        await _engine.SetClientPresenceAsync("carol", ClientPresenceState.Online);
        await using var alice = await _fixture.ConnectedAsync("alice-console");
        Assert.Equal(1, (await alice.SubscribeAsync("ccgw/agents/alice/clients/+/presence")).ReasonCodes[0]);
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);

        var chat = await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Im, QueueId = "sales", CustomerId = "carol" });
        Assert.Equal("alice", chat.AgentId);
        Assert.Equal("online", State(await NextOnAsync(alice, Topic)));

        await _engine.AcceptOfferAsync("alice", chat.InteractionId);
        await _engine.SetClientPresenceAsync("carol", ClientPresenceState.Away);
        Assert.Equal("away", State(await NextOnAsync(alice, Topic)));

        // Bob holds nothing of carol's: his own subtree has no copy, and CONTRACT §6 still keeps ccgw/clients/# from agents.
        await using var bob = await _fixture.ConnectedAsync("bob-console", user: "bob");
        Assert.Equal(MqttReasonCode.NotAuthorized, (await bob.SubscribeAsync(Topic)).ReasonCodes[0]);
        Assert.Equal(MqttReasonCode.NotAuthorized, (await bob.SubscribeAsync("ccgw/clients/carol/presence")).ReasonCodes[0]);

        await _engine.EndInteractionAsync(chat.InteractionId);
        var cleared = await NextOnAsync(alice, Topic);
        Assert.True(cleared.Payload.IsEmpty);

        // After the chat, a change is no longer copied to alice, and a late subscriber finds no retained copy.
        await _engine.SetClientPresenceAsync("carol", ClientPresenceState.Dnd);
        await using var late = await _fixture.ConnectedAsync("alice-late");
        await late.SubscribeAsync("ccgw/agents/alice/#");
        var first = await late.ReceiveAsync<PublishPacket>();
        Assert.Equal("ccgw/agents/alice/presence", first.Topic); // her own presence only; no client topic is retained
    }

    [Fact]
    public async Task A_customer_the_core_holds_no_presence_for_shows_offline_and_a_guest_without_an_id_shows_nothing()
    {
        await using var alice = await _fixture.ConnectedAsync("alice-console");
        await alice.SubscribeAsync("ccgw/agents/alice/clients/+/presence");
        await _engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);

        await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Im, QueueId = "sales" });
        await _engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Im, QueueId = "sales", CustomerId = "dave" });

        var first = await NextOnAsync(alice, "ccgw/agents/alice/clients/dave/presence");
        Assert.Equal("offline", State(first));
    }
}
