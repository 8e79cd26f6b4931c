namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>What the broker announces in CONNACK and holds clients to: Server Keep Alive, Receive Maximum, Topic Alias Maximum.</summary>
public sealed class ServerLimitsTests
{
    private static PublishPacket Qos2(ushort id, int size = 0) => new()
    {
        Topic = "ccgw/agents/alice/commands", Qos = MqttQualityOfService.ExactlyOnce, PacketId = id, Payload = new byte[size],
    };

    [Theory]
    [InlineData(0, 30)]
    [InlineData(100, 30)]
    public async Task Server_keep_alive_replaces_0_or_more_than_the_maximum_and_is_enforced(ushort asked, ushort told)
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumKeepAlive = TimeSpan.FromSeconds(30) });
        var client = f.Client();
        var ack = await client.ConnectAsync("c", keepAlive: asked);
        Assert.Equal((ushort)told, ack.Properties!.ServerKeepAlive);
        await client.ExpectNothingPendingAsync(); // the keep-alive timer starts after CONNACK; a round trip makes sure it runs
        f.Time.Advance(TimeSpan.FromSeconds(44));
        await client.ExpectNothingPendingAsync(); // resets the timer
        f.Time.Advance(TimeSpan.FromSeconds(44.9));
        await client.ExpectNothingPendingAsync();
        f.Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(MqttReasonCode.KeepAliveTimeout, Assert.IsType<DisconnectPacket>(Assert.Single(await client.ExpectClosedAsync())).ReasonCode);
    }

    [Fact]
    public async Task A_keep_alive_within_the_maximum_is_the_clients_own()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumKeepAlive = TimeSpan.FromSeconds(30) });
        var client = f.Client();
        var ack = await client.ConnectAsync("c", keepAlive: 10);
        Assert.Null(ack.Properties!.ServerKeepAlive);
        await client.ExpectNothingPendingAsync();
        f.Time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(MqttReasonCode.KeepAliveTimeout, Assert.IsType<DisconnectPacket>(Assert.Single(await client.ExpectClosedAsync())).ReasonCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    public async Task A_v311_keep_alive_beyond_the_maximum_is_refused_as_mosquitto_does(ushort asked)
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumKeepAlive = TimeSpan.FromSeconds(30) });
        var client = f.Client(MqttProtocolVersion.V311);
        Assert.Equal(MqttReasonCode.V3IdentifierRejected, (await client.ConnectAsync("c", keepAlive: asked)).ReasonCode);
        await client.ExpectClosedAsync();
        await using var within = f.Client(MqttProtocolVersion.V311);
        Assert.Equal(MqttReasonCode.Success, (await within.ConnectAsync("d", keepAlive: 30)).ReasonCode);
    }

    [Fact]
    public async Task Receive_maximum_exceeded_the_disconnect_is_written_and_the_broker_drains_until_the_client_closes()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { ServerReceiveMaximum = 2 });
        var alice = await f.ConnectedAsync("c");
        // Like the conformance suite: a burst well past the Receive Maximum, with no PUBREL.
        for (ushort id = 1; id <= 50; id++) await alice.SendAsync(Qos2(id, 1000));
        Assert.Equal(MqttPacketType.PubRec, (await alice.ReceiveAsync<PublishAckPacket>()).Type);
        Assert.Equal(MqttPacketType.PubRec, (await alice.ReceiveAsync<PublishAckPacket>()).Type);
        var disconnect = await alice.ReceiveAsync<DisconnectPacket>();
        Assert.Equal(MqttReasonCode.ReceiveMaximumExceeded, disconnect.ReasonCode);
        // The broker keeps reading what the client still sends (no reset before the client read the DISCONNECT):
        // a write four times the pipe's pause threshold completes only because the broker consumes it.
        Assert.False((await alice.SendRawWithFlushAsync(new byte[256 * 1024])).IsCompleted);
        Assert.False(alice.BrokerTask.IsCompleted);
        await alice.AbortAsync(); // the client closes its side after the DISCONNECT; only then does the broker end
        Assert.Null(await alice.ReceiveAsync());
    }

    [Fact]
    public async Task A_client_that_never_closes_after_our_disconnect_is_closed_after_the_linger_timeout()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { ServerReceiveMaximum = 1, LingerTimeout = TimeSpan.FromSeconds(2) });
        var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(Qos2(1));
        await alice.SendAsync(Qos2(2));
        await alice.ReceiveAsync<PublishAckPacket>();
        Assert.Equal(MqttReasonCode.ReceiveMaximumExceeded, (await alice.ReceiveAsync<DisconnectPacket>()).ReasonCode);
        Assert.False((await alice.SendRawWithFlushAsync(new byte[256 * 1024])).IsCompleted); // the broker is lingering now
        f.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await alice.ReceiveAsync());
        await alice.BrokerTask.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Topic_alias_maximum_is_announced_and_configurable()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { TopicAliasMaximum = 4 });
        await using var client = f.Client();
        Assert.Equal((ushort)4, (await client.ConnectAsync("c")).Properties!.TopicAliasMaximum);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)5)]
    public async Task Topic_alias_0_or_above_the_maximum_is_disconnect_0x94(ushort alias)
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { TopicAliasMaximum = 4 });
        var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Properties = new MqttProperties { TopicAlias = alias } });
        Assert.Equal(MqttReasonCode.TopicAliasInvalid, Assert.IsType<DisconnectPacket>(Assert.Single(await alice.ExpectClosedAsync())).ReasonCode);
    }

    [Fact]
    public async Task An_unknown_alias_with_an_empty_topic_is_disconnect_0x82()
    {
        await using var f = new BrokerFixture();
        var alice = await f.ConnectedAsync("c");
        await alice.SendAsync(new PublishPacket { Topic = "", Properties = new MqttProperties { TopicAlias = 3 } });
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<DisconnectPacket>(Assert.Single(await alice.ExpectClosedAsync())).ReasonCode);
    }
}
