namespace Ccgw.Mqtt;

/// <summary>
/// The topic rules of CONTRACT §6. An agent reads only <c>ccgw/agents/{self}/#</c>,
/// <c>ccgw/queues/#</c> and <c>ccgw/center/#</c> and publishes only to its own
/// <c>ccgw/agents/{self}/commands</c>. A supervisor reads everything (including '$' topics) and
/// may command any agent, and publishes supervisor commands to its own <c>ccgw/supervisors/{self}/commands</c>
/// (issue 19: re-prioritise, call-back changes; agents cannot publish there). Everything else, including identities with neither role, is denied.
/// A filter is granted only if every topic it can match is readable, so no per-message check
/// is needed after SUBACK.
/// </summary>
public sealed class ContactCenterAcl : IMqttAuthorizer
{
    public const string AgentRole = "agent";
    public const string SupervisorRole = "supervisor";

    public bool CanSubscribe(MqttIdentity identity, string topicFilter)
    {
        if (!MqttTopic.IsValidTopicFilter(topicFilter)) return false;
        if (identity.IsInRole(SupervisorRole)) return true;
        if (!IsAgent(identity)) return false;
        return MqttTopic.IsCoveredBy(topicFilter, $"ccgw/agents/{identity.Name}/#") ||
               MqttTopic.IsCoveredBy(topicFilter, "ccgw/queues/#") ||
               MqttTopic.IsCoveredBy(topicFilter, "ccgw/center/#");
    }

    public bool CanPublish(MqttIdentity identity, string topic)
    {
        if (!MqttTopic.IsValidTopicName(topic)) return false;
        if (identity.IsInRole(SupervisorRole))
            return (topic.StartsWith("ccgw/agents/", StringComparison.Ordinal) && topic.EndsWith("/commands", StringComparison.Ordinal) &&
                    topic.Count(c => c == '/') == 3) ||
                   (identity.Name.Length > 0 && identity.Name.AsSpan().IndexOfAny("/+#\0") < 0 &&
                    string.Equals(topic, $"ccgw/supervisors/{identity.Name}/commands", StringComparison.Ordinal));
        return IsAgent(identity) && string.Equals(topic, $"ccgw/agents/{identity.Name}/commands", StringComparison.Ordinal);
    }

    /// <summary>An agent id that is not a single plain topic level could widen its own patterns.</summary>
    private static bool IsAgent(MqttIdentity identity) =>
        identity.IsInRole(AgentRole) && identity.Name.Length > 0 && identity.Name.AsSpan().IndexOfAny("/+#\0") < 0;
}
