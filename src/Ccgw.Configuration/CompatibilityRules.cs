namespace Ccgw.Configuration;

/// <summary>Agents' capabilities, queues' required capabilities and compatibility rules (seed 004).</summary>
internal static class CompatibilityRules
{
    /// <summary>Capabilities are matched exactly and travel in MQTT payloads, so they keep to short printable names.</summary>
    public static void CheckCapabilities(string key, List<string> capabilities, ConfigProblems problems)
    {
        for (var i = 0; i < capabilities.Count; i++)
        {
            if (!IsCapability(capabilities[i]))
                problems.Error($"{key}:{i}", $"'{capabilities[i]}' is not a usable capability name; use 1-64 printable characters without spaces, e.g. xhtml-im");
        }
    }

    public static void CheckQueue(GatewayOptions o, string key, QueueOptions q, ConfigProblems problems)
    {
        CheckCapabilities($"{key}:RequiredAgentCapabilities", q.RequiredAgentCapabilities, problems);
        if (q.RequiredAgentCapabilities.Count > 0 && !o.Agents.Any(a => q.RequiredAgentCapabilities.All(c => Has(a, c))))
            problems.Warning($"{key}:RequiredAgentCapabilities", $"no agent has all of {string.Join(", ", q.RequiredAgentCapabilities)}; queue '{q.Id}' cannot be answered");

        for (var r = 0; r < q.Compatibility.Count; r++)
        {
            var rule = q.Compatibility[r];
            var ruleKey = $"{key}:Compatibility:{r}";
            if (string.IsNullOrWhiteSpace(rule.ClientSoftware) && string.IsNullOrWhiteSpace(rule.ClientFeature))
                problems.Error(ruleKey, "a rule needs ClientSoftware (the XEP-0092 name, e.g. Gajim), ClientFeature (an XEP-0030 feature) or both");
            if (rule.ClientSoftware is { Length: > 100 })
                problems.Error($"{ruleKey}:ClientSoftware", "longer than 100 characters; client names are short (e.g. Gajim)");
            if (rule.ClientFeature is { Length: > 200 })
                problems.Error($"{ruleKey}:ClientFeature", "longer than 200 characters; use the feature's namespace, e.g. http://jabber.org/protocol/xhtml-im");
            if (string.IsNullOrWhiteSpace(rule.AgentCapability))
                problems.Error($"{ruleKey}:AgentCapability", "not set; name the agent capability matching chats need (declared in Agents[].Capabilities)");
            else if (!IsCapability(rule.AgentCapability))
                problems.Error($"{ruleKey}:AgentCapability", $"'{rule.AgentCapability}' is not a usable capability name; use 1-64 printable characters without spaces");
            else if (!o.Agents.Any(a => Has(a, rule.AgentCapability)))
            {
                var fallback = q.Overflow is { } overflow ? $"they overflow to '{overflow.Queue}' after {overflow.AfterSeconds} s" : "they wait (no Overflow is set)";
                problems.Warning($"{ruleKey}:AgentCapability", $"no agent has capability '{rule.AgentCapability}'; matching chats in queue '{q.Id}' are never offered here, {fallback}");
            }
        }
    }

    private static bool Has(AgentOptions a, string capability) =>
        a.Capabilities.Contains(capability, StringComparer.Ordinal) || a.Devices.Contains(capability, StringComparer.Ordinal);

    private static bool IsCapability(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name.All(c => c > ' ' && c != '\u007f');
}
