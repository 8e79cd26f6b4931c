namespace Ccgw.Mqtt.Tests.Broker;

public sealed class RetainedAndSessionTests
{
    private static readonly MqttProperties Persistent = new() { SessionExpiryInterval = 3600 };

    [Fact]
    public async Task Retained_is_set_replaced_and_cleared()
    {
        await using var f = new BrokerFixture();
        await f.Broker.PublishAsync("ccgw/queues/sales/stats", "1"u8.ToArray(), retain: true);
        await f.Broker.PublishAsync("ccgw/queues/sales/stats", "2"u8.ToArray(), retain: true);
        await f.Broker.PublishAsync("ccgw/queues/billing/stats", "3"u8.ToArray(), retain: true);
        await using (var late = await f.ConnectedAsync("late"))
        {
            await late.SubscribeAsync("ccgw/queues/sales/stats");
            var p = await late.ReceiveAsync<PublishPacket>();
            Assert.True(p.Retain);
            Assert.Equal("2"u8.ToArray(), p.Payload.ToArray());
            await late.ExpectNothingPendingAsync();
        }
        await f.Broker.PublishAsync("ccgw/queues/sales/stats", ReadOnlyMemory<byte>.Empty, retain: true);
        await using var later = await f.ConnectedAsync("later");
        await later.SubscribeAsync("ccgw/queues/sales/stats");
        await later.ExpectNothingPendingAsync();
        Assert.Equal(1, f.Metrics["ccgw.mqtt.retained_messages"]);
    }

    [Fact]
    public async Task Retain_handling_2_sends_no_retained_and_retain_as_published_keeps_the_flag()
    {
        await using var f = new BrokerFixture();
        await f.Broker.PublishAsync("ccgw/center/status", "x"u8.ToArray(), retain: true);
        await using var alice = await f.ConnectedAsync("c");
        await alice.SubscribeAsync("ccgw/center/status", options: new MqttSubscriptionOptions(MqttQualityOfService.AtMostOnce, RetainAsPublished: true, RetainHandling: 2));
        await alice.ExpectNothingPendingAsync();
        await f.Broker.PublishAsync("ccgw/center/status", "y"u8.ToArray(), retain: true);
        Assert.True((await alice.ReceiveAsync<PublishPacket>()).Retain);
    }

