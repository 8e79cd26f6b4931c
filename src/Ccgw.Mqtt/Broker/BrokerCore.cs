namespace Ccgw.Mqtt;

/// <summary>
/// The broker's shared state: sessions, the subscription tree and retained messages, all behind
/// one lock. Handlers run on the connection's read loop; nothing here blocks or awaits under the
/// lock, and outbound packets only go into the connections' bounded queues.
/// This part routes PUBLISHes and handles SUBSCRIBE/UNSUBSCRIBE and the acknowledgements;
/// BrokerCore.Sessions.cs handles CONNECT, DISCONNECT, wills and session expiry.
/// </summary>
internal sealed partial class BrokerCore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, MqttSession> _sessions = new(StringComparer.Ordinal);
    private readonly HashSet<MqttConnection> _connections = [];
    private readonly TopicTree<SubscriptionEntry> _subscriptions = new();
    private readonly Dictionary<(string ShareName, string Filter), SharedSubscriptionGroup> _sharedGroups = [];
    private readonly RetainedMessageStore _retained;
    private readonly List<SubscriptionEntry> _matches = [];
    private readonly UserConnectionTracker _users = new();
    private readonly BrokerContext _context;
    private readonly IMqttAuthenticator _authenticator;
    private readonly IMqttAuthorizer _authorizer;

    public BrokerCore(BrokerContext context, IMqttAuthenticator authenticator, IMqttAuthorizer authorizer)
    {
        _context = context;
        _authenticator = authenticator;
        _authorizer = authorizer;
        _retained = new RetainedMessageStore(context.Options.MaximumRetainedMessages);
    }

    private MqttBrokerOptions Options => _context.Options;

    public UserConnectionTracker Users => _users;
    private MqttBrokerMetrics Metrics => _context.Metrics;

    /// <summary>Observes granted subscriptions (client id, filter); tests use it to know when a real client is ready.</summary>
    public Action<string, string>? SubscriptionGranted { get; set; }

    /// <summary>
    /// Routes a client's PUBLISH; returns the subscribers left behind by it (to wait for before reading on, see
    /// <see cref="PublisherBackPressure"/>), or null.
    /// </summary>
    public MqttConnection[]? OnPublish(MqttConnection connection, PublishPacket publish)
    {
        if (!MqttTopic.IsValidTopicName(publish.Topic))
            throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, "topic name with wildcards [MQTT-3.3.2-2]");
        if (publish.Properties?.SubscriptionIdentifiers is not null)
            throw MqttProtocolException.ProtocolError("subscription identifier in a client PUBLISH [MQTT-3.3.4-6]");
        var v5 = connection.Version == MqttProtocolVersion.V500;
        lock (_gate)
        {
            if (connection.Session is not { } session || session.Connection != connection) return null;
            if (publish.Qos == MqttQualityOfService.ExactlyOnce)
            {
                if (session.InboundQos2.Contains(publish.PacketId))
                {
                    // A resent QoS 2 PUBLISH that was already routed: acknowledge, never route twice (§4.3.3).
                    connection.Send(new PublishAckPacket(MqttPacketType.PubRec, publish.PacketId));
                    return null;
                }
                if (session.InboundQos2.Count >= Options.ServerReceiveMaximum)
                    throw new MqttProtocolException(MqttReasonCode.ReceiveMaximumExceeded, "more unacknowledged QoS 2 PUBLISHes than Receive Maximum [MQTT-3.3.4-7]");
            }
            if (!_authorizer.CanPublish(session.Identity, publish.Topic))
            {
                Metrics.PublishesDenied.Add(1);
                Acknowledge(connection, session, publish, v5 ? MqttReasonCode.NotAuthorized : MqttReasonCode.Success);
                return null;
            }
            PublishLocked(ToMessage(publish, session.ClientId, _context.Time.GetUtcNow()));
            Acknowledge(connection, session, publish, MqttReasonCode.Success);
            return _context.BackPressure.Take();
        }
    }

    /// <summary>A message from the gateway itself: no authorization, no sender client id.</summary>
    public void PublishInternal(MqttApplicationMessage message)
    {
        lock (_gate)
        {
            PublishLocked(message);
            _context.BackPressure.Take(); // nobody to slow down: the gateway's own messages drop when a reader is full
        }
    }

    public void OnControlPacket(MqttConnection connection, MqttPacket packet)
    {
        lock (_gate)
        {
            if (connection.Session is not { } session || session.Connection != connection) return;
            switch (packet)
            {
                case PingReqPacket:
                    connection.Send(new PingRespPacket());
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubAck } ack:
                    session.OnPubAck(ack.PacketId);
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubRec } ack:
                    session.OnPubRec(ack.PacketId, ack.ReasonCode);
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubComp } ack:
                    session.OnPubComp(ack.PacketId);
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubRel } ack:
                    var known = session.InboundQos2.Remove(ack.PacketId);
                    var reason = known || connection.Version == MqttProtocolVersion.V311 ? MqttReasonCode.Success : MqttReasonCode.PacketIdentifierNotFound;
                    connection.Send(new PublishAckPacket(MqttPacketType.PubComp, ack.PacketId, reason));
                    break;
                case SubscribePacket subscribe:
                    Subscribe(connection, session, subscribe);
                    break;
                case UnsubscribePacket unsubscribe:
                    Unsubscribe(connection, session, unsubscribe);
                    break;
            }
        }
    }

    public MqttLocalSubscription SubscribeLocal(string filter, int capacity)
    {
        if (!MqttTopic.IsValidTopicFilter(filter) || MqttTopic.IsSharedSubscription(filter))
            throw new ArgumentException($"'{filter}' is not a valid topic filter", nameof(filter));
        var subscription = new MqttLocalSubscription(filter, capacity, RemoveLocal, () => Metrics.Dropped("local_subscriber_full"));
        var entry = new SubscriptionEntry(subscription.Target, filter, new MqttSubscriptionOptions(MqttQualityOfService.ExactlyOnce, RetainAsPublished: true), null);
        lock (_gate)
        {
            _subscriptions.Add(filter, entry);
            foreach (var retained in _retained.Matching(filter, _context.Time.GetUtcNow()))
                entry.Target.Deliver(new MqttDelivery(retained, retained.Qos, true, null));
        }
        return subscription;

        void RemoveLocal(MqttLocalSubscription s)
        {
            lock (_gate) _subscriptions.Remove(s.Filter, e => ReferenceEquals(e.Target, s.Target));
        }
    }

    private static void Acknowledge(MqttConnection connection, MqttSession session, PublishPacket publish, byte reason)
    {
        switch (publish.Qos)
        {
            case MqttQualityOfService.AtLeastOnce:
                connection.Send(new PublishAckPacket(MqttPacketType.PubAck, publish.PacketId, reason));
                break;
            case MqttQualityOfService.ExactlyOnce:
                // A refused QoS 2 message (reason >= 0x80) ends its flow at PUBREC, so no id is kept (§4.3.3).
                if (reason < 0x80) session.InboundQos2.Add(publish.PacketId);
                connection.Send(new PublishAckPacket(MqttPacketType.PubRec, publish.PacketId, reason));
                break;
        }
    }

    private void PublishLocked(MqttApplicationMessage message)
    {
        Metrics.MessagesPublished.Add(1);
        if (message.Retain)
        {
            if (!_retained.Apply(message)) Metrics.Dropped("retained_store_full");
            Metrics.SetRetained(_retained.Count);
        }
        Route(message);
    }

    private void Route(MqttApplicationMessage message)
    {
        _matches.Clear();
        _subscriptions.Match(message.Topic, _matches);
        if (_matches.Count == 0) return;
        if (_matches.Count == 1)
        {
            var only = _matches[0];
            if (!IsNoLocalFor(only, message))
                only.Target.Deliver(new MqttDelivery(message, Min(message.Qos, only.Options.Qos), message.Retain && only.Options.RetainAsPublished,
                    only.SubscriptionId is { } id ? [id] : null));
            return;
        }
        // Overlapping subscriptions of one client yield one delivery at the highest QoS, carrying all
        // their subscription identifiers (§3.3.4, [MQTT-3.3.4-2], [MQTT-3.3.4-3]).
        var perTarget = new Dictionary<IMessageTarget, (MqttQualityOfService Qos, bool Retain, List<uint>? Ids)>(ReferenceEqualityComparer.Instance);
        foreach (var entry in _matches)
        {
            if (IsNoLocalFor(entry, message)) continue;
            perTarget.TryGetValue(entry.Target, out var acc);
            var qos = Min(message.Qos, entry.Options.Qos);
            acc.Qos = qos > acc.Qos ? qos : acc.Qos;
            acc.Retain |= message.Retain && entry.Options.RetainAsPublished;
            if (entry.SubscriptionId is { } id) (acc.Ids ??= []).Add(id);
            perTarget[entry.Target] = acc;
        }
        foreach (var (target, acc) in perTarget) target.Deliver(new MqttDelivery(message, acc.Qos, acc.Retain, acc.Ids));
    }

    private static bool IsNoLocalFor(SubscriptionEntry entry, MqttApplicationMessage message) =>
        entry.Options.NoLocal && message.SenderClientId is not null && string.Equals(entry.Target.ClientId, message.SenderClientId, StringComparison.Ordinal);

    private static MqttQualityOfService Min(MqttQualityOfService a, MqttQualityOfService b) => a < b ? a : b;

    private void Subscribe(MqttConnection connection, MqttSession session, SubscribePacket subscribe)
    {
        var v5 = connection.Version == MqttProtocolVersion.V500;
        var subscriptionId = subscribe.Properties?.SubscriptionIdentifiers?[0];
        var codes = new byte[subscribe.Subscriptions.Count];
        var granted = new List<(SubscriptionEntry Entry, bool Existed)>(codes.Length);
        for (var i = 0; i < codes.Length; i++)
        {
            var (filter, options) = subscribe.Subscriptions[i];
            // $share/{ShareName}/{filter} (§4.8.2), from v3.1.1 clients too, as mosquitto allows; the ACL judges the plain filter.
            var shared = MqttTopic.IsSharedSubscription(filter);
            string shareName = "", topicFilter = filter;
            if (shared && options.NoLocal)
                throw MqttProtocolException.ProtocolError("No Local on a shared subscription [MQTT-3.8.3-4]");
            byte code;
            if (shared ? !MqttTopic.TryParseShared(filter, out shareName, out topicFilter) : !MqttTopic.IsValidTopicFilter(filter))
                code = v5 ? MqttReasonCode.TopicFilterInvalid : MqttReasonCode.V3SubscribeFailure;
            else if (!_authorizer.CanSubscribe(session.Identity, topicFilter))
            {
                Metrics.SubscribesDenied.Add(1);
                code = v5 ? MqttReasonCode.NotAuthorized : MqttReasonCode.V3SubscribeFailure;
            }
            else
            {
                var existed = session.Subscriptions.Remove(filter, out var previous);
                if (existed) RemoveFromTreeLocked(previous!);
                if (!existed && session.Subscriptions.Count >= Options.MaximumSubscriptionsPerSession)
                {
                    code = v5 ? MqttReasonCode.QuotaExceeded : MqttReasonCode.V3SubscribeFailure;
                }
                else
                {
                    var group = shared ? JoinGroupLocked(shareName, topicFilter) : null;
                    var entry = new SubscriptionEntry(session, filter, options, subscriptionId, group);
                    session.Subscriptions[filter] = entry;
                    if (group is null) _subscriptions.Add(filter, entry);
                    else group.Add(entry);
                    granted.Add((entry, existed));
                    code = (byte)options.Qos;
                }
            }
            codes[i] = code;
        }
        connection.Send(new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = codes });
        foreach (var (entry, _) in granted) SubscriptionGranted?.Invoke(session.ClientId, entry.Filter);

        // Retained messages follow the SUBACK (§3.3.1.3, Retain Handling §3.8.3.1).
        var now = _context.Time.GetUtcNow();
        foreach (var (entry, existed) in granted)
        {
            // A new shared subscription gets no retained messages (§4.8.2, §3.3.1.3); mosquitto 2.0.11 sends them.
            if (entry.Group is not null) continue;
            if (entry.Options.RetainHandling == 2 || (entry.Options.RetainHandling == 1 && existed)) continue;
            foreach (var retained in _retained.Matching(entry.Filter, now))
                session.Deliver(new MqttDelivery(retained, Min(retained.Qos, entry.Options.Qos), true, entry.SubscriptionId is { } id ? [id] : null));
        }
    }

    private void Unsubscribe(MqttConnection connection, MqttSession session, UnsubscribePacket unsubscribe)
    {
        var codes = new byte[unsubscribe.Filters.Count];
        for (var i = 0; i < codes.Length; i++)
        {
            var filter = unsubscribe.Filters[i];
            if (!MqttTopic.IsValidTopicFilter(filter))
            {
                codes[i] = MqttReasonCode.TopicFilterInvalid;
            }
            else if (session.Subscriptions.Remove(filter, out var entry))
            {
                RemoveFromTreeLocked(entry);
                codes[i] = MqttReasonCode.Success;
            }
            else
            {
                codes[i] = MqttReasonCode.NoSubscriptionExisted;
            }
        }
        connection.Send(new UnsubAckPacket { PacketId = unsubscribe.PacketId, ReasonCodes = codes });
    }

    private SharedSubscriptionGroup JoinGroupLocked(string shareName, string topicFilter)
    {
        if (_sharedGroups.TryGetValue((shareName, topicFilter), out var group)) return group;
        group = new SharedSubscriptionGroup(shareName, topicFilter);
        _sharedGroups[(shareName, topicFilter)] = group;
        // The group stands in the tree once; QoS 2 and retain-as-published so the chosen member's options decide both.
        _subscriptions.Add(topicFilter, new SubscriptionEntry(group, topicFilter, new MqttSubscriptionOptions(MqttQualityOfService.ExactlyOnce, RetainAsPublished: true), null));
        return group;
    }

    /// <summary>Takes a session's subscription out of the tree, or out of its shared group (and the group out of the tree when it empties).</summary>
    private void RemoveFromTreeLocked(SubscriptionEntry entry)
    {
        if (entry.Group is not { } group)
        {
            _subscriptions.Remove(entry.Filter, e => ReferenceEquals(e, entry));
            return;
        }
        group.Remove(entry);
        if (!group.IsEmpty) return;
        _sharedGroups.Remove((group.ShareName, group.Filter));
        _subscriptions.Remove(group.Filter, e => ReferenceEquals(e.Target, group));
    }

    private static MqttApplicationMessage ToMessage(PublishPacket publish, string? sender, DateTimeOffset now) =>
        ToMessage(publish.Topic, publish.Payload, publish.Qos, publish.Retain, publish.Properties, sender, now);

    /// <summary>An application message from a PUBLISH's or a will's fields and v5 properties (§3.3.2.3, §3.1.3.2).</summary>
    private static MqttApplicationMessage ToMessage(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos, bool retain,
        MqttProperties? p, string? sender, DateTimeOffset now) => new()
    {
        Topic = topic,
        Payload = payload,
        Qos = qos,
        Retain = retain,
        PayloadIsUtf8 = p?.PayloadFormatIndicator == 1,
        MessageExpiryInterval = p?.MessageExpiryInterval,
        ContentType = p?.ContentType,
        ResponseTopic = p?.ResponseTopic,
        CorrelationData = p?.CorrelationData,
        UserProperties = p?.UserProperties,
        SenderClientId = sender,
        ReceivedAt = now,
    };
}
