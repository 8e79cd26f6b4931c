using System.Buffers;

namespace Ccgw.Mqtt;

/// <summary>
/// The fields of a PUBLISH as slices of the receive buffer: nothing is copied or allocated, so a
/// router can decide what to do with a message before paying for strings and arrays.
/// </summary>
internal readonly ref struct PublishView
{
    public PublishView(byte flags, ReadOnlySequence<byte> topic, ushort packetId, ReadOnlySequence<byte> properties, ReadOnlySequence<byte> payload)
    {
        Flags = flags;
        Topic = topic;
        PacketId = packetId;
        Properties = properties;
        Payload = payload;
    }

    public byte Flags { get; }
    public ReadOnlySequence<byte> Topic { get; }
    public ushort PacketId { get; }
    public ReadOnlySequence<byte> Properties { get; }
    public ReadOnlySequence<byte> Payload { get; }
    public MqttQualityOfService Qos => (MqttQualityOfService)((Flags >> 1) & 3);
    public bool Dup => (Flags & 8) != 0;
    public bool Retain => (Flags & 1) != 0;
}

/// <summary>
/// Turns a frame into a packet for the protocol version of the connection (3.1.1 §3, 5.0 §3).
/// Every violation raises <see cref="MqttProtocolException"/>; nothing else escapes.
/// </summary>
internal static class MqttPacketDecoder
{
    public static MqttPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        var v5 = version == MqttProtocolVersion.V500;
        var type = frame.Type;
        CheckFixedHeaderFlags(type, frame.Flags);
        var reader = new MqttBodyReader(frame.Body);
        MqttPacket packet = type switch
        {
            MqttPacketType.Connect => DecodeConnect(ref reader),
            MqttPacketType.ConnAck => DecodeConnAck(ref reader, v5),
            MqttPacketType.Publish => DecodePublish(frame, v5),
            MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp =>
                DecodePublishAck(ref reader, type, v5),
            MqttPacketType.Subscribe => DecodeSubscribe(ref reader, v5),
            MqttPacketType.SubAck => DecodeSubAck(ref reader, v5),
            MqttPacketType.Unsubscribe => DecodeUnsubscribe(ref reader, v5),
            MqttPacketType.UnsubAck => DecodeUnsubAck(ref reader, v5),
            MqttPacketType.PingReq => new PingReqPacket(),
            MqttPacketType.PingResp => new PingRespPacket(),
            MqttPacketType.Disconnect => DecodeDisconnect(ref reader, v5),
            MqttPacketType.Auth when v5 => DecodeAuth(ref reader),
            _ => throw MqttProtocolException.Malformed($"packet type {(int)type} is not valid for this protocol version"),
        };
        if (type is not MqttPacketType.Publish && !reader.End)
            throw MqttProtocolException.Malformed($"{type} carries {reader.Remaining} unexpected trailing bytes");
        return packet;
    }

    /// <summary>Reserved flag bits of the fixed header (§2.1.3): 0010 for PUBREL/SUBSCRIBE/UNSUBSCRIBE, else 0.</summary>
    private static void CheckFixedHeaderFlags(MqttPacketType type, int flags)
    {
        if (type == MqttPacketType.Publish)
        {
            if ((flags & 6) == 6) throw MqttProtocolException.Malformed("PUBLISH with QoS 3");
            if ((flags & 6) == 0 && (flags & 8) != 0) throw MqttProtocolException.Malformed("DUP set on a QoS 0 PUBLISH");
            return;
        }
        var expected = type is MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe ? 2 : 0;
        if (flags != expected) throw MqttProtocolException.Malformed($"reserved fixed-header flags of {type} are {flags}");
    }

    public static PublishView ReadPublishView(in MqttFrame frame, bool v5)
    {
        if (frame.Type != MqttPacketType.Publish) throw MqttProtocolException.Malformed("not a PUBLISH");
        CheckFixedHeaderFlags(MqttPacketType.Publish, frame.Flags);
        var reader = new MqttBodyReader(frame.Body);
        var topic = reader.ReadStringBytes();
        ushort packetId = 0;
        if ((frame.Flags & 6) != 0)
        {
            packetId = reader.ReadUInt16();
            if (packetId == 0) throw MqttProtocolException.Malformed("packet identifier 0");
        }
        var properties = v5 ? MqttPropertyReader.ReadRaw(ref reader) : default;
        return new PublishView((byte)frame.Flags, topic, packetId, properties, reader.ReadRest());
    }

    private static PublishPacket DecodePublish(in MqttFrame frame, bool v5)
    {
        var view = ReadPublishView(frame, v5);
        var properties = v5 ? MqttPropertyReader.ReadBlock(view.Properties, MqttPropertyPlacement.ContextOf(MqttPacketType.Publish)) : null;
        return new PublishPacket
        {
            Topic = Utf8Text.Decode(view.Topic),
            PacketId = view.PacketId,
            Qos = view.Qos,
            Dup = view.Dup,
            Retain = view.Retain,
            Properties = properties,
            Payload = view.Payload.IsEmpty ? ReadOnlyMemory<byte>.Empty : view.Payload.ToArray(),
        };
    }

    private static ConnectPacket DecodeConnect(ref MqttBodyReader r)
    {
        var protocolName = r.ReadString();
        var level = r.ReadByte();
        if (protocolName != "MQTT" || level is not (4 or 5))
            throw new MqttProtocolException(MqttReasonCode.UnsupportedProtocolVersion, $"unsupported protocol {protocolName} level {level}");
        var version = (MqttProtocolVersion)level;
        var v5 = version == MqttProtocolVersion.V500;
        var flags = r.ReadByte();
        if ((flags & 1) != 0) throw MqttProtocolException.Malformed("CONNECT reserved flag set");
        var cleanStart = (flags & 0x02) != 0;
        var willFlag = (flags & 0x04) != 0;
        var willQos = (flags >> 3) & 3;
        var willRetain = (flags & 0x20) != 0;
        var passwordFlag = (flags & 0x40) != 0;
        var userNameFlag = (flags & 0x80) != 0;
        if (willQos == 3) throw MqttProtocolException.Malformed("will QoS 3");
        if (!willFlag && (willQos != 0 || willRetain)) throw MqttProtocolException.Malformed("will QoS or retain without a will");
        if (!v5 && passwordFlag && !userNameFlag) throw MqttProtocolException.Malformed("password without user name [MQTT-3.1.2-22]");
        var keepAlive = r.ReadUInt16();
        var properties = v5 ? MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.Connect)) : null;
        var clientId = r.ReadString();
        MqttWill? will = null;
        if (willFlag)
        {
            var willProperties = v5 ? MqttPropertyReader.Read(ref r, MqttPropertyPlacement.Will) : null;
            var willTopic = r.ReadString();
            var willPayload = r.ReadBinary();
            will = new MqttWill { Topic = willTopic, Payload = willPayload, Qos = (MqttQualityOfService)willQos, Retain = willRetain, Properties = willProperties };
        }
        var userName = userNameFlag ? r.ReadString() : null;
        var password = passwordFlag ? r.ReadBinary() : null;
        return new ConnectPacket
        {
            ProtocolVersion = version,
            CleanStart = cleanStart,
            KeepAliveSeconds = keepAlive,
            Properties = properties,
            ClientId = clientId,
            Will = will,
            UserName = userName,
            Password = password,
        };
    }

    private static ConnAckPacket DecodeConnAck(ref MqttBodyReader r, bool v5)
    {
        var flags = r.ReadByte();
        if ((flags & 0xFE) != 0) throw MqttProtocolException.Malformed("CONNACK reserved flags set");
        var reason = r.ReadByte();
        var properties = v5 ? MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.ConnAck)) : null;
        return new ConnAckPacket { SessionPresent = (flags & 1) != 0, ReasonCode = reason, Properties = properties };
    }

    private static PublishAckPacket DecodePublishAck(ref MqttBodyReader r, MqttPacketType type, bool v5)
    {
        var packetId = r.ReadUInt16();
        if (packetId == 0) throw MqttProtocolException.Malformed("packet identifier 0");
        if (!v5 || r.End) return new PublishAckPacket(type, packetId);
        var reason = r.ReadByte();
        var properties = r.End ? null : MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(type));
        return new PublishAckPacket(type, packetId, reason) { Properties = properties };
    }

    private static SubscribePacket DecodeSubscribe(ref MqttBodyReader r, bool v5)
    {
        var packetId = r.ReadUInt16();
        if (packetId == 0) throw MqttProtocolException.Malformed("packet identifier 0");
        var properties = v5 ? MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.Subscribe)) : null;
        var subscriptions = new List<MqttTopicSubscription>(1);
        while (!r.End)
        {
            var filter = r.ReadString();
            var options = r.ReadByte();
            var qos = options & 3;
            if (qos == 3) throw MqttProtocolException.Malformed("subscription QoS 3");
            if (!v5)
            {
                if ((options & 0xFC) != 0) throw MqttProtocolException.Malformed("reserved subscription option bits set");
                subscriptions.Add(new MqttTopicSubscription(filter, new MqttSubscriptionOptions((MqttQualityOfService)qos)));
                continue;
            }
            if ((options & 0xC0) != 0) throw MqttProtocolException.Malformed("reserved subscription option bits set");
            var retainHandling = (byte)((options >> 4) & 3);
            if (retainHandling == 3) throw MqttProtocolException.ProtocolError("retain handling 3");
            subscriptions.Add(new MqttTopicSubscription(filter, new MqttSubscriptionOptions(
                (MqttQualityOfService)qos, NoLocal: (options & 4) != 0, RetainAsPublished: (options & 8) != 0, RetainHandling: retainHandling)));
        }
        if (subscriptions.Count == 0) throw MqttProtocolException.ProtocolError("SUBSCRIBE without topic filters [MQTT-3.8.3-2]");
        return new SubscribePacket { PacketId = packetId, Properties = properties, Subscriptions = subscriptions };
    }

    private static SubAckPacket DecodeSubAck(ref MqttBodyReader r, bool v5)
    {
        var packetId = r.ReadUInt16();
        var properties = v5 ? MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.SubAck)) : null;
        var codes = r.ReadRest().ToArray();
        return new SubAckPacket { PacketId = packetId, Properties = properties, ReasonCodes = codes };
    }

    private static UnsubscribePacket DecodeUnsubscribe(ref MqttBodyReader r, bool v5)
    {
        var packetId = r.ReadUInt16();
        if (packetId == 0) throw MqttProtocolException.Malformed("packet identifier 0");
        var properties = v5 ? MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.Unsubscribe)) : null;
        var filters = new List<string>(1);
        while (!r.End) filters.Add(r.ReadString());
        if (filters.Count == 0) throw MqttProtocolException.ProtocolError("UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]");
        return new UnsubscribePacket { PacketId = packetId, Properties = properties, Filters = filters };
    }

    private static UnsubAckPacket DecodeUnsubAck(ref MqttBodyReader r, bool v5)
    {
        var packetId = r.ReadUInt16();
        if (!v5) return new UnsubAckPacket { PacketId = packetId };
        var properties = MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.UnsubAck));
        return new UnsubAckPacket { PacketId = packetId, Properties = properties, ReasonCodes = r.ReadRest().ToArray() };
    }

    private static DisconnectPacket DecodeDisconnect(ref MqttBodyReader r, bool v5)
    {
        if (!v5 || r.End) return new DisconnectPacket();
        var reason = r.ReadByte();
        var properties = r.End ? null : MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.Disconnect));
        return new DisconnectPacket { ReasonCode = reason, Properties = properties };
    }

    private static AuthPacket DecodeAuth(ref MqttBodyReader r)
    {
        if (r.End) return new AuthPacket();
        var reason = r.ReadByte();
        var properties = r.End ? null : MqttPropertyReader.Read(ref r, MqttPropertyPlacement.ContextOf(MqttPacketType.Auth));
        return new AuthPacket { ReasonCode = reason, Properties = properties };
    }
}
