namespace Ccgw.Mqtt;

/// <summary>
/// The peer broke the protocol. Carries the MQTT 5.0 reason code (§4.13) to send in DISCONNECT;
/// a v3.1.1 connection is simply closed. This is the only exception the codec raises on bad input.
/// </summary>
internal sealed class MqttProtocolException : Exception
{
    public MqttProtocolException(byte reasonCode, string message) : base(message) => ReasonCode = reasonCode;

    public MqttProtocolException() : this(0x81, "Malformed packet") { }

    public MqttProtocolException(string message) : this(0x81, message) { }

    public MqttProtocolException(string message, Exception innerException) : base(message, innerException) => ReasonCode = 0x81;

    /// <summary>0x81 Malformed Packet, 0x82 Protocol Error, 0x95 Packet Too Large, ...</summary>
    public byte ReasonCode { get; }

    internal static MqttProtocolException Malformed(string what) => new(MqttReasonCode.MalformedPacket, what);

    internal static MqttProtocolException ProtocolError(string what) => new(MqttReasonCode.ProtocolError, what);
}
