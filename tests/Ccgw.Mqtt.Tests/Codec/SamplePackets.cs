namespace Ccgw.Mqtt.Tests.Codec;

/// <summary>One representative of every packet type for each protocol version, with rich v5 properties.</summary>
internal static class SamplePackets
{
    public static MqttProperties RichPublishProperties() => new()
    {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 60,
        ContentType = "application/json",
        ResponseTopic = "ccgw/replies/é",
        CorrelationData = [1, 2, 3],
        SubscriptionIdentifiers = [7, 300_000],
        TopicAlias = 3,
        UserProperties = [new("k", "v"), new("k", "v2")],
    };

    public static IEnumerable<MqttPacket> All(MqttProtocolVersion version)
    {
        var v5 = version == MqttProtocolVersion.V500;
        yield return new ConnectPacket
        {
            ProtocolVersion = version,
            ClientId = "console-1",
            CleanStart = true,
            KeepAliveSeconds = 30,
            UserName = "alice",
            Password = "demo-alice"u8.ToArray(),
            Properties = v5 ? new MqttProperties { SessionExpiryInterval = 3600, ReceiveMaximum = 10, MaximumPacketSize = 65536, TopicAliasMaximum = 5, RequestProblemInformation = 1, UserProperties = [new("a", "b")] } : null,
            Will = new MqttWill
            {
                Topic = "ccgw/agents/alice/presence",
                Payload = "{\"state\":\"offline\"}"u8.ToArray(),
                Qos = MqttQualityOfService.AtLeastOnce,
                Retain = true,
                Properties = v5 ? new MqttProperties { WillDelayInterval = 5, MessageExpiryInterval = 10, ContentType = "application/json" } : null,
            },
        };
        yield return new ConnectPacket { ProtocolVersion = version, ClientId = "", CleanStart = true };
        yield return new ConnAckPacket
        {
            SessionPresent = true,
            ReasonCode = 0,
            Properties = v5 ? new MqttProperties
            {
                AssignedClientIdentifier = "ccgw-1", ServerKeepAlive = 20, ReceiveMaximum = 100, MaximumPacketSize = 1 << 20,
                TopicAliasMaximum = 10, MaximumQos = 1, RetainAvailable = 1, WildcardSubscriptionAvailable = 1,
                SubscriptionIdentifierAvailable = 1, SharedSubscriptionAvailable = 0, ReasonString = "ok", SessionExpiryInterval = 10,
                ResponseInformation = "r", ServerReference = "s", AuthenticationMethod = "m", AuthenticationData = [9],
            } : null,
        };
        yield return new PublishPacket { Topic = "a/b", Payload = "hello"u8.ToArray(), Qos = MqttQualityOfService.AtMostOnce };
        yield return new PublishPacket
        {
            Topic = "ccgw/queues/sales/stats", Payload = new byte[300], Qos = MqttQualityOfService.ExactlyOnce, Retain = true, Dup = true,
            PacketId = 65535, Properties = v5 ? RichPublishProperties() : null,
        };
        yield return new PublishPacket { Topic = "x", Qos = MqttQualityOfService.AtLeastOnce, PacketId = 1 };
        foreach (var type in new[] { MqttPacketType.PubAck, MqttPacketType.PubRec, MqttPacketType.PubRel, MqttPacketType.PubComp })
        {
            yield return new PublishAckPacket(type, 42);
            if (v5)
            {
                yield return new PublishAckPacket(type, 43, MqttReasonCode.NotAuthorized);
                yield return new PublishAckPacket(type, 44, MqttReasonCode.PacketIdentifierNotFound) { Properties = new MqttProperties { ReasonString = "gone", UserProperties = [new("x", "y")] } };
            }
        }
        yield return new SubscribePacket
        {
            PacketId = 5,
            Properties = v5 ? new MqttProperties { SubscriptionIdentifiers = [12], UserProperties = [new("u", "p")] } : null,
            Subscriptions =
            [
                new("ccgw/agents/alice/#", new MqttSubscriptionOptions(MqttQualityOfService.AtLeastOnce)),
                new("ccgw/queues/+/stats", v5 ? new MqttSubscriptionOptions(MqttQualityOfService.ExactlyOnce, true, true, 2) : new MqttSubscriptionOptions(MqttQualityOfService.ExactlyOnce)),
            ],
        };
        yield return new SubAckPacket { PacketId = 5, ReasonCodes = [1, 2, 0x80], Properties = v5 ? new MqttProperties { ReasonString = "partly" } : null };
        yield return new UnsubscribePacket { PacketId = 6, Filters = ["a/#", "b"] };
        yield return new UnsubAckPacket { PacketId = 6, ReasonCodes = v5 ? [0, 0x11] : [] };
        yield return new PingReqPacket();
        yield return new PingRespPacket();
        yield return new DisconnectPacket();
        if (v5)
        {
            yield return new DisconnectPacket { ReasonCode = MqttReasonCode.DisconnectWithWill };
            yield return new DisconnectPacket { ReasonCode = MqttReasonCode.SessionTakenOver, Properties = new MqttProperties { ReasonString = "taken", SessionExpiryInterval = 0, ServerReference = "other" } };
            yield return new AuthPacket();
            yield return new AuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, Properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = [1, 2] } };
        }
    }
}
