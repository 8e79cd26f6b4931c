namespace Ccgw.Mqtt.Tests.Broker;

public sealed class PublishSubscribeTests
{
    private static PublishPacket Command(MqttQualityOfService qos, ushort id = 0, string payload = "ready") => new()
    {
        Topic = "ccgw/agents/alice/commands", Payload = System.Text.Encoding.UTF8.GetBytes(payload), Qos = qos, PacketId = id,
    };

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Qos_0_1_2_flow_end_to_end_with_the_subscribers_maximum(MqttProtocolVersion version)
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("sup-console", "sup", version);
        Assert.Equal(new byte[] { 1 }, (await sup.SubscribeAsync("ccgw/agents/alice/commands", MqttQualityOfService.AtLeastOnce)).ReasonCodes);
        await using var alice = await f.ConnectedAsync("alice-console", "alice", version);

        await alice.SendAsync(Command(MqttQualityOfService.AtMostOnce));
        var p0 = await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal(MqttQualityOfService.AtMostOnce, p0.Qos);

        await alice.SendAsync(Command(MqttQualityOfService.AtLeastOnce, 10));
        Assert.Equal(MqttPacketType.PubAck, (await alice.ReceiveAsync<PublishAckPacket>()).Type);
        var p1 = await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal(MqttQualityOfService.AtLeastOnce, p1.Qos);
        await sup.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p1.PacketId));

        await alice.SendAsync(Command(MqttQualityOfService.ExactlyOnce, 11));
        Assert.Equal(MqttPacketType.PubRec, (await alice.ReceiveAsync<PublishAckPacket>()).Type);
        await alice.SendAsync(Command(MqttQualityOfService.ExactlyOnce, 11)); // resent before PUBREL: not routed twice
        Assert.Equal(MqttPacketType.PubRec, (await alice.ReceiveAsync<PublishAckPacket>()).Type);
        await alice.SendAsync(new PublishAckPacket(MqttPacketType.PubRel, 11));
        Assert.Equal(MqttPacketType.PubComp, (await alice.ReceiveAsync<PublishAckPacket>()).Type);
        var p2 = await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal(MqttQualityOfService.AtLeastOnce, p2.Qos); // downgraded to the granted QoS
        await sup.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p2.PacketId));
        await sup.ExpectNothingPendingAsync();
        Assert.Equal(3, f.Metrics["ccgw.mqtt.messages.published"]);
    }

    [Fact]
    public async Task Qos_2_towards_a_subscriber_uses_pubrec_pubrel_pubcomp()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("alice-console");
        await alice.SubscribeAsync("ccgw/agents/alice/offers", MqttQualityOfService.ExactlyOnce);
        await f.Broker.PublishAsync("ccgw/agents/alice/offers", "{}"u8.ToArray(), MqttQualityOfService.ExactlyOnce);
        var publish = await alice.ReceiveAsync<PublishPacket>();
        Assert.Equal(MqttQualityOfService.ExactlyOnce, publish.Qos);
        await alice.SendAsync(new PublishAckPacket(MqttPacketType.PubRec, publish.PacketId));
        var rel = await alice.ReceiveAsync<PublishAckPacket>();
        Assert.Equal((MqttPacketType.PubRel, publish.PacketId), (rel.Type, rel.PacketId));
        await alice.SendAsync(new PublishAckPacket(MqttPacketType.PubComp, publish.PacketId));
        await alice.ExpectNothingPendingAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttReasonCode.V3SubscribeFailure)]
    [InlineData(MqttProtocolVersion.V500, MqttReasonCode.NotAuthorized)]
    public async Task Denied_subscription_gets_a_failure_code_and_is_counted(MqttProtocolVersion version, byte expected)
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("c", "alice", version);
        await alice.SendAsync(new SubscribePacket
        {
            PacketId = 3,
            Subscriptions = [new("ccgw/agents/bob/#", new(MqttQualityOfService.AtLeastOnce)), new("ccgw/queues/#", new(MqttQualityOfService.AtLeastOnce))],
        });
        var ack = await alice.ReceiveAsync<SubAckPacket>();
        Assert.Equal(new[] { expected, (byte)1 }, ack.ReasonCodes);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.subscribes.denied"]);
    }

    [Fact]
    public async Task Denied_publish_is_dropped_with_reason_0x87_and_counted()
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("wall", "sup");
        await sup.SubscribeAsync("#");
        await using var alice = await f.ConnectedAsync("c", "alice");
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/bob/commands", Qos = MqttQualityOfService.AtLeastOnce, PacketId = 4 });
        var ack = await alice.ReceiveAsync<PublishAckPacket>();
        Assert.Equal(MqttReasonCode.NotAuthorized, ack.ReasonCode);
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/bob/commands", Qos = MqttQualityOfService.ExactlyOnce, PacketId = 5 });
        Assert.Equal((MqttPacketType.PubRec, MqttReasonCode.NotAuthorized), ((await alice.ReceiveAsync<PublishAckPacket>()) is var rec ? (rec.Type, rec.ReasonCode) : default));
        await sup.ExpectNothingPendingAsync();
        Assert.Equal(2, f.Metrics["ccgw.mqtt.publishes.denied"]);
    }

    [Fact]
    public async Task Wildcards_do_not_match_dollar_topics_at_the_first_level()
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("wall", "sup");
        await sup.SubscribeAsync("#", packetId: 1);
        await sup.SubscribeAsync("$SYS/#", packetId: 2);
        await f.Broker.PublishAsync("$SYS/uptime", "1"u8.ToArray());
        await f.Broker.PublishAsync("ccgw/center/status", "2"u8.ToArray());
        Assert.Equal("$SYS/uptime", (await sup.ReceiveAsync<PublishPacket>()).Topic);
        Assert.Equal("ccgw/center/status", (await sup.ReceiveAsync<PublishPacket>()).Topic);
        await sup.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Overlapping_subscriptions_deliver_once_at_the_highest_qos_with_all_identifiers()
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("wall", "sup");
        await sup.SendAsync(new SubscribePacket { PacketId = 1, Properties = new MqttProperties { SubscriptionIdentifiers = [5] }, Subscriptions = [new("ccgw/#", new(MqttQualityOfService.AtMostOnce))] });
        await sup.ReceiveAsync<SubAckPacket>();
        await sup.SendAsync(new SubscribePacket { PacketId = 2, Properties = new MqttProperties { SubscriptionIdentifiers = [6] }, Subscriptions = [new("ccgw/queues/+/stats", new(MqttQualityOfService.AtLeastOnce))] });
        await sup.ReceiveAsync<SubAckPacket>();
        await f.Broker.PublishAsync("ccgw/queues/sales/stats", "{}"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        var p = await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal(MqttQualityOfService.AtLeastOnce, p.Qos);
        Assert.Equal(new uint[] { 5, 6 }, p.Properties!.SubscriptionIdentifiers!.Order());
        await sup.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p.PacketId));
        await sup.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task No_local_suppresses_own_messages()
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("wall", "sup");
        await sup.SubscribeAsync("ccgw/agents/alice/commands", options: new MqttSubscriptionOptions(MqttQualityOfService.AtMostOnce, NoLocal: true));
        await sup.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Payload = "x"u8.ToArray() });
        await sup.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_reports_unknown_filters()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("c");
        await alice.SubscribeAsync("ccgw/queues/#");
        await alice.SendAsync(new UnsubscribePacket { PacketId = 9, Filters = ["ccgw/queues/#", "nope"] });
        var ack = await alice.ReceiveAsync<UnsubAckPacket>();
        Assert.Equal(new[] { MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted }, ack.ReasonCodes);
        await f.Broker.PublishAsync("ccgw/queues/sales/stats", "{}"u8.ToArray());
        await alice.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Topic_alias_from_the_client_is_resolved()
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("wall", "sup");
        await sup.SubscribeAsync("ccgw/agents/alice/commands");
        await using var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Payload = "1"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 1 } });
        await alice.SendAsync(new PublishPacket { Topic = "", Payload = "2"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 1 } });
        Assert.Equal("ccgw/agents/alice/commands", (await sup.ReceiveAsync<PublishPacket>()).Topic);
        var second = await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal(("ccgw/agents/alice/commands", "2"), (second.Topic, System.Text.Encoding.UTF8.GetString(second.Payload.Span)));
        Assert.Null(second.Properties?.TopicAlias);
    }

    [Fact]
    public async Task Topic_alias_beyond_the_maximum_is_disconnect_0x94()
    {
        await using var f = new BrokerFixture();
        var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Properties = new MqttProperties { TopicAlias = 999 } });
        Assert.Equal(MqttReasonCode.TopicAliasInvalid, Assert.IsType<DisconnectPacket>(Assert.Single(await alice.ExpectClosedAsync())).ReasonCode);
    }

    [Fact]
    public async Task Messages_larger_than_the_clients_maximum_packet_size_are_not_sent()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("c", properties: new MqttProperties { MaximumPacketSize = 200 });
        await alice.SubscribeAsync("ccgw/queues/#", MqttQualityOfService.AtLeastOnce);
        await f.Broker.PublishAsync("ccgw/queues/a/stats", new byte[500], MqttQualityOfService.AtLeastOnce);
        await f.Broker.PublishAsync("ccgw/queues/b/stats", new byte[10], MqttQualityOfService.AtLeastOnce);
        Assert.Equal("ccgw/queues/b/stats", (await alice.ReceiveAsync<PublishPacket>()).Topic);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.messages.dropped[too_large]"]);
    }

    [Fact]
    public async Task Local_subscription_receives_client_publishes_and_stops_when_disposed()
    {
        await using var f = new BrokerFixture();
        var commands = f.Broker.Subscribe("ccgw/agents/+/commands");
        await using var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(Command(MqttQualityOfService.AtLeastOnce, 1));
        await alice.ReceiveAsync<PublishAckPacket>();
        var message = await commands.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("ccgw/agents/alice/commands", "c"), (message.Topic, message.SenderClientId));
        commands.Dispose();
        await alice.SendAsync(Command(MqttQualityOfService.AtLeastOnce, 2));
        await alice.ReceiveAsync<PublishAckPacket>();
        Assert.False(commands.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Internal_publish_rejects_invalid_topics()
    {
        await using var f = new BrokerFixture();
        await Assert.ThrowsAsync<ArgumentException>(async () => await f.Broker.PublishAsync("a/#", ReadOnlyMemory<byte>.Empty));
        Assert.Throws<ArgumentException>(() => f.Broker.Subscribe("a/#/b"));
    }

    [Fact]
    public async Task Shared_subscriptions_are_granted()
    {
        await using var f = new BrokerFixture();
        await using var sup = await f.ConnectedAsync("wall", "sup");
        Assert.Equal(new[] { MqttReasonCode.GrantedQos1 }, (await sup.SubscribeAsync("$share/g/ccgw/#")).ReasonCodes);
    }
}
