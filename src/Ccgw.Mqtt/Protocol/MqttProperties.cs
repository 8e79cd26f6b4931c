namespace Ccgw.Mqtt;

/// <summary>
/// MQTT 5.0 properties (§2.2.2) of one packet or of a will. Absent values are null so that
/// packets without properties cost nothing beyond the reference.
/// </summary>
internal sealed class MqttProperties
{
    public byte? PayloadFormatIndicator { get; set; }
    public uint? MessageExpiryInterval { get; set; }
    public string? ContentType { get; set; }
    public string? ResponseTopic { get; set; }
    public byte[]? CorrelationData { get; set; }
    public List<uint>? SubscriptionIdentifiers { get; set; }
    public uint? SessionExpiryInterval { get; set; }
    public string? AssignedClientIdentifier { get; set; }
    public ushort? ServerKeepAlive { get; set; }
    public string? AuthenticationMethod { get; set; }
    public byte[]? AuthenticationData { get; set; }
    public byte? RequestProblemInformation { get; set; }
    public uint? WillDelayInterval { get; set; }
    public byte? RequestResponseInformation { get; set; }
    public string? ResponseInformation { get; set; }
    public string? ServerReference { get; set; }
    public string? ReasonString { get; set; }
    public ushort? ReceiveMaximum { get; set; }
    public ushort? TopicAliasMaximum { get; set; }
    public ushort? TopicAlias { get; set; }
    public byte? MaximumQos { get; set; }
    public byte? RetainAvailable { get; set; }
    public List<KeyValuePair<string, string>>? UserProperties { get; set; }
    public uint? MaximumPacketSize { get; set; }
    public byte? WildcardSubscriptionAvailable { get; set; }
    public byte? SubscriptionIdentifierAvailable { get; set; }
    public byte? SharedSubscriptionAvailable { get; set; }
}

/// <summary>Property identifiers (MQTT 5.0 §2.2.2.2).</summary>
internal static class MqttPropertyId
{
    public const byte PayloadFormatIndicator = 0x01;
    public const byte MessageExpiryInterval = 0x02;
    public const byte ContentType = 0x03;
    public const byte ResponseTopic = 0x08;
    public const byte CorrelationData = 0x09;
    public const byte SubscriptionIdentifier = 0x0B;
    public const byte SessionExpiryInterval = 0x11;
    public const byte AssignedClientIdentifier = 0x12;
    public const byte ServerKeepAlive = 0x13;
    public const byte AuthenticationMethod = 0x15;
    public const byte AuthenticationData = 0x16;
    public const byte RequestProblemInformation = 0x17;
    public const byte WillDelayInterval = 0x18;
    public const byte RequestResponseInformation = 0x19;
    public const byte ResponseInformation = 0x1A;
    public const byte ServerReference = 0x1C;
    public const byte ReasonString = 0x1F;
    public const byte ReceiveMaximum = 0x21;
    public const byte TopicAliasMaximum = 0x22;
    public const byte TopicAlias = 0x23;
    public const byte MaximumQos = 0x24;
    public const byte RetainAvailable = 0x25;
    public const byte UserProperty = 0x26;
    public const byte MaximumPacketSize = 0x27;
    public const byte WildcardSubscriptionAvailable = 0x28;
    public const byte SubscriptionIdentifierAvailable = 0x29;
    public const byte SharedSubscriptionAvailable = 0x2A;
}

/// <summary>
/// Where a property may appear: bit n is packet type n, bit 0 stands for the will properties
/// of CONNECT. The table is §2.2.2.2; an identifier outside its packets is a Malformed Packet.
/// </summary>
internal static class MqttPropertyPlacement
{
    public const int Will = 1 << 0;
    private const int Connect = 1 << 1, ConnAck = 1 << 2, Publish = 1 << 3, PubAck = 1 << 4, PubRec = 1 << 5,
        PubRel = 1 << 6, PubComp = 1 << 7, Subscribe = 1 << 8, SubAck = 1 << 9, Unsubscribe = 1 << 10,
        UnsubAck = 1 << 11, Disconnect = 1 << 14, Auth = 1 << 15;

    private const int Acks = PubAck | PubRec | PubRel | PubComp;
    private const int All = Will | Connect | ConnAck | Publish | Acks | Subscribe | SubAck | Unsubscribe | UnsubAck | Disconnect | Auth;

    public static int ContextOf(MqttPacketType type) => 1 << (int)type;

    public static int AllowedIn(byte id) => id switch
    {
        MqttPropertyId.PayloadFormatIndicator or MqttPropertyId.MessageExpiryInterval or MqttPropertyId.ContentType
            or MqttPropertyId.ResponseTopic or MqttPropertyId.CorrelationData => Publish | Will,
        MqttPropertyId.SubscriptionIdentifier => Publish | Subscribe,
        MqttPropertyId.SessionExpiryInterval => Connect | ConnAck | Disconnect,
        MqttPropertyId.AssignedClientIdentifier or MqttPropertyId.ServerKeepAlive or MqttPropertyId.ResponseInformation
            or MqttPropertyId.MaximumQos or MqttPropertyId.RetainAvailable or MqttPropertyId.WildcardSubscriptionAvailable
            or MqttPropertyId.SubscriptionIdentifierAvailable or MqttPropertyId.SharedSubscriptionAvailable => ConnAck,
        MqttPropertyId.AuthenticationMethod or MqttPropertyId.AuthenticationData => Connect | ConnAck | Auth,
        MqttPropertyId.RequestProblemInformation or MqttPropertyId.RequestResponseInformation => Connect,
        MqttPropertyId.WillDelayInterval => Will,
        MqttPropertyId.ServerReference => ConnAck | Disconnect,
        MqttPropertyId.ReasonString => ConnAck | Acks | SubAck | UnsubAck | Disconnect | Auth,
        MqttPropertyId.ReceiveMaximum or MqttPropertyId.TopicAliasMaximum or MqttPropertyId.MaximumPacketSize => Connect | ConnAck,
        MqttPropertyId.TopicAlias => Publish,
        MqttPropertyId.UserProperty => All,
        _ => 0,
    };
}
