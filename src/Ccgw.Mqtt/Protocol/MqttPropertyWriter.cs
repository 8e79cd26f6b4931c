namespace Ccgw.Mqtt;

/// <summary>Encodes a v5 property block (§2.2.2): its length as a Variable Byte Integer, then the properties.</summary>
internal static class MqttPropertyWriter
{
    public static void Write<TWriter>(ref TWriter w, MqttProperties? p)
        where TWriter : IMqttWriter, allows ref struct
    {
        if (p is null)
        {
            w.WriteVariableByteInteger(0);
            return;
        }
        var counter = new MqttSizeCounter();
        WriteItems(ref counter, p);
        w.WriteVariableByteInteger(counter.Length);
        WriteItems(ref w, p);
    }

    private static void WriteItems<TWriter>(ref TWriter w, MqttProperties p)
        where TWriter : IMqttWriter, allows ref struct
    {
        if (p.PayloadFormatIndicator is { } pfi) { w.WriteByte(MqttPropertyId.PayloadFormatIndicator); w.WriteByte(pfi); }
        if (p.MessageExpiryInterval is { } mei) { w.WriteByte(MqttPropertyId.MessageExpiryInterval); w.WriteUInt32(mei); }
        if (p.ContentType is { } ct) { w.WriteByte(MqttPropertyId.ContentType); w.WriteString(ct); }
        if (p.ResponseTopic is { } rt) { w.WriteByte(MqttPropertyId.ResponseTopic); w.WriteString(rt); }
        if (p.CorrelationData is { } cd) { w.WriteByte(MqttPropertyId.CorrelationData); w.WriteBinary(cd); }
        if (p.SubscriptionIdentifiers is { } ids)
        {
            foreach (var id in ids) { w.WriteByte(MqttPropertyId.SubscriptionIdentifier); w.WriteVariableByteInteger((int)id); }
        }
        if (p.SessionExpiryInterval is { } sei) { w.WriteByte(MqttPropertyId.SessionExpiryInterval); w.WriteUInt32(sei); }
        if (p.AssignedClientIdentifier is { } aci) { w.WriteByte(MqttPropertyId.AssignedClientIdentifier); w.WriteString(aci); }
        if (p.ServerKeepAlive is { } ska) { w.WriteByte(MqttPropertyId.ServerKeepAlive); w.WriteUInt16(ska); }
        if (p.AuthenticationMethod is { } am) { w.WriteByte(MqttPropertyId.AuthenticationMethod); w.WriteString(am); }
        if (p.AuthenticationData is { } ad) { w.WriteByte(MqttPropertyId.AuthenticationData); w.WriteBinary(ad); }
        if (p.RequestProblemInformation is { } rpi) { w.WriteByte(MqttPropertyId.RequestProblemInformation); w.WriteByte(rpi); }
        if (p.WillDelayInterval is { } wdi) { w.WriteByte(MqttPropertyId.WillDelayInterval); w.WriteUInt32(wdi); }
        if (p.RequestResponseInformation is { } rri) { w.WriteByte(MqttPropertyId.RequestResponseInformation); w.WriteByte(rri); }
        if (p.ResponseInformation is { } ri) { w.WriteByte(MqttPropertyId.ResponseInformation); w.WriteString(ri); }
        if (p.ServerReference is { } sr) { w.WriteByte(MqttPropertyId.ServerReference); w.WriteString(sr); }
        if (p.ReasonString is { } rs) { w.WriteByte(MqttPropertyId.ReasonString); w.WriteString(rs); }
        if (p.ReceiveMaximum is { } rm) { w.WriteByte(MqttPropertyId.ReceiveMaximum); w.WriteUInt16(rm); }
        if (p.TopicAliasMaximum is { } tam) { w.WriteByte(MqttPropertyId.TopicAliasMaximum); w.WriteUInt16(tam); }
        if (p.TopicAlias is { } ta) { w.WriteByte(MqttPropertyId.TopicAlias); w.WriteUInt16(ta); }
        if (p.MaximumQos is { } mq) { w.WriteByte(MqttPropertyId.MaximumQos); w.WriteByte(mq); }
        if (p.RetainAvailable is { } ra) { w.WriteByte(MqttPropertyId.RetainAvailable); w.WriteByte(ra); }
        if (p.UserProperties is { } ups)
        {
            foreach (var up in ups) { w.WriteByte(MqttPropertyId.UserProperty); w.WriteString(up.Key); w.WriteString(up.Value); }
        }
        if (p.MaximumPacketSize is { } mps) { w.WriteByte(MqttPropertyId.MaximumPacketSize); w.WriteUInt32(mps); }
        if (p.WildcardSubscriptionAvailable is { } wsa) { w.WriteByte(MqttPropertyId.WildcardSubscriptionAvailable); w.WriteByte(wsa); }
        if (p.SubscriptionIdentifierAvailable is { } sia) { w.WriteByte(MqttPropertyId.SubscriptionIdentifierAvailable); w.WriteByte(sia); }
        if (p.SharedSubscriptionAvailable is { } ssa) { w.WriteByte(MqttPropertyId.SharedSubscriptionAvailable); w.WriteByte(ssa); }
    }
}
