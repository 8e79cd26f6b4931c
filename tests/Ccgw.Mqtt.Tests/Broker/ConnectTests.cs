namespace Ccgw.Mqtt.Tests.Broker;

public sealed class ConnectTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttReasonCode.V3BadUserNameOrPassword)]
    [InlineData(MqttProtocolVersion.V500, MqttReasonCode.BadUserNameOrPassword)]
    public async Task Bad_password_is_refused_and_the_connection_closed(MqttProtocolVersion version, byte expected)
    {
        await using var f = new BrokerFixture();
        var client = f.Client(version);
        var ack = await client.ConnectAsync("c1", "alice", "wrong");
        Assert.Equal(expected, ack.ReasonCode);
        Assert.False(ack.SessionPresent);
        await client.ExpectClosedAsync();
        Assert.Equal(1, f.Metrics["ccgw.mqtt.connections.refused"]);
    }

    [Fact]
    public async Task V5_empty_client_id_gets_an_assigned_one()
    {
        await using var f = new BrokerFixture();
        await using var client = f.Client();
        var ack = await client.ConnectAsync("");
        Assert.Equal(0, ack.ReasonCode);
        Assert.StartsWith("ccgw-", ack.Properties!.AssignedClientIdentifier);
        Assert.Equal((ushort)100, ack.Properties.ReceiveMaximum);
        Assert.Equal((byte)1, ack.Properties.SharedSubscriptionAvailable);
        Assert.Null(ack.Properties.ServerKeepAlive);
    }

    [Fact]
    public async Task V3_empty_client_id_without_clean_session_is_rejected()
    {
        await using var f = new BrokerFixture();
        var client = f.Client(MqttProtocolVersion.V311);
        var ack = await client.ConnectAsync("", cleanStart: false);
        Assert.Equal(MqttReasonCode.V3IdentifierRejected, ack.ReasonCode);
        await client.ExpectClosedAsync();
    }

    [Fact]
    public async Task First_packet_other_than_connect_closes_the_connection()
    {
        await using var f = new BrokerFixture();
        var client = f.Client(MqttProtocolVersion.V311);
        await client.SendAsync(new PingReqPacket());
        Assert.Empty(await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task Unsupported_protocol_level_gets_a_v3_refusal()
    {
        await using var f = new BrokerFixture();
        var client = f.Client(MqttProtocolVersion.V311);
        var bytes = MqttPacketEncoder.ToBytes(new ConnectPacket { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "c" }, MqttProtocolVersion.V311);
        bytes[8] = 6;
        await client.SendRawAsync(bytes);
        var ack = Assert.IsType<ConnAckPacket>(Assert.Single(await client.ExpectClosedAsync()));
        Assert.Equal(MqttReasonCode.V3UnacceptableProtocolVersion, ack.ReasonCode);
    }

    [Fact]
    public async Task Second_connect_is_a_protocol_error()
    {
        await using var f = new BrokerFixture();
        var client = await f.ConnectedAsync("c1");
        await client.SendAsync(new ConnectPacket { ClientId = "c1" });
        var disconnect = Assert.IsType<DisconnectPacket>(Assert.Single(await client.ExpectClosedAsync()));
        Assert.Equal(MqttReasonCode.ProtocolError, disconnect.ReasonCode);
    }

    [Fact]
    public async Task Malformed_packet_gets_disconnect_0x81_in_v5()
    {
        await using var f = new BrokerFixture();
        var client = await f.ConnectedAsync("c1");
        await client.SendRawAsync([0x30, 0x03, 0x00, 0x09, 0x61]);
        var disconnect = Assert.IsType<DisconnectPacket>(Assert.Single(await client.ExpectClosedAsync()));
        Assert.Equal(MqttReasonCode.MalformedPacket, disconnect.ReasonCode);
    }

    [Fact]
    public async Task Malformed_packet_closes_a_v3_connection_without_a_packet()
    {
        await using var f = new BrokerFixture();
        var client = await f.ConnectedAsync("c1", version: MqttProtocolVersion.V311);
        await client.SendRawAsync([0x30, 0x03, 0x00, 0x09, 0x61]);
        Assert.Empty(await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task Oversized_packet_gets_disconnect_0x95()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumPacketSize = 1000 });
        var client = await f.ConnectedAsync("c1");
        await client.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Payload = new byte[2000] });
        var disconnect = Assert.IsType<DisconnectPacket>(Assert.Single(await client.ExpectClosedAsync()));
        Assert.Equal(MqttReasonCode.PacketTooLarge, disconnect.ReasonCode);
    }

    [Fact]
    public async Task Publish_to_a_wildcard_topic_gets_disconnect_0x90()
    {
        await using var f = new BrokerFixture();
        var client = await f.ConnectedAsync("c1");
        await client.SendAsync(new PublishPacket { Topic = "ccgw/+/x" });
        var disconnect = Assert.IsType<DisconnectPacket>(Assert.Single(await client.ExpectClosedAsync()));
        Assert.Equal(MqttReasonCode.TopicNameInvalid, disconnect.ReasonCode);
    }

    [Fact]
    public async Task Another_user_cannot_take_a_client_id_in_use()
    {
        await using var f = new BrokerFixture();
        await using var alice = await f.ConnectedAsync("shared-id", "alice");
        var bob = f.Client();
        var ack = await bob.ConnectAsync("shared-id", "bob", "demo-bob");
        Assert.Equal(MqttReasonCode.NotAuthorized, ack.ReasonCode);
        await bob.ExpectClosedAsync();
        await alice.ExpectNothingPendingAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Session_takeover_closes_the_old_connection(MqttProtocolVersion version)
    {
        await using var f = new BrokerFixture();
        var first = await f.ConnectedAsync("console", version: version);
        await using var second = await f.ConnectedAsync("console", version: version);
        var seen = await first.ExpectClosedAsync();
        if (version == MqttProtocolVersion.V500)
            Assert.Equal(MqttReasonCode.SessionTakenOver, Assert.IsType<DisconnectPacket>(Assert.Single(seen)).ReasonCode);
        else
            Assert.Empty(seen);
        await second.ExpectNothingPendingAsync();
    }

    [Fact]
    public async Task Connect_timeout_closes_a_silent_connection()
    {
        await using var f = new BrokerFixture();
        var client = f.Client();
        f.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Empty(await client.ExpectClosedAsync());
    }
}

public sealed class ConnectLimitTests
{
    [Fact]
    public async Task Oversized_connect_is_refused_before_authentication()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumConnectPacketSize = 1000 });
        var client = f.Client(MqttProtocolVersion.V311);
        await client.SendAsync(new ConnectPacket
        {
            ProtocolVersion = MqttProtocolVersion.V311, ClientId = "c", UserName = "alice", Password = "demo-alice"u8.ToArray(),
            Will = new MqttWill { Topic = "ccgw/agents/alice/commands", Payload = new byte[2000] },
        });
        Assert.Empty(await client.ExpectClosedAsync());
    }
}
