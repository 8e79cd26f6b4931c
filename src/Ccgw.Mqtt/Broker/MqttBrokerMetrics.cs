using System.Diagnostics.Metrics;

namespace Ccgw.Mqtt;

/// <summary>Instruments of the "Ccgw.Mqtt" meter, which the daemon exports with every Ccgw.* meter.</summary>
internal sealed class MqttBrokerMetrics : IDisposable
{
    public const string MeterName = "Ccgw.Mqtt";
    private readonly bool _ownsMeter;
    private int _connections;
    private int _sessions;
    private int _retained;

    public MqttBrokerMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Meter.CreateObservableGauge("ccgw.mqtt.connections", () => Volatile.Read(ref _connections), "{connection}", "Open MQTT client connections");
        Meter.CreateObservableGauge("ccgw.mqtt.sessions", () => Volatile.Read(ref _sessions), "{session}", "MQTT sessions, connected or kept for reconnection");
        Meter.CreateObservableGauge("ccgw.mqtt.retained_messages", () => Volatile.Read(ref _retained), "{message}", "Retained messages held");
        PacketsReceived = Meter.CreateCounter<long>("ccgw.mqtt.packets.received", "{packet}", "Control packets received, by type");
        PacketsSent = Meter.CreateCounter<long>("ccgw.mqtt.packets.sent", "{packet}", "Control packets sent, by type");
        MessagesPublished = Meter.CreateCounter<long>("ccgw.mqtt.messages.published", "{message}", "Application messages accepted for routing");
        SubscribesDenied = Meter.CreateCounter<long>("ccgw.mqtt.subscribes.denied", "{subscription}", "Subscriptions refused by the authorizer");
        PublishesDenied = Meter.CreateCounter<long>("ccgw.mqtt.publishes.denied", "{message}", "Publishes dropped by the authorizer");
        MessagesDropped = Meter.CreateCounter<long>("ccgw.mqtt.messages.dropped", "{message}", "Messages not delivered, by reason");
        PublisherWaits = Meter.CreateCounter<long>("ccgw.mqtt.publisher.waits", "{wait}", "Times a publishing client was held back until the subscribers it feeds caught up");
        SubscribersStuck = Meter.CreateCounter<long>("ccgw.mqtt.subscribers.stuck", "{subscriber}", "Times a subscriber took nothing from its socket for a whole publisher wait limit and stopped being waited for (its QoS 0 copies are dropped until it catches up)");
        ConnectionsRefused = Meter.CreateCounter<long>("ccgw.mqtt.connections.refused", "{connection}", "CONNECTs refused, by reason");
    }

    public Meter Meter { get; }
    public Counter<long> PacketsReceived { get; }
    public Counter<long> PacketsSent { get; }
    public Counter<long> MessagesPublished { get; }
    public Counter<long> SubscribesDenied { get; }
    public Counter<long> PublishesDenied { get; }
    public Counter<long> MessagesDropped { get; }
    public Counter<long> PublisherWaits { get; }
    public Counter<long> SubscribersStuck { get; }
    public Counter<long> ConnectionsRefused { get; }

    public int Connections => Volatile.Read(ref _connections);

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);
    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);
    public void SetSessions(int count) => Volatile.Write(ref _sessions, count);
    public void SetRetained(int count) => Volatile.Write(ref _retained, count);

    public void Dropped(string reason) => MessagesDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Received(MqttPacketType type) => PacketsReceived.Add(1, new KeyValuePair<string, object?>("type", TypeTag(type)));

    public void Sent(MqttPacketType type) => PacketsSent.Add(1, new KeyValuePair<string, object?>("type", TypeTag(type)));

    private static string TypeTag(MqttPacketType type) => type switch
    {
        MqttPacketType.Connect => "connect",
        MqttPacketType.ConnAck => "connack",
        MqttPacketType.Publish => "publish",
        MqttPacketType.PubAck => "puback",
        MqttPacketType.PubRec => "pubrec",
        MqttPacketType.PubRel => "pubrel",
        MqttPacketType.PubComp => "pubcomp",
        MqttPacketType.Subscribe => "subscribe",
        MqttPacketType.SubAck => "suback",
        MqttPacketType.Unsubscribe => "unsubscribe",
        MqttPacketType.UnsubAck => "unsuback",
        MqttPacketType.PingReq => "pingreq",
        MqttPacketType.PingResp => "pingresp",
        MqttPacketType.Disconnect => "disconnect",
        _ => "auth",
    };

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
