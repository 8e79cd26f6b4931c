namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Where the gateway publishes and reads console commands: the embedded broker in-process, or a site's
/// broker as a client (<see cref="MqttGatewayClient"/>). The publisher and command handler only see this.
/// </summary>
public interface IMqttGatewayLink
{
    /// <summary>Publishes as the gateway; never waits for a slow consumer.</summary>
    ValueTask PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken);

    /// <summary>Receives messages on a filter through a bounded reader; dispose to stop.</summary>
    MqttLocalSubscription Subscribe(string topicFilter, int capacity);

    /// <summary>
    /// Users whose first connection opened or last connection closed; a link that cannot see client
    /// connections (an external broker) never completes this.
    /// </summary>
    ValueTask<IReadOnlyList<MqttUserConnections>> WaitForUserConnectionChangesAsync(CancellationToken cancellationToken);
}

/// <summary>The embedded broker as the gateway's link.</summary>
public sealed class EmbeddedBrokerLink(MqttBroker broker) : IMqttGatewayLink
{
    public ValueTask PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        broker.PublishAsync(message, cancellationToken);

    public MqttLocalSubscription Subscribe(string topicFilter, int capacity) => broker.Subscribe(topicFilter, capacity);

    public ValueTask<IReadOnlyList<MqttUserConnections>> WaitForUserConnectionChangesAsync(CancellationToken cancellationToken) =>
        broker.WaitForUserConnectionChangesAsync(cancellationToken);
}
