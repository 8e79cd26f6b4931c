namespace Ccgw.Mqtt.Tests.Broker;

public sealed class KeepAliveAndWillTests
{
    private static MqttWill Will(uint? delay = null) => new()
    {
        Topic = "ccgw/agents/alice/commands",
        Payload = "logout"u8.ToArray(),
        Qos = MqttQualityOfService.AtLeastOnce,
        Properties = delay is null ? null : new MqttProperties { WillDelayInterval = delay },
    };

    private static async Task<PipeClient> WatcherAsync(BrokerFixture f)
    {
        var sup = await f.ConnectedAsync("wallboard", "sup");
        await sup.SubscribeAsync("ccgw/agents/+/commands");
        return sup;
    }

    [Fact]
    public async Task Keep_alive_closes_at_one_and_a_half_times_and_publishes_the_will()
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", keepAlive: 10, will: Will());
        f.Time.Advance(TimeSpan.FromSeconds(14));
        await alice.ExpectNothingPendingAsync(); // a PINGREQ resets the timer
        f.Time.Advance(TimeSpan.FromSeconds(14.9));
        await alice.ExpectNothingPendingAsync();
        f.Time.Advance(TimeSpan.FromSeconds(15));
        var seen = await alice.ExpectClosedAsync();
        Assert.Equal(MqttReasonCode.KeepAliveTimeout, Assert.IsType<DisconnectPacket>(Assert.Single(seen)).ReasonCode);
        var will = await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal("ccgw/agents/alice/commands", will.Topic);
        Assert.Equal("logout"u8.ToArray(), will.Payload.ToArray());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Will_is_published_on_abrupt_disconnect(MqttProtocolVersion version)
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", version: version, will: Will());
        await alice.AbortAsync();
        Assert.Equal("logout"u8.ToArray(), (await sup.ReceiveAsync<PublishPacket>()).Payload.ToArray());
    }

    [Fact]
    public async Task Will_is_not_published_on_normal_disconnect()
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", will: Will());
        await alice.SendAsync(new DisconnectPacket());
        await alice.ExpectClosedAsync();
        await sup.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Disconnect_with_will_message_publishes_the_will()
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", will: Will());
        await alice.SendAsync(new DisconnectPacket { ReasonCode = MqttReasonCode.DisconnectWithWill });
        await alice.ExpectClosedAsync();
        await sup.ReceiveAsync<PublishPacket>();
    }

    [Fact]
    public async Task Will_delay_holds_the_will_until_it_elapses()
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", will: Will(delay: 30), properties: new MqttProperties { SessionExpiryInterval = 300 });
        await alice.AbortAsync();
        f.Time.Advance(TimeSpan.FromSeconds(29));
        await sup.ExpectNothingPendingAsync();
        f.Time.Advance(TimeSpan.FromSeconds(1));
        await sup.ReceiveAsync<PublishPacket>();
    }

    [Fact]
    public async Task Reconnecting_within_the_will_delay_cancels_the_will()
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", will: Will(delay: 30), properties: new MqttProperties { SessionExpiryInterval = 300 });
        await alice.AbortAsync();
        f.Time.Advance(TimeSpan.FromSeconds(10));
        await using var again = await f.ConnectedAsync("phone", cleanStart: false, properties: new MqttProperties { SessionExpiryInterval = 300 });
        f.Time.Advance(TimeSpan.FromSeconds(60));
        await sup.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Session_expiry_before_the_will_delay_publishes_the_will_then()
    {
        await using var f = new BrokerFixture();
        await using var sup = await WatcherAsync(f);
        var alice = await f.ConnectedAsync("phone", will: Will(delay: 600), properties: new MqttProperties { SessionExpiryInterval = 20 });
        await alice.AbortAsync();
        f.Time.Advance(TimeSpan.FromSeconds(19));
        await sup.ExpectNothingPendingAsync();
        f.Time.Advance(TimeSpan.FromSeconds(1));
        await sup.ReceiveAsync<PublishPacket>();
        Assert.Equal(1, f.Broker.SessionCount);
    }
}

public sealed class WillAuthorizationTests
{
    [Fact]
    public async Task Will_on_a_topic_the_client_may_not_publish_is_refused_at_connect()
    {
        await using var f = new BrokerFixture();
        var client = f.Client(MqttProtocolVersion.V311);
        var ack = await client.ConnectAsync("c", will: new MqttWill { Topic = "ccgw/agents/alice/presence", Payload = "x"u8.ToArray() });
        Assert.Equal(MqttReasonCode.V3NotAuthorized, ack.ReasonCode);
        await client.ExpectClosedAsync();
    }
}
