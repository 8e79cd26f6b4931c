namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>Shared subscriptions, <c>$share/{ShareName}/{filter}</c> (MQTT 5.0 §4.8.2).</summary>
public sealed class SharedSubscriptionTests
{
    private const string Stats = "ccgw/queues/q/stats";

    private static async Task<string> PayloadAsync(PipeClient client, bool ack = true)
    {
        var publish = await client.ReceiveAsync<PublishPacket>();
        if (ack && publish.Qos == MqttQualityOfService.AtLeastOnce)
            await client.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, publish.PacketId));
        return System.Text.Encoding.UTF8.GetString(publish.Payload.Span);
    }

    private static ValueTask PublishAsync(BrokerFixture f, string payload, bool retain = false) =>
        f.Broker.PublishAsync(Stats, System.Text.Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce, retain);

    [Fact]
    public async Task Each_message_goes_to_one_member_in_turn_and_a_plain_subscriber_still_gets_all()
    {
        await using var f = new BrokerFixture();
        await using var a = await f.ConnectedAsync("a");
        await using var b = await f.ConnectedAsync("b", "bob", MqttProtocolVersion.V311); // v3.1.1 clients may share too, as with mosquitto
        await using var plain = await f.ConnectedAsync("plain", "sup");
        Assert.Equal(new[] { MqttReasonCode.GrantedQos1 }, (await a.SubscribeAsync("$share/wall/ccgw/queues/#")).ReasonCodes);
        Assert.Equal(new[] { MqttReasonCode.GrantedQos1 }, (await b.SubscribeAsync("$share/wall/ccgw/queues/#")).ReasonCodes);
        await plain.SubscribeAsync("ccgw/queues/#");

        for (var i = 1; i <= 4; i++) await PublishAsync(f, "m" + i);

        Assert.Equal(new[] { "m1", "m3" }, new[] { await PayloadAsync(a), await PayloadAsync(a) });
        Assert.Equal(new[] { "m2", "m4" }, new[] { await PayloadAsync(b), await PayloadAsync(b) });
        for (var i = 1; i <= 4; i++) Assert.Equal("m" + i, await PayloadAsync(plain));
        await a.ExpectNothingPendingAsync();
        await b.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Two_share_names_on_one_filter_are_two_groups()
    {
        await using var f = new BrokerFixture();
        await using var a = await f.ConnectedAsync("a");
        await using var b = await f.ConnectedAsync("b", "bob");
        await a.SubscribeAsync("$share/one/ccgw/queues/#");
        await b.SubscribeAsync("$share/two/ccgw/queues/#");
        await PublishAsync(f, "m1");
        Assert.Equal("m1", await PayloadAsync(a));
        Assert.Equal("m1", await PayloadAsync(b));
    }

    [Fact]
    public async Task A_new_shared_subscription_gets_no_retained_messages()
    {
        await using var f = new BrokerFixture();
        await PublishAsync(f, "retained", retain: true);
        await using var a = await f.ConnectedAsync("a");
        await a.SubscribeAsync("$share/g/ccgw/queues/#");
        await a.ExpectNothingPendingAsync();
        await a.SubscribeAsync("ccgw/queues/#", packetId: 2);
        Assert.Equal("retained", await PayloadAsync(a));
    }

    [Theory]
    [InlineData("$share//ccgw/queues/#")]
    [InlineData("$share/a+b/ccgw/queues/#")]
    [InlineData("$share/+/ccgw/queues/#")]
    [InlineData("$share/#/ccgw/queues/#")]
    [InlineData("$share/g")]
    [InlineData("$share/g/")]
    [InlineData("$share/g/ccgw/#/x")]
    public async Task Invalid_share_names_and_filters_are_refused(string filter)
    {
        await using var f = new BrokerFixture();
        await using var v5 = await f.ConnectedAsync("v5", "sup");
        await using var v3 = await f.ConnectedAsync("v3", "sup", MqttProtocolVersion.V311);
        Assert.Equal(new[] { MqttReasonCode.TopicFilterInvalid }, (await v5.SubscribeAsync(filter)).ReasonCodes);
        Assert.Equal(new[] { MqttReasonCode.V3SubscribeFailure }, (await v3.SubscribeAsync(filter)).ReasonCodes);
    }

    [Fact]
    public async Task The_acl_judges_the_filter_after_the_share_name()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("a");
        Assert.Equal(new[] { MqttReasonCode.NotAuthorized }, (await alice.SubscribeAsync("$share/g/ccgw/agents/+/presence")).ReasonCodes);
        Assert.Equal(new[] { MqttReasonCode.GrantedQos1 }, (await alice.SubscribeAsync("$share/g/ccgw/agents/alice/#", packetId: 2)).ReasonCodes);
        Assert.Equal(1, f.Metrics["ccgw.mqtt.subscribes.denied"]);
    }

    [Fact]
    public async Task No_local_on_a_shared_subscription_is_a_protocol_error()
    {
        await using var f = new BrokerFixture();
        var a = await f.ConnectedAsync("a");
        await a.SendAsync(new SubscribePacket
        {
            PacketId = 1, Subscriptions = [new("$share/g/ccgw/queues/#", new MqttSubscriptionOptions(MqttQualityOfService.AtLeastOnce, NoLocal: true))],
        });
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<DisconnectPacket>(Assert.Single(await a.ExpectClosedAsync())).ReasonCode);
    }

    [Fact]
    public async Task Connected_members_are_preferred_and_an_offline_member_keeps_what_it_was_sent()
    {
        await using var f = new BrokerFixture();
        var persistent = new MqttProperties { SessionExpiryInterval = 600 };
        var a = await f.ConnectedAsync("a", cleanStart: false, properties: persistent);
        await using var b = await f.ConnectedAsync("b", "bob");
        await a.SubscribeAsync("$share/g/ccgw/queues/#");
        await b.SubscribeAsync("$share/g/ccgw/queues/#");
        await PublishAsync(f, "to-a");
        Assert.Equal("to-a", await PayloadAsync(a, ack: false)); // in flight, unacknowledged
        await a.AbortAsync();

        await PublishAsync(f, "m2");
        await PublishAsync(f, "m3");
        Assert.Equal(new[] { "m2", "m3" }, new[] { await PayloadAsync(b), await PayloadAsync(b) });

        // With no member connected, the offline persistent session queues its turn (as mosquitto does).
        await b.SendAsync(new DisconnectPacket());
        await b.ExpectClosedAsync();
        await PublishAsync(f, "queued");

        await using var back = f.Client();
        Assert.True((await back.ConnectAsync("a", cleanStart: false, properties: persistent)).SessionPresent);
        var resent = await back.ReceiveAsync<PublishPacket>();
        Assert.True(resent.Dup);
        Assert.Equal("to-a", System.Text.Encoding.UTF8.GetString(resent.Payload.Span));
        Assert.Equal("queued", await PayloadAsync(back));
    }

    [Fact]
    public async Task When_a_members_session_ends_its_undelivered_messages_go_to_another_member()
    {
        await using var f = new BrokerFixture();
        var a = await f.ConnectedAsync("a", cleanStart: false, properties: new MqttProperties { SessionExpiryInterval = 60, ReceiveMaximum = 1 });
        await using var b = await f.ConnectedAsync("b", "bob");
        await a.SubscribeAsync("$share/g/ccgw/queues/#");
        await b.SubscribeAsync("$share/g/ccgw/queues/#");
        await PublishAsync(f, "m1"); // a, in flight
        await PublishAsync(f, "m2"); // b
        await PublishAsync(f, "m3"); // a, queued behind m1 (Receive Maximum 1)
        Assert.Equal("m1", await PayloadAsync(a, ack: false));
        Assert.Equal("m2", await PayloadAsync(b));
        await a.AbortAsync();
        await b.ExpectNothingPendingAsync();

        f.Time.Advance(TimeSpan.FromSeconds(60)); // a's session expires
        Assert.Equal(new[] { "m1", "m3" }, new[] { await PayloadAsync(b), await PayloadAsync(b) });
    }

    [Fact]
    public async Task Unsubscribing_leaves_the_group_and_the_last_member_removes_it()
    {
        await using var f = new BrokerFixture();
        await using var a = await f.ConnectedAsync("a");
        await using var b = await f.ConnectedAsync("b", "bob");
        await a.SubscribeAsync("$share/g/ccgw/queues/#");
        await b.SubscribeAsync("$share/g/ccgw/queues/#");
        await a.SendAsync(new UnsubscribePacket { PacketId = 5, Filters = ["$share/g/ccgw/queues/#"] });
        Assert.Equal(new[] { MqttReasonCode.Success }, (await a.ReceiveAsync<UnsubAckPacket>()).ReasonCodes);
        await PublishAsync(f, "m1");
        await PublishAsync(f, "m2");
        Assert.Equal(new[] { "m1", "m2" }, new[] { await PayloadAsync(b), await PayloadAsync(b) });
        await b.SendAsync(new UnsubscribePacket { PacketId = 6, Filters = ["$share/g/ccgw/queues/#"] });
        await b.ReceiveAsync<UnsubAckPacket>();
        await PublishAsync(f, "m3");
        await a.ExpectNothingPendingAsync();
        await b.ExpectNothingPendingAsync();
    }
}
