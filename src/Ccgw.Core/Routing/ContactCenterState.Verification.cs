namespace Ccgw.Core.Routing;

/// <summary>Self-checks of the routing invariants, for property tests and the simulator's debug runs.</summary>
internal sealed partial class ContactCenterState
{
    /// <summary>Every broken invariant, described; empty when the state is consistent.</summary>
    public List<string> Verify()
    {
        var problems = new List<string>();
        foreach (var a in _agentList)
        {
            var load = new int[Slots.Count];
            foreach (var w in a.Work)
            {
                load[w.Slot]++;
                if (!ReferenceEquals(w.Agent, a))
                    problems.Add($"{w.Id} is in {a.Id}'s work but assigned to {w.Agent?.Id}");
                if (w.State == InteractionState.Offered && (w.Offer is null || !ReferenceEquals(w.Offer.Agent, a)))
                    problems.Add($"{w.Id} is offered without an offer to {a.Id}");
            }

            foreach (var r in a.Reserved)
            {
                load[r.Slot]++;
                if (r.Consult is not { } consult || !ReferenceEquals(consult.Target, a))
                    problems.Add($"{r.Id} reserves {a.Id} without a consult to them");
            }

            for (var slot = 0; slot < Slots.Count; slot++)
            {
                if (load[slot] != a.Load[slot])
                    problems.Add($"{a.Id} load[{slot}]={a.Load[slot]} but holds {load[slot]}");
                if (a.Load[slot] > Slots.Capacity(a.Definition.Capacity, slot))
                    problems.Add($"{a.Id} exceeds capacity on slot {slot}: {a.Load[slot]}");
            }

            if (a.TotalLoad > a.Blending.MaxConcurrent)
                problems.Add($"{a.Id} exceeds MaxConcurrent");
            if (a.Blending.VoiceExclusive && a.Load[Slots.Voice] > 0 && a.TotalLoad > a.Load[Slots.Voice])
                problems.Add($"{a.Id} mixes voice with other work although voice is exclusive");
            if (a.Presence is { } p && p.State != a.Shown)
                problems.Add($"{a.Id} shows {p.State} but routing uses {a.Shown}");
            foreach (var pool in a.Pools)
            {
                var should = a.IsRoutable && a.CanTake(pool.Slot);
                if (pool.Available.Contains(a) != should)
                    problems.Add($"{a.Id} ready-set membership in {pool.Queue.Id}/{pool.Stage}/{pool.Channel} is {!should}, expected {should}");
            }
        }

        foreach (var i in _live.Values)
        {
            switch (i.State)
            {
                case InteractionState.Queued:
                    if (i.Pool is null || !i.Pool.Waiting.Contains(i))
                        problems.Add($"{i.Id} is queued but in no waiting set");
                    else if (BestAgentFor(i) is { } idle)
                        problems.Add($"{i.Id} waits in {i.Queue.Id} although {idle.Id} could take it");
                    if (i.Agent is not null || i.Offer is not null)
                        problems.Add($"{i.Id} is queued but holds an agent or offer");
                    break;
                case InteractionState.Offered or InteractionState.Connected or InteractionState.WrapUp:
                    if (i.Agent is null || !i.Agent.Work.Contains(i))
                        problems.Add($"{i.Id} is {i.State} without an agent holding it");
                    if (i.Pool is not null)
                        problems.Add($"{i.Id} is {i.State} but still in a waiting set");
                    break;
                default:
                    problems.Add($"{i.Id} is live in terminal state {i.State}");
                    break;
            }

            if (i.Consult is { } c && (i.State != InteractionState.Connected || !ReferenceEquals(c.From, i.Agent) || !c.Target.Reserved.Contains(i)))
                problems.Add($"{i.Id} has a consult that does not match its state, agent or the target's reservation");
            if (i.IsWaiting != i.Queue.Waiting.Contains(i))
                problems.Add($"{i.Id} waiting-index membership is wrong");
        }

        foreach (var q in _queueList)
        {
            for (var slot = 0; slot < Slots.Count; slot++)
            {
                var queued = q.Pools.Where(p => p.Slot == slot).Sum(p => p.Waiting.Count);
                if (queued != q.Queued[slot])
                    problems.Add($"{q.Id} counts {q.Queued[slot]} queued on slot {slot} but holds {queued}");
            }
        }

        return problems;
    }

    /// <summary>Test hook: the agent's skills meet a queue's levels at the interaction's current widening stage.</summary>
    internal bool QualifiesNow(string agentId, string interactionId) =>
        _agents.TryGetValue(agentId, out var a) && _live.TryGetValue(interactionId, out var i)
        && i.Queue.Qualifies(a.Definition, i.Queue.StageFor(_now - i.ArrivedAt))
        && a.HasCapabilities(AgentEligibility.RequiredCapabilities(i.Queue.Definition, i.Request));

    /// <summary>Diagnostics: the learned mean slot occupancy of a queue's channel and its sample count.</summary>
    internal (double Seconds, int Samples) HandleTimeOf(string queueId, InteractionChannel channel)
    {
        var h = _queues[queueId].HandleTime[Slots.Of(channel)];
        return (h.MeanSeconds, h.Samples);
    }
}