    [Fact]
    public async Task V3_live_delivery_clears_the_retain_flag()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("c", version: MqttProtocolVersion.V311);
        await alice.SubscribeAsync("ccgw/center/status", MqttQualityOfService.AtMostOnce);
        await f.Broker.PublishAsync("ccgw/center/status", "y"u8.ToArray(), retain: true);
        Assert.False((await alice.ReceiveAsync<PublishPacket>()).Retain);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Persistent_session_queues_qos1_while_offline(MqttProtocolVersion version)
    {
        await using var f = new BrokerFixture();
        var v5 = version == MqttProtocolVersion.V500;
        var first = await f.ConnectedAsync("phone", version: version, cleanStart: false, properties: v5 ? Persistent : null);
        await first.SubscribeAsync("ccgw/agents/alice/offers");
        await first.SendAsync(new DisconnectPacket());
        await first.ExpectClosedAsync();
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "o1"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "o0"u8.ToArray(), MqttQualityOfService.AtMostOnce);
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "o2"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await using var again = f.Client(version);
        var ack = await again.ConnectAsync("phone", cleanStart: false, properties: v5 ? Persistent : null);
        Assert.True(ack.SessionPresent);
        Assert.Equal("o1"u8.ToArray(), (await again.ReceiveAsync<PublishPacket>()).Payload.ToArray());
        Assert.Equal("o2"u8.ToArray(), (await again.ReceiveAsync<PublishPacket>()).Payload.ToArray());
    }

    [Fact]
    public async Task Unacknowledged_messages_are_resent_with_dup_on_reconnect()
    {
        await using var f = new BrokerFixture();
        var first = await f.ConnectedAsync("phone", cleanStart: false, properties: Persistent);
        await first.SubscribeAsync("ccgw/agents/alice/offers", MqttQualityOfService.ExactlyOnce);
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "a"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "b"u8.ToArray(), MqttQualityOfService.ExactlyOnce);
        var a = await first.ReceiveAsync<PublishPacket>();
        var b = await first.ReceiveAsync<PublishPacket>();
        Assert.False(a.Dup);
        await first.SendAsync(new PublishAckPacket(MqttPacketType.PubRec, b.PacketId));
        await first.ReceiveAsync<PublishAckPacket>(); // PUBREL
        await first.AbortAsync();

        await using var again = f.Client();
        Assert.True((await again.ConnectAsync("phone", cleanStart: false, properties: Persistent)).SessionPresent);
        var resent = await again.ReceiveAsync<PublishPacket>();
        Assert.True(resent.Dup);
        Assert.Equal((a.PacketId, "a"), (resent.PacketId, System.Text.Encoding.UTF8.GetString(resent.Payload.Span)));
        var rel = await again.ReceiveAsync<PublishAckPacket>();
        Assert.Equal((MqttPacketType.PubRel, b.PacketId), (rel.Type, rel.PacketId));
    }

    [Fact]
    public async Task Clean_start_discards_the_previous_session()
    {
        await using var f = new BrokerFixture();
        var first = await f.ConnectedAsync("phone", cleanStart: false, properties: Persistent);
        await first.SubscribeAsync("ccgw/agents/alice/offers");
        await first.AbortAsync();
        await using var again = f.Client();
        Assert.False((await again.ConnectAsync("phone", cleanStart: true)).SessionPresent);
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "a"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await again.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Session_expires_after_its_interval()
    {
        await using var f = new BrokerFixture();
        var first = await f.ConnectedAsync("phone", cleanStart: false, properties: new MqttProperties { SessionExpiryInterval = 60 });
        await first.AbortAsync();
        Assert.Equal(1, f.Broker.SessionCount);
        f.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, f.Broker.SessionCount);
        await using var again = f.Client();
        Assert.False((await again.ConnectAsync("phone", cleanStart: false, properties: Persistent)).SessionPresent);
    }

    [Fact]
    public async Task Queued_messages_past_their_expiry_are_dropped()
    {
        await using var f = new BrokerFixture();
        var first = await f.ConnectedAsync("phone", cleanStart: false, properties: Persistent);
        await first.SubscribeAsync("ccgw/agents/alice/offers");
        await first.AbortAsync();
        await f.Broker.PublishAsync(new MqttApplicationMessage { Topic = "ccgw/agents/alice/offers", Payload = "old"u8.ToArray(), Qos = MqttQualityOfService.AtLeastOnce, MessageExpiryInterval = 30 });
        await f.Broker.PublishAsync(new MqttApplicationMessage { Topic = "ccgw/agents/alice/offers", Payload = "new"u8.ToArray(), Qos = MqttQualityOfService.AtLeastOnce, MessageExpiryInterval = 300 });
        f.Time.Advance(TimeSpan.FromSeconds(100));
        await using var again = f.Client();
        await again.ConnectAsync("phone", cleanStart: false, properties: Persistent);
        var p = await again.ReceiveAsync<PublishPacket>();
        Assert.Equal("new"u8.ToArray(), p.Payload.ToArray());
        Assert.Equal(200u, p.Properties!.MessageExpiryInterval);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.messages.dropped[expired]"]);
    }

    [Fact]
    public async Task Offline_queue_is_bounded()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumQueuedMessagesPerSession = 3 });
        var first = await f.ConnectedAsync("phone", cleanStart: false, properties: Persistent);
        await first.SubscribeAsync("ccgw/agents/alice/offers");
        await first.AbortAsync();
        for (var i = 0; i < 5; i++)
            await f.Broker.PublishAsync("ccgw/agents/alice/offers", new[] { (byte)i }, MqttQualityOfService.AtLeastOnce);
        Assert.Equal(2, f.Metrics["ccgw.mqtt.messages.dropped[queue_full]"]);
        await using var again = f.Client();
        await again.ConnectAsync("phone", cleanStart: false, properties: Persistent);
        for (var i = 0; i < 3; i++)
        {
            var p = await again.ReceiveAsync<PublishPacket>();
            Assert.Equal(new[] { (byte)i }, p.Payload.ToArray());
            await again.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p.PacketId));
        }
        await again.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Receive_maximum_limits_unacknowledged_messages_in_flight()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("c", properties: new MqttProperties { ReceiveMaximum = 2 });
        await alice.SubscribeAsync("ccgw/queues/#");
        for (var i = 0; i < 3; i++)
            await f.Broker.PublishAsync("ccgw/queues/q/stats", new[] { (byte)i }, MqttQualityOfService.AtLeastOnce);
        var first = await alice.ReceiveAsync<PublishPacket>();
        await alice.ReceiveAsync<PublishPacket>();
        await alice.ExpectNothingPendingAsync();
        await alice.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, first.PacketId));
        Assert.Equal(new byte[] { 2 }, (await alice.ReceiveAsync<PublishPacket>()).Payload.ToArray());
    }

    [Fact]
    public async Task Inbound_qos2_beyond_receive_maximum_is_disconnect_0x93()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { ServerReceiveMaximum = 1 });
        var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Qos = MqttQualityOfService.ExactlyOnce, PacketId = 1 });
        await alice.ReceiveAsync<PublishAckPacket>();
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Qos = MqttQualityOfService.ExactlyOnce, PacketId = 2 });
        Assert.Equal(MqttReasonCode.ReceiveMaximumExceeded, Assert.IsType<DisconnectPacket>(Assert.Single(await alice.ExpectClosedAsync())).ReasonCode);
    }
}
