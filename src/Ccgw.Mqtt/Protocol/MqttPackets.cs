namespace Ccgw.Mqtt;

/// <summary>A decoded control packet; the codec maps each to and from the wire for v3.1.1 and v5.0.</summary>
internal abstract class MqttPacket
{
    public abstract MqttPacketType Type { get; }

    /// <summary>v5 properties; null when the packet carries none (and always for v3.1.1).</summary>
    public MqttProperties? Properties { get; set; }
}

/// <summary>Last will carried by CONNECT (§3.1.2.5, §3.1.3.2-3.1.3.4).</summary>
internal sealed class MqttWill
{
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public MqttQualityOfService Qos { get; init; }
    public bool Retain { get; init; }
    public MqttProperties? Properties { get; init; }
}

internal sealed class ConnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;
    public string ClientId { get; init; } = string.Empty;
    public bool CleanStart { get; init; }
    public ushort KeepAliveSeconds { get; init; }
    public string? UserName { get; init; }
    public byte[]? Password { get; init; }
    public MqttWill? Will { get; init; }
}

internal sealed class ConnAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;
    public bool SessionPresent { get; init; }

    /// <summary>v5 reason code, or the v3.1.1 return code on a v3.1.1 connection.</summary>
    public byte ReasonCode { get; init; }
}

internal sealed class PublishPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;
    public required string Topic { get; set; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public MqttQualityOfService Qos { get; init; }
    public bool Retain { get; init; }
    public bool Dup { get; set; }
    public ushort PacketId { get; init; }
}

/// <summary>PUBACK, PUBREC, PUBREL and PUBCOMP share one shape (§3.4-§3.7).</summary>
internal sealed class PublishAckPacket : MqttPacket
{
    public PublishAckPacket(MqttPacketType type, ushort packetId, byte reasonCode = MqttReasonCode.Success)
    {
        if (type is not (MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp))
            throw new ArgumentOutOfRangeException(nameof(type));
        Type = type;
        PacketId = packetId;
        ReasonCode = reasonCode;
    }

    public override MqttPacketType Type { get; }
    public ushort PacketId { get; }
    public byte ReasonCode { get; }
}

/// <summary>Subscription options byte (§3.8.3.1); v3.1.1 uses only the QoS bits.</summary>
internal readonly record struct MqttSubscriptionOptions(
    MqttQualityOfService Qos,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    byte RetainHandling = 0);

internal readonly record struct MqttTopicSubscription(string Filter, MqttSubscriptionOptions Options);

internal sealed class SubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;
    public ushort PacketId { get; init; }
    public required IReadOnlyList<MqttTopicSubscription> Subscriptions { get; init; }
}

internal sealed class SubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.SubAck;
    public ushort PacketId { get; init; }
    public required IReadOnlyList<byte> ReasonCodes { get; init; }
}

internal sealed class UnsubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;
    public ushort PacketId { get; init; }
    public required IReadOnlyList<string> Filters { get; init; }
}

internal sealed class UnsubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;
    public ushort PacketId { get; init; }

    /// <summary>v5 only; v3.1.1 UNSUBACK has no payload.</summary>
    public IReadOnlyList<byte> ReasonCodes { get; init; } = [];
}

internal sealed class PingReqPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.PingReq;
}

internal sealed class PingRespPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.PingResp;
}

internal sealed class DisconnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Disconnect;
    public byte ReasonCode { get; init; }
}

internal sealed class AuthPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Auth;
    public byte ReasonCode { get; init; }
}
