using Ccgw.Core;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Which customers each agent may see the presence of: those of the interactions the agent holds (offered, connected,
/// in wrap-up). CONTRACT §6 keeps <c>ccgw/clients/#</c> from agents, and the ACL decides per filter at SUBACK, so a
/// grant to another subtree could not be taken back when the chat ends; instead the gateway copies the presence into
/// the agent's own subtree (<see cref="Topic"/>) while the customer is the agent's, and clears it (empty retained
/// message) when the last such interaction is over. Fed by the publisher's single event loop, so it is not shared.
/// </summary>
internal sealed class AgentClientPresence
{
    private readonly Dictionary<string, (string AgentId, string CustomerId)> _byInteraction = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _agentsByCustomer = new(StringComparer.Ordinal);

    /// <summary><c>ccgw/agents/{agent}/clients/{customer}/presence</c>: retained, readable by that agent only.</summary>
    public static string Topic(string agentId, string customerId) => $"ccgw/agents/{agentId}/clients/{customerId}/presence";

    /// <summary>The agents holding an interaction with the customer now.</summary>
    public IReadOnlyCollection<string> AgentsOf(string customerId) =>
        _agentsByCustomer.TryGetValue(customerId, out var agents) ? agents.Keys : [];

    /// <summary>
    /// Follows one core event. Returns the (agent, customer) pair that became visible (publish the presence now) or
    /// stopped being visible (clear it), or null when nothing changed for any agent.
    /// </summary>
    public (string AgentId, string CustomerId, bool Visible)? Apply(CoreEvent e) => e switch
    {
        OfferMade made when made.Offer.Interaction.Request.CustomerId is { } customer
            && GatewayTopics.IsTopicLevel(customer) && GatewayTopics.IsTopicLevel(made.Offer.AgentId)
            => Hold(made.Offer.InteractionId, made.Offer.AgentId, customer),
        OfferClosed { Outcome: not OfferOutcome.Accepted } closed => Release(closed.Offer.InteractionId),
        // Terminal, or back in the queue (a transfer): the agent no longer holds it. Wrap-up keeps it.
        InteractionStateChanged { Interaction.State: InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed or InteractionState.Queued } changed
            => Release(changed.Interaction.Id),
        _ => null,
    };

    /// <summary>After falling behind the core: forget interactions no agent holds any more (their end events were lost).</summary>
    public IReadOnlyList<(string AgentId, string CustomerId)> Prune(CenterSnapshot snapshot)
    {
        var held = snapshot.Agents.Values.SelectMany(a => a.InteractionIds).ToHashSet(StringComparer.Ordinal);
        var hidden = new List<(string, string)>();
        foreach (var id in _byInteraction.Keys.Where(id => !held.Contains(id)).ToList())
        {
            if (Release(id) is { } gone) hidden.Add((gone.AgentId, gone.CustomerId));
        }
        return hidden;
    }

    private (string, string, bool)? Hold(string interactionId, string agentId, string customerId)
    {
        if (_byInteraction.TryGetValue(interactionId, out var previous))
        {
            if (previous.AgentId == agentId) return null;
            Release(interactionId);
        }
        _byInteraction[interactionId] = (agentId, customerId);
        if (!_agentsByCustomer.TryGetValue(customerId, out var agents))
            _agentsByCustomer[customerId] = agents = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = agents.GetValueOrDefault(agentId);
        agents[agentId] = count + 1;
        return count == 0 ? (agentId, customerId, true) : null;
    }

    private (string AgentId, string CustomerId, bool Visible)? Release(string interactionId)
    {
        if (!_byInteraction.Remove(interactionId, out var held)) return null;
        var agents = _agentsByCustomer[held.CustomerId];
        if (--agents[held.AgentId] > 0) return null;
        agents.Remove(held.AgentId);
        if (agents.Count == 0) _agentsByCustomer.Remove(held.CustomerId);
        return (held.AgentId, held.CustomerId, false);
    }
}
