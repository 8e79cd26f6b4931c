namespace Ccgw.Mqtt;

/// <summary>Where a network connection is in its life (MQTT 5.0 §3.1, §3.14, §4.13; 3.1.1 §3.1, §3.14).</summary>
internal enum MqttConnectionPhase
{
    /// <summary>Transport open; the first packet must be CONNECT [MQTT-3.1.0-1].</summary>
    AwaitingConnect,

    /// <summary>CONNECT received; credentials are being checked. No other packet is processed meanwhile.</summary>
    Authenticating,

    /// <summary>CONNACK 0x00 sent; PUBLISH/SUBSCRIBE/... flow. A second CONNECT is a Protocol Error [MQTT-3.1.0-2].</summary>
    Connected,

    /// <summary>DISCONNECT received or sent, or the transport failed: nothing more is processed [MQTT-3.14.4-2].</summary>
    Closed,
}

/// <summary>
/// Validates each inbound packet type against the connection phase. A packet the client may not
/// send in the current phase is a Protocol Error (§4.13.1): v5 gets DISCONNECT 0x82, v3.1.1 is closed.
/// </summary>
internal sealed class ConnectionStateMachine
{
    public MqttConnectionPhase Phase { get; private set; } = MqttConnectionPhase.AwaitingConnect;

    public void OnPacket(MqttPacketType type)
    {
        switch (Phase)
        {
            case MqttConnectionPhase.AwaitingConnect:
                if (type != MqttPacketType.Connect) throw MqttProtocolException.ProtocolError("the first packet must be CONNECT [MQTT-3.1.0-1]");
                Phase = MqttConnectionPhase.Authenticating;
                return;
            case MqttConnectionPhase.Authenticating:
                // Enhanced authentication (§4.12) is not offered, so nothing may interleave with CONNECT.
                throw MqttProtocolException.ProtocolError($"{type} while authenticating");
            case MqttConnectionPhase.Connected:
                switch (type)
                {
                    case MqttPacketType.Connect:
                        throw MqttProtocolException.ProtocolError("second CONNECT [MQTT-3.1.0-2]");
                    case MqttPacketType.ConnAck or MqttPacketType.SubAck or MqttPacketType.UnsubAck or MqttPacketType.PingResp:
                        throw MqttProtocolException.ProtocolError($"{type} is sent only by servers");
                    case MqttPacketType.Auth:
                        throw MqttProtocolException.ProtocolError("AUTH without an authentication method [MQTT-4.12.0-7]");
                    case MqttPacketType.Disconnect:
                        Phase = MqttConnectionPhase.Closed;
                        return;
                    default:
                        return;
                }
            default:
                throw MqttProtocolException.ProtocolError($"{type} after the connection was closed [MQTT-3.14.4-2]");
        }
    }

    /// <summary>CONNACK with success was queued; the session is attached.</summary>
    public void Accept()
    {
        if (Phase != MqttConnectionPhase.Authenticating) throw new InvalidOperationException($"cannot accept in phase {Phase}");
        Phase = MqttConnectionPhase.Connected;
    }

    /// <summary>The connection ends, by refusal, DISCONNECT, error, timeout or takeover.</summary>
    public void Close() => Phase = MqttConnectionPhase.Closed;
}
