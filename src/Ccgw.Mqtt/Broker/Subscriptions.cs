namespace Ccgw.Mqtt;

/// <summary>Something a routed message can be handed to: a client session or an in-process subscriber.</summary>
internal interface IMessageTarget
{
    /// <summary>Client id for the v5 No Local option (§3.8.3.1); null for in-process subscribers.</summary>
    string? ClientId { get; }

    void Deliver(in MqttDelivery delivery);
}

/// <summary>
/// One subscription as stored in the topic tree, or (with <paramref name="Group"/>) one member of a shared
/// subscription, kept in the session and the group; then <paramref name="Filter"/> is the whole <c>$share/...</c> filter.
/// </summary>
internal sealed record SubscriptionEntry(IMessageTarget Target, string Filter, MqttSubscriptionOptions Options, uint? SubscriptionId, SharedSubscriptionGroup? Group = null);

/// <summary>
/// A message for one target, with the QoS and retain flag it is to be sent with; <paramref name="Group"/> is the shared
/// subscription that chose this target, so the message can go to another member if this session ends undelivered.
/// </summary>
internal readonly record struct MqttDelivery(MqttApplicationMessage Message, MqttQualityOfService Qos, bool Retain, IReadOnlyList<uint>? SubscriptionIds,
    SharedSubscriptionGroup? Group = null);
