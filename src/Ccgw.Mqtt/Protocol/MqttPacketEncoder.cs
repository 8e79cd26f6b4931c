using System.Buffers;

namespace Ccgw.Mqtt;

/// <summary>Writes packets for a v3.1.1 or v5.0 peer; v5-only fields are left out for v3.1.1.</summary>
internal static class MqttPacketEncoder
{
    /// <summary>Encodes <paramref name="packet"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public static int Encode(MqttPacket packet, MqttProtocolVersion version, IBufferWriter<byte> output)
    {
        var counter = new MqttSizeCounter();
        WriteBody(ref counter, packet, version);
        var bodyLength = counter.Length;
        var total = 1 + MqttSpanWriter.VariableByteIntegerSize(bodyLength) + bodyLength;
        var span = output.GetSpan(total);
        var writer = new MqttSpanWriter(span);
        writer.WriteByte(FixedHeader(packet));
        writer.WriteVariableByteInteger(bodyLength);
        WriteBody(ref writer, packet, version);
        output.Advance(total);
        return total;
    }

    /// <summary>The encoded size, to honour a peer's Maximum Packet Size before sending (§3.1.2.11.4).</summary>
    public static int MeasureSize(MqttPacket packet, MqttProtocolVersion version)
    {
        var counter = new MqttSizeCounter();
        WriteBody(ref counter, packet, version);
        return 1 + MqttSpanWriter.VariableByteIntegerSize(counter.Length) + counter.Length;
    }

    public static byte[] ToBytes(MqttPacket packet, MqttProtocolVersion version)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Encode(packet, version, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte FixedHeader(MqttPacket packet)
    {
        var header = (byte)((int)packet.Type << 4);
        return packet switch
        {
            PublishPacket p => (byte)(header | (p.Dup ? 8 : 0) | ((int)p.Qos << 1) | (p.Retain ? 1 : 0)),
            PublishAckPacket { Type: MqttPacketType.PubRel } or SubscribePacket or UnsubscribePacket => (byte)(header | 2),
            _ => header,
        };
    }

    private static void WriteBody<TWriter>(ref TWriter w, MqttPacket packet, MqttProtocolVersion version)
        where TWriter : IMqttWriter, allows ref struct
    {
        var v5 = version == MqttProtocolVersion.V500;
        switch (packet)
        {
            case ConnectPacket p: WriteConnect(ref w, p); break;
            case ConnAckPacket p:
                w.WriteByte(p.SessionPresent ? (byte)1 : (byte)0);
                w.WriteByte(p.ReasonCode);
                if (v5) MqttPropertyWriter.Write(ref w, p.Properties);
                break;
            case PublishPacket p:
                w.WriteString(p.Topic);
                if (p.Qos != MqttQualityOfService.AtMostOnce) w.WriteUInt16(p.PacketId);
                if (v5) MqttPropertyWriter.Write(ref w, p.Properties);
                w.WriteBytes(p.Payload.Span);
                break;
            case PublishAckPacket p:
                w.WriteUInt16(p.PacketId);
                // §3.4.2.1: reason and properties may be omitted when Success with no properties.
                if (v5 && (p.ReasonCode != 0 || p.Properties is not null))
                {
                    w.WriteByte(p.ReasonCode);
                    if (p.Properties is not null) MqttPropertyWriter.Write(ref w, p.Properties);
                }
                break;
            case SubscribePacket p:
                w.WriteUInt16(p.PacketId);
                if (v5) MqttPropertyWriter.Write(ref w, p.Properties);
                foreach (var s in p.Subscriptions)
                {
                    w.WriteString(s.Filter);
                    var o = s.Options;
                    w.WriteByte(v5
                        ? (byte)((int)o.Qos | (o.NoLocal ? 4 : 0) | (o.RetainAsPublished ? 8 : 0) | (o.RetainHandling << 4))
                        : (byte)o.Qos);
                }
                break;
            case SubAckPacket p:
                w.WriteUInt16(p.PacketId);
                if (v5) MqttPropertyWriter.Write(ref w, p.Properties);
                foreach (var code in p.ReasonCodes) w.WriteByte(code);
                break;
            case UnsubscribePacket p:
                w.WriteUInt16(p.PacketId);
                if (v5) MqttPropertyWriter.Write(ref w, p.Properties);
                foreach (var filter in p.Filters) w.WriteString(filter);
                break;
            case UnsubAckPacket p:
                w.WriteUInt16(p.PacketId);
                if (v5)
                {
                    MqttPropertyWriter.Write(ref w, p.Properties);
                    foreach (var code in p.ReasonCodes) w.WriteByte(code);
                }
                break;
            case PingReqPacket or PingRespPacket:
                break;
            case DisconnectPacket p:
                if (v5 && (p.ReasonCode != 0 || p.Properties is not null))
                {
                    w.WriteByte(p.ReasonCode);
                    if (p.Properties is not null) MqttPropertyWriter.Write(ref w, p.Properties);
                }
                break;
            case AuthPacket p:
                if (!v5) throw new InvalidOperationException("AUTH exists only in MQTT 5.0");
                if (p.ReasonCode != 0 || p.Properties is not null)
                {
                    w.WriteByte(p.ReasonCode);
                    MqttPropertyWriter.Write(ref w, p.Properties);
                }
                break;
            default:
                throw new InvalidOperationException($"cannot encode {packet.GetType().Name}");
        }
    }

    private static void WriteConnect<TWriter>(ref TWriter w, ConnectPacket p)
        where TWriter : IMqttWriter, allows ref struct
    {
        var v5 = p.ProtocolVersion == MqttProtocolVersion.V500;
        w.WriteString("MQTT");
        w.WriteByte((byte)p.ProtocolVersion);
        var flags = (p.CleanStart ? 0x02 : 0) | (p.UserName is not null ? 0x80 : 0) | (p.Password is not null ? 0x40 : 0);
        if (p.Will is { } will) flags |= 0x04 | ((int)will.Qos << 3) | (will.Retain ? 0x20 : 0);
        w.WriteByte((byte)flags);
        w.WriteUInt16(p.KeepAliveSeconds);
        if (v5) MqttPropertyWriter.Write(ref w, p.Properties);
        w.WriteString(p.ClientId);
        if (p.Will is { } w2)
        {
            if (v5) MqttPropertyWriter.Write(ref w, w2.Properties);
            w.WriteString(w2.Topic);
            w.WriteBinary(w2.Payload.Span);
        }
        if (p.UserName is not null) w.WriteString(p.UserName);
        if (p.Password is not null) w.WriteBinary(p.Password);
    }
}
