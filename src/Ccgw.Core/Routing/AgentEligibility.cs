namespace Ccgw.Core.Routing;

/// <summary>
/// Which agent capabilities an interaction needs while it waits in a queue: its own
/// (<see cref="InteractionRequest.RequiredAgentCapabilities"/>), the queue's, and those the queue's compatibility rules
/// derive from the customer's client. Eligibility only — the order in which waiting interactions are served is the
/// pools' (<see cref="WaitingComparer"/>), kept apart so the two evolve independently. The set chooses the pool, so an
/// interaction nobody ready can serve simply waits there, and overflow (which changes the queue) re-evaluates it.
/// </summary>
internal static class AgentEligibility
{
    public static IReadOnlySet<string>? RequiredCapabilities(QueueDefinition queue, InteractionRequest request)
    {
        var own = request.RequiredAgentCapabilities;
        var fixedSet = queue.RequiredAgentCapabilities;
        var rules = queue.Compatibility;

        // The common case (no queue requirement, no rules) allocates nothing: routing at scale depends on it.
        if ((fixedSet is null || fixedSet.Count == 0) && (rules is null || rules.Count == 0))
            return own;

        HashSet<string>? all = null;
        if (fixedSet is not null)
        {
            foreach (var c in fixedSet)
                (all ??= Start(own)).Add(c);
        }

        if (rules is not null)
        {
            foreach (var rule in rules)
            {
                if (rule.Matches(request))
                    (all ??= Start(own)).Add(rule.AgentCapability);
            }
        }

        return all ?? own;
    }

    private static HashSet<string> Start(IReadOnlySet<string>? own) =>
        own is null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(own, StringComparer.Ordinal);
}
