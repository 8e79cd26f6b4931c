using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt;

/// <summary>Where an outbound QoS 1/2 message is in its handshake (§4.3.2, §4.3.3).</summary>
internal enum OutboundPhase
{
    AwaitingPubAck,
    AwaitingPubRec,
    AwaitingPubComp,
}

internal sealed class OutboundInflight(MqttDelivery delivery, ushort packetId)
{
    public MqttDelivery Delivery { get; } = delivery;
    public ushort PacketId { get; } = packetId;
    public OutboundPhase Phase { get; set; } = delivery.Qos == MqttQualityOfService.AtLeastOnce ? OutboundPhase.AwaitingPubAck : OutboundPhase.AwaitingPubRec;
}

/// <summary>
/// Server-side session state (§4.1): subscriptions, QoS 1/2 messages in flight or queued towards
/// the client, QoS 2 packet ids received but not yet released, and the will waiting to be sent.
/// It outlives connections when the session expiry interval is non-zero. All members are used
/// under the broker lock only.
/// </summary>
internal sealed class MqttSession : IMessageTarget
{
    private readonly BrokerContext _context;
    private readonly OrderedDictionary<ushort, OutboundInflight> _inflight = [];
    private readonly Queue<MqttDelivery> _queued = new();
    private ushort _lastPacketId;

    public MqttSession(string clientId, MqttIdentity identity, BrokerContext context)
    {
        ClientId = clientId;
        Identity = identity;
        _context = context;
    }

    public string ClientId { get; }
    public MqttIdentity Identity { get; set; }
    public MqttConnection? Connection { get; private set; }
    public Dictionary<string, SubscriptionEntry> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Inbound QoS 2 packet ids acknowledged with PUBREC and awaiting PUBREL (method A of §4.3.3).</summary>
    public HashSet<ushort> InboundQos2 { get; } = [];

    /// <summary>Seconds the session survives its connection: 0 ends it on disconnect, uint.MaxValue never (§3.1.2.11.2).</summary>
    public uint ExpiryInterval { get; set; }

    /// <summary>Will of the current connection (§3.1.2.5); cleared by a normal DISCONNECT.</summary>
    public MqttWill? Will { get; set; }

    /// <summary>A will whose delay interval is running after an abnormal disconnect (§3.1.3.2.2).</summary>
    public MqttWill? PendingWill { get; set; }

    public ITimer? WillDelayTimer { get; set; }
    public ITimer? ExpiryTimer { get; set; }
    public bool Ended { get; set; }

    /// <summary>Counts detachments so a timer armed for an earlier one can tell it is stale.</summary>
    public int DetachGeneration { get; set; }

    public int InflightCount => _inflight.Count;
    public int QueuedCount => _queued.Count;

    public void Attach(MqttConnection connection) => Connection = connection;

    public void Detach() => Connection = null;

    public void Deliver(in MqttDelivery delivery)
    {
        var connection = Connection;
        if (delivery.Qos == MqttQualityOfService.AtMostOnce)
        {
            // QoS 0 is not queued for offline clients (as mosquitto's queue_qos0_messages=false).
            if (connection is not null) SendQos0(connection, delivery);
            return;
        }
        if (connection is not null && _inflight.Count < connection.SendQuota && _queued.Count == 0)
        {
            SendNew(connection, delivery);
            return;
        }
        if (_queued.Count >= _context.Options.MaximumQueuedMessagesPerSession)
        {
            _context.Metrics.Dropped("queue_full");
            return;
        }
        _queued.Enqueue(delivery);
    }

    /// <summary>PUBACK from the client (§4.3.2).</summary>
    public void OnPubAck(ushort packetId)
    {
        if (_inflight.TryGetValue(packetId, out var entry) && entry.Phase == OutboundPhase.AwaitingPubAck)
        {
            _inflight.Remove(packetId);
            Pump();
        }
    }

    /// <summary>PUBREC from the client; answers PUBREL unless the client refused the message (§4.3.3).</summary>
    public void OnPubRec(ushort packetId, byte reasonCode)
    {
        var connection = Connection;
        if (!_inflight.TryGetValue(packetId, out var entry) || entry.Phase == OutboundPhase.AwaitingPubAck)
        {
            connection?.Send(new PublishAckPacket(MqttPacketType.PubRel, packetId, MqttReasonCode.PacketIdentifierNotFound));
            return;
        }
        if (reasonCode >= 0x80)
        {
            _inflight.Remove(packetId);
            Pump();
            return;
        }
        entry.Phase = OutboundPhase.AwaitingPubComp;
        connection?.Send(new PublishAckPacket(MqttPacketType.PubRel, packetId));
    }

    public void OnPubComp(ushort packetId)
    {
        if (_inflight.TryGetValue(packetId, out var entry) && entry.Phase == OutboundPhase.AwaitingPubComp)
        {
            _inflight.Remove(packetId);
            Pump();
        }
    }

