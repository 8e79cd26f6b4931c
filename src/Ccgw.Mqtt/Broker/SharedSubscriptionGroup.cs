namespace Ccgw.Mqtt;

/// <summary>
/// A shared subscription (§4.8.2): every session subscribed to <c>$share/{ShareName}/{filter}</c> with the same
/// share name and filter. The group stands in the topic tree once, under the plain filter, and hands each
/// matching message to one member: round robin over the members that are connected; only when none is, round
/// robin over the offline ones, whose persistent sessions queue QoS 1/2 as usual (mosquitto 2.0 goes round robin
/// over all members, connected or not, so an offline member keeps receiving its share until it returns).
/// Used under the broker lock only.
/// </summary>
internal sealed class SharedSubscriptionGroup(string shareName, string filter) : IMessageTarget
{
    private readonly List<SubscriptionEntry> _members = [];
    private int _next;

    public string ShareName { get; } = shareName;

    /// <summary>The filter after the share name, as matched against topics.</summary>
    public string Filter { get; } = filter;

    public bool IsEmpty => _members.Count == 0;

    public int MemberCount => _members.Count;

    /// <summary>A group is not one client, so the No Local option never applies (it is refused for shared subscriptions anyway).</summary>
    string? IMessageTarget.ClientId => null;

    public void Add(SubscriptionEntry member) => _members.Add(member);

    public void Remove(SubscriptionEntry member)
    {
        var index = _members.IndexOf(member);
        if (index < 0) return;
        _members.RemoveAt(index);
        if (index < _next) _next--;
        if (_next >= _members.Count) _next = 0;
    }

    /// <summary>
    /// Hands the message to one member. The broker routes with the group's own entry (QoS 2, retain as published),
    /// so <paramref name="delivery"/> carries the message's QoS and RETAIN; the chosen member's options lower them.
    /// </summary>
    public void Deliver(in MqttDelivery delivery)
    {
        var count = _members.Count;
        if (count == 0) return;
        var pick = -1;
        for (var i = 0; i < count; i++)
        {
            var candidate = (_next + i) % count;
            if (((MqttSession)_members[candidate].Target).Connection is not null)
            {
                pick = candidate;
                break;
            }
        }
        if (pick < 0) pick = _next % count;
        _next = (pick + 1) % count;
        var member = _members[pick];
        var qos = delivery.Qos < member.Options.Qos ? delivery.Qos : member.Options.Qos;
        ((MqttSession)member.Target).Deliver(new MqttDelivery(delivery.Message, qos, delivery.Retain && member.Options.RetainAsPublished,
            member.SubscriptionId is { } id ? [id] : null, this));
    }

    /// <summary>A message a member's ended session never acknowledged goes to another member (§4.8.2 "SHOULD").</summary>
    public void Redeliver(MqttApplicationMessage message) => Deliver(new MqttDelivery(message, message.Qos, message.Retain, null));
}
