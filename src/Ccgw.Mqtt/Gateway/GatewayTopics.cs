namespace Ccgw.Mqtt.Gateway;

/// <summary>The topic names of CONTRACT §6 plus the documented error topic.</summary>
public static class GatewayTopics
{
    public const string CenterStatus = "ccgw/center/status";
    public const string AllCommands = "ccgw/agents/+/commands";

    /// <summary>Issue 19: supervisor commands (re-prioritise, call-back changes); only supervisor {id} may publish.</summary>
    public const string AllSupervisorCommands = "ccgw/supervisors/+/commands";

    /// <summary>Issue 19: answers to supervisor commands that failed (non-retained).</summary>
    public static string SupervisorErrors(string supervisorId) => $"ccgw/supervisors/{supervisorId}/errors";

    /// <summary>The supervisor id of <c>ccgw/supervisors/{id}/commands</c>, or null for any other topic.</summary>
    public static string? SupervisorOfCommandTopic(string topic)
    {
        const string prefix = "ccgw/supervisors/", suffix = "/commands";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var id = topic[prefix.Length..^suffix.Length];
        return IsTopicLevel(id) ? id : null;
    }

    public static string Presence(string agentId) => $"ccgw/agents/{agentId}/presence";

    public static string Offers(string agentId) => $"ccgw/agents/{agentId}/offers";

    public static string Commands(string agentId) => $"ccgw/agents/{agentId}/commands";

    /// <summary>Extension of CONTRACT §6: answers to console commands that failed (non-retained).</summary>
    public static string Errors(string agentId) => $"ccgw/agents/{agentId}/errors";

    /// <summary>CONTRACT §6 client presence (retained); readable by supervisors, not by agents.</summary>
    public static string ClientPresence(string customerId) => $"ccgw/clients/{customerId}/presence";

    public static string QueueStats(string queueId) => $"ccgw/queues/{queueId}/stats";

    /// <summary>Extension of CONTRACT §6: a queue's pending call-backs (retained); under <c>ccgw/queues/#</c>, so agents may read it.</summary>
    public static string QueueCallbacks(string queueId) => $"ccgw/queues/{queueId}/callbacks";

    public static string InteractionEvents(string interactionId) => $"ccgw/interactions/{interactionId}/events";

    /// <summary>The agent id of <c>ccgw/agents/{id}/commands</c>, or null for any other topic.</summary>
    public static string? AgentOfCommandTopic(string topic)
    {
        const string prefix = "ccgw/agents/", suffix = "/commands";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || !topic.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var id = topic[prefix.Length..^suffix.Length];
        return id.Length == 0 || id.Contains('/', StringComparison.Ordinal) ? null : id;
    }

    /// <summary>An id that is one plain topic level; anything else cannot be given a topic of its own.</summary>
    public static bool IsTopicLevel(string id) => id.Length > 0 && id.AsSpan().IndexOfAny("/+#\0") < 0;
}
