using System.Buffers;

namespace Ccgw.Mqtt;

/// <summary>Decodes a v5 property block (§2.2.2) and enforces where each property may appear.</summary>
internal static class MqttPropertyReader
{
    /// <summary>Reads the property length and the properties; returns null for an empty block.</summary>
    public static MqttProperties? Read(ref MqttBodyReader reader, int context)
    {
        var length = reader.ReadVariableByteInteger();
        return length == 0 ? null : ReadBlock(reader.ReadSlice(length), context);
    }

    /// <summary>Decodes the properties of a block whose length prefix was already consumed.</summary>
    public static MqttProperties? ReadBlock(in ReadOnlySequence<byte> block, int context)
    {
        if (block.IsEmpty) return null;
        var inner = new MqttBodyReader(block);
        var properties = new MqttProperties();
        var seen = 0UL;
        while (!inner.End)
        {
            var id = inner.ReadByte();
            if ((MqttPropertyPlacement.AllowedIn(id) & context) == 0)
                throw MqttProtocolException.Malformed($"property 0x{id:X2} is not valid in this packet");
            var repeatable = id == MqttPropertyId.UserProperty ||
                             (id == MqttPropertyId.SubscriptionIdentifier && context == MqttPropertyPlacement.ContextOf(MqttPacketType.Publish));
            var bit = 1UL << id;
            if (!repeatable && (seen & bit) != 0)
                throw MqttProtocolException.ProtocolError($"property 0x{id:X2} appears more than once");
            seen |= bit;
            ReadOne(ref inner, id, properties);
        }
        return properties;
    }

    /// <summary>Skips a property block but validates its framing, for the allocation-free PUBLISH path.</summary>
    public static ReadOnlySequence<byte> ReadRaw(ref MqttBodyReader reader) => reader.ReadSlice(reader.ReadVariableByteInteger());

    private static void ReadOne(ref MqttBodyReader r, byte id, MqttProperties p)
    {
        switch (id)
        {
            case MqttPropertyId.PayloadFormatIndicator: p.PayloadFormatIndicator = ReadFlag(ref r, id); break;
            case MqttPropertyId.MessageExpiryInterval: p.MessageExpiryInterval = r.ReadUInt32(); break;
            case MqttPropertyId.ContentType: p.ContentType = r.ReadString(); break;
            case MqttPropertyId.ResponseTopic: p.ResponseTopic = r.ReadString(); break;
            case MqttPropertyId.CorrelationData: p.CorrelationData = r.ReadBinary(); break;
            case MqttPropertyId.SubscriptionIdentifier:
                var subscriptionId = r.ReadVariableByteInteger();
                if (subscriptionId == 0) throw MqttProtocolException.ProtocolError("subscription identifier 0");
                (p.SubscriptionIdentifiers ??= []).Add((uint)subscriptionId);
                break;
            case MqttPropertyId.SessionExpiryInterval: p.SessionExpiryInterval = r.ReadUInt32(); break;
            case MqttPropertyId.AssignedClientIdentifier: p.AssignedClientIdentifier = r.ReadString(); break;
            case MqttPropertyId.ServerKeepAlive: p.ServerKeepAlive = r.ReadUInt16(); break;
            case MqttPropertyId.AuthenticationMethod: p.AuthenticationMethod = r.ReadString(); break;
            case MqttPropertyId.AuthenticationData: p.AuthenticationData = r.ReadBinary(); break;
            case MqttPropertyId.RequestProblemInformation: p.RequestProblemInformation = ReadFlag(ref r, id); break;
            case MqttPropertyId.WillDelayInterval: p.WillDelayInterval = r.ReadUInt32(); break;
            case MqttPropertyId.RequestResponseInformation: p.RequestResponseInformation = ReadFlag(ref r, id); break;
            case MqttPropertyId.ResponseInformation: p.ResponseInformation = r.ReadString(); break;
            case MqttPropertyId.ServerReference: p.ServerReference = r.ReadString(); break;
            case MqttPropertyId.ReasonString: p.ReasonString = r.ReadString(); break;
            case MqttPropertyId.ReceiveMaximum:
                p.ReceiveMaximum = r.ReadUInt16();
                if (p.ReceiveMaximum == 0) throw MqttProtocolException.ProtocolError("receive maximum 0");
                break;
            case MqttPropertyId.TopicAliasMaximum: p.TopicAliasMaximum = r.ReadUInt16(); break;
            case MqttPropertyId.TopicAlias: p.TopicAlias = r.ReadUInt16(); break;
            case MqttPropertyId.MaximumQos:
                p.MaximumQos = r.ReadByte();
                if (p.MaximumQos > 1) throw MqttProtocolException.ProtocolError("maximum QoS must be 0 or 1");
                break;
            case MqttPropertyId.RetainAvailable: p.RetainAvailable = ReadFlag(ref r, id); break;
            case MqttPropertyId.UserProperty:
                var name = r.ReadString();
                var value = r.ReadString();
                (p.UserProperties ??= []).Add(new KeyValuePair<string, string>(name, value));
                break;
            case MqttPropertyId.MaximumPacketSize:
                p.MaximumPacketSize = r.ReadUInt32();
                if (p.MaximumPacketSize == 0) throw MqttProtocolException.ProtocolError("maximum packet size 0");
                break;
            case MqttPropertyId.WildcardSubscriptionAvailable: p.WildcardSubscriptionAvailable = ReadFlag(ref r, id); break;
            case MqttPropertyId.SubscriptionIdentifierAvailable: p.SubscriptionIdentifierAvailable = ReadFlag(ref r, id); break;
            case MqttPropertyId.SharedSubscriptionAvailable: p.SharedSubscriptionAvailable = ReadFlag(ref r, id); break;
            default: throw MqttProtocolException.Malformed($"unknown property 0x{id:X2}");
        }
    }

    private static byte ReadFlag(ref MqttBodyReader r, byte id)
    {
        var value = r.ReadByte();
        if (value > 1) throw MqttProtocolException.ProtocolError($"property 0x{id:X2} must be 0 or 1");
        return value;
    }
}
