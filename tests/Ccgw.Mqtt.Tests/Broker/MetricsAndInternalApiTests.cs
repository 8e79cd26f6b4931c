namespace Ccgw.Mqtt.Tests.Broker;

public sealed class MetricsAndInternalApiTests
{
    [Fact]
    public async Task Connections_and_packets_are_measured()
    {
        await using var f = new BrokerFixture();
        var alice = await f.ConnectedAsync("c");
        await alice.ExpectNothingPendingAsync();
        Assert.Equal(1, f.Metrics["ccgw.mqtt.connections"]);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.sessions"]);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.packets.received[connect]"]);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.packets.received[pingreq]"]);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.packets.sent[connack]"]);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.packets.sent[pingresp]"]);
        await alice.SendAsync(new DisconnectPacket());
        await alice.ExpectClosedAsync();
        Assert.Equal(0, f.Metrics["ccgw.mqtt.connections"]);
        Assert.Equal(0, f.Broker.ConnectedClients);
    }

    [Fact]
    public async Task Local_subscription_gets_retained_messages_at_once_and_is_bounded()
    {
        await using var f = new BrokerFixture();
        await f.Broker.PublishAsync("ccgw/center/status", "s"u8.ToArray(), retain: true);
        using var sub = f.Broker.Subscribe("ccgw/#", capacity: 2);
        Assert.True(sub.Reader.TryRead(out var retained));
        Assert.True(retained.Retain);
        for (var i = 0; i < 3; i++) await f.Broker.PublishAsync("ccgw/queues/q/stats", new[] { (byte)i });
        Assert.Equal(1, f.Metrics["ccgw.mqtt.messages.dropped[local_subscriber_full]"]);
    }

    [Fact]
    public async Task Internal_publish_rejects_strings_that_cannot_be_sent()
    {
        await using var f = new BrokerFixture();
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await f.Broker.PublishAsync(new MqttApplicationMessage { Topic = "a", ContentType = "x\0y" }));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await f.Broker.PublishAsync(new MqttApplicationMessage { Topic = "a", ResponseTopic = "r/#" }));
    }

    [Fact]
    public async Task Client_publish_with_a_subscription_identifier_is_a_protocol_error()
    {
        await using var f = new BrokerFixture();
        var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Properties = new MqttProperties { SubscriptionIdentifiers = [1] } });
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<DisconnectPacket>(Assert.Single(await alice.ExpectClosedAsync())).ReasonCode);
    }

    [Fact]
    public async Task Disposing_the_broker_tells_v5_clients_it_is_shutting_down()
    {
        var f = new BrokerFixture();
        var alice = await f.ConnectedAsync("c");
        await f.DisposeAsync();
        Assert.Equal(MqttReasonCode.ServerShuttingDown, Assert.IsType<DisconnectPacket>(Assert.Single(await alice.ExpectClosedAsync())).ReasonCode);
    }
}

public sealed class GatewayWillTests
{
    [Fact]
    public async Task Gateway_will_reaches_subscribers_before_the_shutdown_disconnect()
    {
        var f = new BrokerFixture();
        var sup = await f.ConnectedAsync("wall", "sup");
        await sup.SubscribeAsync("ccgw/center/status");
        f.Broker.GatewayWill = new MqttApplicationMessage { Topic = "ccgw/center/status", Payload = "{\"gateway\":\"offline\"}"u8.ToArray(), Qos = MqttQualityOfService.AtLeastOnce, Retain = true };
        await f.DisposeAsync();
        var seen = await sup.ExpectClosedAsync();
        Assert.Equal(2, seen.Count);
        Assert.Equal("{\"gateway\":\"offline\"}"u8.ToArray(), Assert.IsType<PublishPacket>(seen[0]).Payload.ToArray());
        Assert.Equal(MqttReasonCode.ServerShuttingDown, Assert.IsType<DisconnectPacket>(seen[1]).ReasonCode);
    }

    [Fact]
    public async Task Gateway_will_is_validated_when_set()
    {
        await using var f = new BrokerFixture();
        Assert.Throws<ArgumentException>(() => f.Broker.GatewayWill = new MqttApplicationMessage { Topic = "ccgw/#" });
    }
}
