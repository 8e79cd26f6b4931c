namespace Ccgw.Mqtt;

/// <summary>The protocol level a client announced in CONNECT (MQTT 3.1.1 = 4, MQTT 5.0 = 5).</summary>
public enum MqttProtocolVersion : byte
{
    V311 = 4,
    V500 = 5,
}

/// <summary>Quality of service of a PUBLISH (MQTT 5.0 §4.3).</summary>
public enum MqttQualityOfService : byte
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

/// <summary>Control packet types (MQTT 5.0 §2.1.2; AUTH exists only in 5.0).</summary>
internal enum MqttPacketType : byte
{
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

/// <summary>MQTT 5.0 reason codes (§2.4) used by this broker; v3.1.1 codes are mapped where sent.</summary>
internal static class MqttReasonCode
{
    public const byte Success = 0x00;
    public const byte GrantedQos1 = 0x01;
    public const byte GrantedQos2 = 0x02;
    public const byte DisconnectWithWill = 0x04;
    public const byte NoMatchingSubscribers = 0x10;
    public const byte NoSubscriptionExisted = 0x11;
    public const byte ContinueAuthentication = 0x18;
    public const byte UnspecifiedError = 0x80;
    public const byte MalformedPacket = 0x81;
    public const byte ProtocolError = 0x82;
    public const byte ImplementationSpecificError = 0x83;
    public const byte UnsupportedProtocolVersion = 0x84;
    public const byte ClientIdentifierNotValid = 0x85;
    public const byte BadUserNameOrPassword = 0x86;
    public const byte NotAuthorized = 0x87;
    public const byte ServerUnavailable = 0x88;
    public const byte ServerBusy = 0x89;
    public const byte Banned = 0x8A;
    public const byte ServerShuttingDown = 0x8B;
    public const byte BadAuthenticationMethod = 0x8C;
    public const byte KeepAliveTimeout = 0x8D;
    public const byte SessionTakenOver = 0x8E;
    public const byte TopicFilterInvalid = 0x8F;
    public const byte TopicNameInvalid = 0x90;
    public const byte PacketIdentifierInUse = 0x91;
    public const byte PacketIdentifierNotFound = 0x92;
    public const byte ReceiveMaximumExceeded = 0x93;
    public const byte TopicAliasInvalid = 0x94;
    public const byte PacketTooLarge = 0x95;
    public const byte QuotaExceeded = 0x97;
    public const byte PayloadFormatInvalid = 0x99;
    public const byte RetainNotSupported = 0x9A;
    public const byte QosNotSupported = 0x9B;
    public const byte SharedSubscriptionsNotSupported = 0x9E;
    public const byte SubscriptionIdentifiersNotSupported = 0xA1;
    public const byte WildcardSubscriptionsNotSupported = 0xA2;

    // MQTT 3.1.1 §3.2.2.3 CONNACK return codes and §3.9.3 SUBACK failure.
    public const byte V3UnacceptableProtocolVersion = 0x01;
    public const byte V3IdentifierRejected = 0x02;
    public const byte V3ServerUnavailable = 0x03;
    public const byte V3BadUserNameOrPassword = 0x04;
    public const byte V3NotAuthorized = 0x05;
    public const byte V3SubscribeFailure = 0x80;

    /// <summary>Text for the Reason String of a server DISCONNECT; clients log it (and paho 1.6 needs a property to read the code).</summary>
    public static string Describe(byte reason) => reason switch
    {
        MalformedPacket => "malformed packet",
        ProtocolError => "protocol error",
        ServerShuttingDown => "server shutting down",
        KeepAliveTimeout => "keep alive timeout",
        SessionTakenOver => "session taken over",
        TopicNameInvalid => "topic name invalid",
        ReceiveMaximumExceeded => "receive maximum exceeded",
        TopicAliasInvalid => "topic alias invalid",
        PacketTooLarge => "packet too large",
        QuotaExceeded => "quota exceeded",
        _ => "disconnected",
    };

    /// <summary>Maps a v5 CONNACK reason to the closest v3.1.1 return code.</summary>
    public static byte ToV3ConnAck(byte reason) => reason switch
    {
        Success => 0,
        UnsupportedProtocolVersion => V3UnacceptableProtocolVersion,
        ClientIdentifierNotValid => V3IdentifierRejected,
        BadUserNameOrPassword => V3BadUserNameOrPassword,
        NotAuthorized or Banned or BadAuthenticationMethod => V3NotAuthorized,
        _ => V3ServerUnavailable,
    };
}
