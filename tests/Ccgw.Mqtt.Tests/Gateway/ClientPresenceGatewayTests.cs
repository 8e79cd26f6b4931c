using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Mqtt.Gateway;
using Ccgw.Mqtt.Tests.Broker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Gateway;

/// <summary>
/// CONTRACT §6 client presence end to end in-process: routing core → gateway service → embedded broker → a
/// subscribing client, including a late subscriber that gets it retained.
/// </summary>
public sealed class ClientPresenceGatewayTests : IAsyncLifetime
{
    private readonly BrokerFixture _fixture = new();
    private readonly CancellationTokenSource _stop = new();
    private RoutingEngine _engine = null!;
    private MqttGatewayService _service = null!;
    private Task _engineRun = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var agents = new[] { new AgentDefinition("alice", "alice", new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 1, 1)) };
        _engine = new RoutingEngine(new ContactCenterDefinition(agents, [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 })], new RoutingOptions()), _fixture.Time);
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

    private static async Task<JsonElement> NextOnAsync(PipeClient client, string topic)
    {
        while (true)
        {
            var publish = await client.ReceiveAsync<PublishPacket>();
            if (publish.Qos != MqttQualityOfService.AtMostOnce)
                await client.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, publish.PacketId));
            if (publish.Topic == topic) return JsonDocument.Parse(publish.Payload).RootElement.Clone();
        }
    }

    [Fact]
    public async Task A_customers_presence_is_published_retained_and_a_late_subscriber_gets_it()
    {
        await using var live = await _fixture.ConnectedAsync("sup-wallboard", user: "sup");
        Assert.Equal(1, (await live.SubscribeAsync("ccgw/clients/+/presence")).ReasonCodes[0]);

        var preferred = new PreferredContact(InteractionChannel.Im, "carol@example.net");
        Assert.True((await _engine.SetClientPresenceAsync("c-42", ClientPresenceState.Away, preferred)).IsOk);
        var seen = await NextOnAsync(live, "ccgw/clients/c-42/presence");
        Assert.Equal("away", seen.GetProperty("state").GetString());

        await using var late = await _fixture.ConnectedAsync("sup-late", user: "sup", version: MqttProtocolVersion.V311);
        await late.SubscribeAsync("ccgw/clients/#");
        var retained = await late.ReceiveAsync<PublishPacket>();
        Assert.True(retained.Retain);
        Assert.Equal("ccgw/clients/c-42/presence", retained.Topic);
        var json = JsonDocument.Parse(retained.Payload).RootElement;
        Assert.Equal("c-42", json.GetProperty("customerId").GetString());
        Assert.Equal("away", json.GetProperty("state").GetString());
        Assert.Equal("im", json.GetProperty("preferredContact").GetProperty("channel").GetString());
        Assert.Equal("carol@example.net", json.GetProperty("preferredContact").GetProperty("address").GetString());
        Assert.Equal(GatewayPayloads.Time(_fixture.Time.GetUtcNow()), json.GetProperty("since").GetString());

        // Offline replaces the retained message; agents may not read customers' presence (CONTRACT §6).
        await _engine.SetClientPresenceAsync("c-42", ClientPresenceState.Offline);
        var offline = await NextOnAsync(live, "ccgw/clients/c-42/presence");
        Assert.Equal(JsonValueKind.Null, offline.GetProperty("preferredContact").ValueKind);
        Assert.Equal("offline", offline.GetProperty("state").GetString());
        await using var alice = await _fixture.ConnectedAsync("alice-console");
        Assert.Equal(MqttReasonCode.NotAuthorized, (await alice.SubscribeAsync("ccgw/clients/c-42/presence")).ReasonCodes[0]);
    }
}