    /// <summary>
    /// After a reconnect with a present session, resend unacknowledged PUBLISHes with DUP set and
    /// PUBRELs with their original packet ids, then continue with the queue [MQTT-4.4.0-1].
    /// </summary>
    public void ResumeDelivery()
    {
        if (Connection is not { } connection) return;
        foreach (var (packetId, entry) in _inflight)
        {
            if (entry.Phase == OutboundPhase.AwaitingPubComp)
                connection.Send(new PublishAckPacket(MqttPacketType.PubRel, packetId));
            else if (BuildPublish(connection, entry.Delivery, packetId, dup: true) is { } publish)
                connection.Send(publish);
        }
        Pump();
    }

    /// <summary>
    /// Messages a shared subscription chose this session for and the client has not received: queued, or sent
    /// without PUBACK/PUBREC. A message past PUBREC reached the client and is not handed to anyone else.
    /// </summary>
    public List<(SharedSubscriptionGroup Group, MqttApplicationMessage Message)> TakeUndeliveredShared()
    {
        var result = new List<(SharedSubscriptionGroup, MqttApplicationMessage)>();
        foreach (var entry in _inflight.Values)
            if (entry.Delivery.Group is { } group && entry.Phase != OutboundPhase.AwaitingPubComp) result.Add((group, entry.Delivery.Message));
        foreach (var delivery in _queued)
            if (delivery.Group is { } group) result.Add((group, delivery.Message));
        return result;
    }

    /// <summary>Forgets everything delivered but unacknowledged (clean start or session end).</summary>
    public void ClearDeliveryState()
    {
        _inflight.Clear();
        _queued.Clear();
        InboundQos2.Clear();
    }

    private void Pump()
    {
        if (Connection is not { } connection) return;
        while (_inflight.Count < connection.SendQuota && _queued.TryDequeue(out var delivery))
            SendNew(connection, delivery);
    }

    private void SendQos0(MqttConnection connection, in MqttDelivery delivery)
    {
        if (BuildPublish(connection, delivery, 0, dup: false) is not { } publish) return;
        if (!connection.TrySendDroppable(publish)) _context.Metrics.Dropped("slow_consumer");
        else if (connection.IsBehind) _context.BackPressure.Note(connection);
    }

    private void SendNew(MqttConnection connection, in MqttDelivery delivery)
    {
        var packetId = NextPacketId();
        if (BuildPublish(connection, delivery, packetId, dup: false) is not { } publish) return;
        _inflight[packetId] = new OutboundInflight(delivery, packetId);
        connection.Send(publish);
    }

    /// <summary>Null when the message expired or exceeds the client's Maximum Packet Size (both count as delivered).</summary>
    private PublishPacket? BuildPublish(MqttConnection connection, in MqttDelivery delivery, ushort packetId, bool dup)
    {
        var message = delivery.Message;
        var remaining = message.RemainingExpiry(_context.Time.GetUtcNow());
        if (remaining == 0)
        {
            _context.Metrics.Dropped("expired");
            return null;
        }
        var publish = new PublishPacket
        {
            Topic = message.Topic,
            Payload = message.Payload,
            Qos = delivery.Qos,
            Retain = delivery.Retain,
            Dup = dup,
            PacketId = packetId,
            Properties = connection.Version == MqttProtocolVersion.V500 ? BuildProperties(message, remaining, delivery.SubscriptionIds) : null,
        };
        // Only clients that announced a Maximum Packet Size (v5) need the size: skip the measuring pass for the others.
        if (connection.PeerMaximumPacketSize != int.MaxValue && MqttPacketEncoder.MeasureSize(publish, connection.Version) > connection.PeerMaximumPacketSize)
        {
            // §3.1.2.11.4: discard as if delivered rather than break the client's limit.
            _context.Metrics.Dropped("too_large");
            return null;
        }
        return publish;
    }

    private static MqttProperties? BuildProperties(MqttApplicationMessage message, uint? remainingExpiry, IReadOnlyList<uint>? subscriptionIds)
    {
        if (!message.PayloadIsUtf8 && remainingExpiry is null && message.ContentType is null && message.ResponseTopic is null &&
            message.CorrelationData is null && message.UserProperties is null && subscriptionIds is null)
            return null;
        return new MqttProperties
        {
            PayloadFormatIndicator = message.PayloadIsUtf8 ? (byte)1 : null,
            MessageExpiryInterval = remainingExpiry,
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData?.ToArray(),
            UserProperties = message.UserProperties?.ToList(),
            SubscriptionIdentifiers = subscriptionIds?.ToList(),
        };
    }

    private ushort NextPacketId()
    {
        // At most MaximumInflightPerClient ids are in use, so a free one is always found quickly.
        do
        {
            _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
        }
        while (_inflight.ContainsKey(_lastPacketId));
        return _lastPacketId;
    }
}

/// <summary>What every session and connection needs from its broker.</summary>
internal sealed record BrokerContext(MqttBrokerOptions Options, MqttBrokerMetrics Metrics, TimeProvider Time, ILogger Log)
{
    /// <summary>Subscribers found behind while routing the current client PUBLISH; used under the broker lock only.</summary>
    public PublisherBackPressure BackPressure { get; } = new();

    /// <summary>Rate limit of the stuck-subscriber warning, shared by every publisher of the broker.</summary>
    public StuckSubscriberLog StuckLog { get; } = new();
}
