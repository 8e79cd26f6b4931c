using Ccgw.Core;

namespace Ccgw.Core.Tests;

/// <summary>Checks over an event log that hold for any sequence of commands.</summary>
internal static class Invariants
{
    /// <summary>No interaction with two open offers; no agent holding more than capacity; every timeout/rejection re-queues.</summary>
    public static void AssertEventLog(IReadOnlyList<CoreEvent> log, RoutingOptions options, IReadOnlyDictionary<string, AgentDefinition>? agents = null)
    {
        var openOffer = new Dictionary<string, string>();
        var held = new Dictionary<string, Dictionary<string, InteractionChannel>>();
        var mustRequeue = new HashSet<string>();
        var terminal = new HashSet<string>();
        foreach (var e in log)
        {
            switch (e)
            {
                case OfferMade m:
                    Assert.False(openOffer.ContainsKey(m.Offer.InteractionId), $"{m.Offer.InteractionId} offered twice at once");
                    Assert.DoesNotContain(m.Offer.InteractionId, terminal);
                    openOffer[m.Offer.InteractionId] = m.Offer.AgentId;
                    Hold(held, m.Offer.AgentId)[m.Offer.InteractionId] = m.Offer.Channel;
                    if (agents is not null)
                        AssertWithinCapacity(agents[m.Offer.AgentId], held[m.Offer.AgentId]);
                    break;
                case OfferClosed c:
                    Assert.True(openOffer.Remove(c.Offer.InteractionId, out var agent) && agent == c.Offer.AgentId, "closing an offer that is not open");
                    if (c.Outcome != OfferOutcome.Accepted)
                        Hold(held, c.Offer.AgentId).Remove(c.Offer.InteractionId);
                    if (c.Outcome is OfferOutcome.Rejected or OfferOutcome.TimedOut)
                        mustRequeue.Add(c.Offer.InteractionId);
                    break;
                case InteractionStateChanged s:
                    var id = s.Interaction.Id;
                    if (mustRequeue.Remove(id))
                        Assert.Equal(InteractionState.Queued, s.Interaction.State);
                    if (s.Interaction.State is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
                        Assert.True(terminal.Add(id), $"{id} ended twice");
                    if (s.Interaction.State is InteractionState.Queued or InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
                    {
                        Assert.False(openOffer.ContainsKey(id), $"{id} is {s.Interaction.State} with an open offer");
                        foreach (var h in held.Values)
                            h.Remove(id);
                    }

                    break;
            }
        }

        Assert.Empty(mustRequeue);
    }

    /// <summary>The last lifecycle state each interaction's events show.</summary>
    public static Dictionary<string, InteractionState> FinalStates(IEnumerable<CoreEvent> log)
    {
        var states = new Dictionary<string, InteractionState>();
        foreach (var s in log.OfType<InteractionStateChanged>())
            states[s.Interaction.Id] = s.Interaction.State;
        return states;
    }

    private static Dictionary<string, InteractionChannel> Hold(Dictionary<string, Dictionary<string, InteractionChannel>> held, string agent)
    {
        if (!held.TryGetValue(agent, out var h))
            held[agent] = h = [];
        return h;
    }

    private static void AssertWithinCapacity(AgentDefinition agent, Dictionary<string, InteractionChannel> holding)
    {
        foreach (var channel in Enum.GetValues<InteractionChannel>())
        {
            var slotCount = holding.Values.Count(c => agent.Capacity.For(c) == agent.Capacity.For(channel) && SameSlot(c, channel));
            Assert.True(slotCount <= agent.Capacity.For(channel), $"{agent.Id} holds {slotCount} on {channel}, capacity {agent.Capacity.For(channel)}");
        }
    }

    private static bool SameSlot(InteractionChannel a, InteractionChannel b) =>
        a == b || (a is InteractionChannel.Callback or InteractionChannel.Web && b is InteractionChannel.Callback or InteractionChannel.Web);
}
