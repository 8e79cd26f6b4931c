namespace Ccgw.Core.Routing;

/// <summary>Lifecycle transitions and the routing decision.</summary>
internal sealed partial class ContactCenterState
{
    /// <summary>How far past excluding heads an agent looks into one pool; beyond it, exclusion expiry re-triggers routing.</summary>
    private const int ExcludedScanLimit = 16;

    private readonly List<AgentRecord> _dirtyAgents = [];
    private readonly HashSet<InteractionRecord> _dirtyInteractions = [];
    private readonly List<InteractionRecord> _dispatchBuffer = [];

    private void ApplyIntent(AgentRecord a, AgentStateRequest request, string? reason)
    {
        var before = a.Intent;
        if (before == AgentStateRequest.Ready && request != AgentStateRequest.Ready)
            ChangeStaffing(a, -1);
        else if (before != AgentStateRequest.Ready && request == AgentStateRequest.Ready)
            ChangeStaffing(a, +1);
        a.Intent = request;
        a.Reason = request == AgentStateRequest.Ready ? null : reason;
        if (request == AgentStateRequest.Ready && before != AgentStateRequest.Ready)
            a.IdleSince = _now;
        if (request != AgentStateRequest.Ready)
        {
            // A ringing offer to an agent who stepped away would only time out; hand it on now.
            foreach (var i in a.Work.Where(w => w.State == InteractionState.Offered).ToList())
                CloseOffer(i, OfferOutcome.Withdrawn, "agent " + request.ToString().ToLowerInvariant());
        }

        if (request == AgentStateRequest.Offline)
        {
            foreach (var i in a.Work.Where(w => w.State == InteractionState.WrapUp).ToList())
                Finish(i, InteractionState.Ended, "agent offline");
            // A target who logs off (or loses every device) can no longer take the hand-over; the first agent keeps it.
            foreach (var i in a.Reserved.ToList())
                EndConsult(i, "target " + a.Id + " went offline");
            a.TransferWrapUps.Clear();
        }

        Touch(a);
    }

    private void ChangeStaffing(AgentRecord a, int sign)
    {
        foreach (var q in a.Queues)
        {
            for (var slot = 0; slot < Slots.Count; slot++)
                q.StaffedSlots[slot] += sign * Slots.Capacity(a.Definition.Capacity, slot);
            MarkStats(q);
        }
    }

    private void Offer(InteractionRecord i, AgentRecord a)
    {
        RemoveFromPool(i);
        var offer = new OfferRecord(i.Id + "/" + (++i.OfferCount).ToString(System.Globalization.CultureInfo.InvariantCulture), a, _now, _now + _options.OfferTimeout);
        i.Offer = offer;
        i.Agent = a;
        i.HeldSince = _now;
        SetState(i, InteractionState.Offered, null);
        a.Work.Add(i);
        a.Load[i.Slot]++;
        a.TotalLoad++;
        _timers.Schedule(offer.ExpiresAt, new TimerEntry(TimerKind.OfferTimeout, i, a, 0, offer.Id));
        Emit(new OfferMade(ToOffer(i, offer)));
        Touch(a);
    }

    private void Accept(InteractionRecord i)
    {
        var offer = i.Offer!;
        i.Offer = null;
        Emit(new OfferClosed(ToOffer(i, offer), OfferOutcome.Accepted));
        LeaveWaiting(i);
        var q = i.Queue;
        q.Answered++;
        if (q.Definition.ServiceLevel is not { } sl || _now - i.ArrivedAt <= sl.Threshold)
            q.AnsweredWithinTarget++;
        SetState(i, InteractionState.Connected, null);
        Touch(offer.Agent);
    }

    /// <summary>Closes an open offer without acceptance; the interaction goes back to its place in the queue.</summary>
    private void CloseOffer(InteractionRecord i, OfferOutcome outcome, string reason)
    {
        var offer = i.Offer!;
        var a = offer.Agent;
        i.Offer = null;
        Emit(new OfferClosed(ToOffer(i, offer), outcome));
        Release(i, a);
        if (outcome is OfferOutcome.Rejected or OfferOutcome.TimedOut && _options.RejectCooldown > TimeSpan.Zero)
        {
            i.Excluded ??= [];
            i.Excluded[a] = _now + _options.RejectCooldown;
            _timers.Schedule(_now + _options.RejectCooldown, new TimerEntry(TimerKind.ExclusionExpired, i, a, 0, null));
        }

        SetState(i, InteractionState.Queued, reason);
        PlaceInPool(i);
        Touch(a);
    }

    private void StartWrapUp(InteractionRecord i, TimeSpan wrapUp)
    {
        i.WrapUpVersion++;
        SetState(i, InteractionState.WrapUp, null);
        _timers.Schedule(_now + wrapUp, new TimerEntry(TimerKind.WrapUpEnd, i, i.Agent, i.WrapUpVersion, null));
        Touch(i.Agent!);
    }

    /// <summary>Moves a live interaction to a terminal state, releasing its queue place, offer and agent slot.</summary>
    private void Finish(InteractionRecord i, InteractionState terminal, string? reason)
    {
        if (i.State == InteractionState.Offered)
        {
            var offer = i.Offer!;
            i.Offer = null;
            Emit(new OfferClosed(ToOffer(i, offer), OfferOutcome.Withdrawn));
        }

        var worked = i.State is InteractionState.Connected or InteractionState.WrapUp;
        if (i.State == InteractionState.Queued)
            RemoveFromPool(i);
        if (i.IsWaiting)
        {
            LeaveWaiting(i);
            if (terminal == InteractionState.Abandoned)
            {
                i.Queue.Abandoned++;
                if (i.Queue.Definition.ServiceLevel is { } sl && _now - i.ArrivedAt > sl.Threshold)
                    i.Queue.AbandonedAfterTarget++;
            }
        }
        else if (i.State is InteractionState.Connected or InteractionState.WrapUp && i.HeldSince is { } held)
        {
            i.Queue.HandleTime[i.Slot].Add(_now - held);
        }

        var agent = i.Agent;
        if (agent is not null)
        {
            Release(i, agent);
            if (worked && agent.TotalLoad == 0)
                agent.IdleSince = _now;
        }

        _live.Remove(i.Id);
        SetState(i, terminal, reason);
        if (agent is not null)
            Touch(agent);
    }

    private void Release(InteractionRecord i, AgentRecord a)
    {
        a.Work.Remove(i);
        a.Load[i.Slot]--;
        a.TotalLoad--;
        i.Agent = null;
        i.HeldSince = null;
    }

    private void LeaveWaiting(InteractionRecord i)
    {
        i.Queue.Waiting.Remove(i);
        MarkStats(i.Queue);
    }

    private void SetState(InteractionRecord i, InteractionState state, string? reason)
    {
        var from = i.State;
        // A consult belongs to one connected conversation too: any change of state (the caller left, a transfer to a
        // queue, the end) releases the reserved target. CompleteTransfer clears it before it moves the interaction.
        if (i.Consult is not null)
            EndConsult(i, "interaction " + state.ToString().ToLowerInvariant());
        i.State = state;
        i.StateSince = _now;
        // Hold belongs to one connected conversation: a transfer, re-queue or the end must not carry it to the next.
        if (i.OnHold)
        {
            i.OnHold = false;
            if (i.Agent is { } holder) MarkPresence(holder);
        }
        Emit(new InteractionStateChanged(i.ToView(), from, reason));
        MarkStats(i.Queue);
    }

    /// <summary>Puts a queued interaction in the pool its queue (after any due overflow) and widening stage call for.</summary>
    private void PlaceInPool(InteractionRecord i)
    {
        while (i.Queue.OverflowTarget is { } target && _now - i.QueueEnteredAt >= i.Queue.Definition.Overflow!.After)
            MoveToQueue(i, target);
        var q = i.Queue;
        var stage = q.StageFor(_now - i.ArrivedAt);
        var pool = GetPool(q, stage, i.Request.Channel, AgentEligibility.RequiredCapabilities(q.Definition, i.Request));
        pool.Waiting.Add(i);
        i.Pool = pool;
        q.Queued[i.Slot]++;
        var key = (i.Slot, i.Priority);
        q.QueuedByPriority[key] = q.QueuedByPriority.GetValueOrDefault(key) + 1;
        MarkStats(q);
        ArmStatsRefresh();
        MarkDispatch(i);
    }

    private void RemoveFromPool(InteractionRecord i)
    {
        if (i.Pool is not { } pool)
            return;
        pool.Waiting.Remove(i);
        i.Pool = null;
        i.Queue.Queued[i.Slot]--;
        i.Queue.QueuedByPriority[(i.Slot, i.Priority)]--;
        MarkStats(i.Queue);
    }

    private void MoveToQueue(InteractionRecord i, QueueRecord target, string? reason = null)
    {
        var from = i.Queue;
        from.Waiting.Remove(i);
        MarkStats(from);
        i.Queue = target;
        i.QueueEnteredAt = _now;
        target.Waiting.Add(i);
        Emit(new InteractionStateChanged(i.ToView(), i.State, reason ?? "overflow from " + from.Id));
        ScheduleQueueTimers(i);
    }

    /// <summary>Arms the overflow and widening steps of the interaction's current queue; older ones go stale by version.</summary>
    private void ScheduleQueueTimers(InteractionRecord i)
    {
        var version = ++i.QueueVersion;
        var q = i.Queue;
        if (q.Definition.Overflow is { } overflow)
            _timers.Schedule(i.QueueEnteredAt + overflow.After, new TimerEntry(TimerKind.QueueStep, i, null, version, null));
        foreach (var after in q.WideningAfter)
        {
            var due = i.ArrivedAt + after;
            if (due > _now)
                _timers.Schedule(due, new TimerEntry(TimerKind.QueueStep, i, null, version, null));
        }
    }

    private Pool GetPool(QueueRecord q, int stage, InteractionChannel channel, IReadOnlySet<string>? capabilities)
    {
        var caps = Pool.KeyOf(capabilities);
        if (_families.TryGetValue((q.Index, channel, caps), out var family))
            return family[stage];

        // A new combination (first use of a capability set or channel): one pass over the agents, once.
        family = new Pool[q.StageLevels.Length];
        for (var s = 0; s < family.Length; s++)
        {
            family[s] = new Pool(q, s, channel, caps, caps.Length == 0 ? null : capabilities, _options.AgentSelection) { Family = family };
            q.Pools.Add(family[s]);
        }

        _families.Add((q.Index, channel, caps), family);
        foreach (var a in _agentList)
        {
            if (HomeStage(a, family) is not { } home)
                continue;
            a.Pools.Add(home);
            if (a.CanTake(home.Slot))
            {
                home.Available.Add(a);
                a.InsertedPools.Add(home);
            }
        }

        return family[stage];
    }

    /// <summary>The first stage of the family that admits the agent (admission only grows with the stage), or null.</summary>
    private static Pool? HomeStage(AgentRecord a, Pool[] family)
    {
        foreach (var pool in family)
        {
            if (pool.Admits(a))
                return pool;
        }

        return null;
    }

    /// <summary>Re-derives the shown state from intent and work, and re-files the agent in the ready sets.</summary>
    private void Touch(AgentRecord a)
    {
        var shown = a.Work.Exists(w => w.State is InteractionState.Offered or InteractionState.Connected) || a.Reserved.Count > 0 ? AgentState.Busy
            : a.Work.Exists(w => w.State == InteractionState.WrapUp) || a.TransferWrapUps.Count > 0 ? AgentState.WrapUp
            : a.Intent switch
            {
                AgentStateRequest.Ready => AgentState.Ready,
                AgentStateRequest.NotReady => AgentState.NotReady,
                _ => AgentState.Offline,
            };
        if (shown != a.Shown)
        {
            CountShown(a, -1);
            a.Shown = shown;
            a.Since = _now;
            CountShown(a, +1);
        }

        foreach (var pool in a.InsertedPools)
            pool.Available.Remove(a);
        a.InsertedPools.Clear();
        a.KeyLoad = a.TotalLoad;
        a.KeyIdleSince = a.IdleSince;
        if (a.IsRoutable)
        {
            foreach (var pool in a.Pools)
            {
                if (a.CanTake(pool.Slot))
                {
                    pool.Available.Add(a);
                    a.InsertedPools.Add(pool);
                }
            }

            if (a.InsertedPools.Count > 0 && !a.DispatchDirty)
            {
                a.DispatchDirty = true;
                _dirtyAgents.Add(a);
            }
        }

        MarkPresence(a);
    }

    private void CountShown(AgentRecord a, int sign)
    {
        _shownCounts[(int)a.Shown] += sign;
        foreach (var q in a.Queues)
        {
            if (a.Shown == AgentState.Ready)
                q.AgentsReady += sign;
            else if (a.Shown is AgentState.Busy or AgentState.WrapUp)
                q.AgentsBusy += sign;
            MarkStats(q);
        }
    }

    private void MarkDispatch(InteractionRecord i) => _dirtyInteractions.Add(i);

    /// <summary>
    /// Routes until nothing more matches: first every freed agent takes its best waiting interaction, then newly queued
    /// interactions (best first) take their best available agent. Both sides read minima of ordered sets, never scan.
    /// </summary>
    private void Dispatch()
    {
        while (_dirtyAgents.Count > 0 || _dirtyInteractions.Count > 0)
        {
            while (_dirtyAgents.Count > 0)
            {
                var a = _dirtyAgents[^1];
                _dirtyAgents.RemoveAt(_dirtyAgents.Count - 1);
                a.DispatchDirty = false;
                FillAgent(a);
            }

            if (_dirtyInteractions.Count == 0)
                break;
            _dispatchBuffer.Clear();
            foreach (var i in _dirtyInteractions)
            {
                if (i.State == InteractionState.Queued)
                    _dispatchBuffer.Add(i);
            }

            _dirtyInteractions.Clear();
            _dispatchBuffer.Sort(WaitingComparer.CompareAcrossQueues);
            foreach (var i in _dispatchBuffer)
            {
                if (i.State == InteractionState.Queued && BestAgentFor(i) is { } agent)
                    Offer(i, agent);
            }
        }
    }

    /// <summary>The best available agent of the stages 0..s of the interaction's family (s = its current stage).</summary>
    private AgentRecord? BestAgentFor(InteractionRecord i)
    {
        var pool = i.Pool!;
        var family = pool.Family;
        var comparer = pool.Available.Comparer;
        AgentRecord? best = null;
        for (var s = 0; s <= pool.Stage; s++)
        {
            var available = family[s].Available;
            if (available.Count == 0)
                continue;
            AgentRecord? candidate = null;
            if (i.Excluded is not { Count: > 0 })
            {
                candidate = available.Min;
            }
            else
            {
                foreach (var a in available)
                {
                    if (!i.Excludes(a, _now))
                    {
                        candidate = a;
                        break;
                    }
                }
            }

            if (candidate is not null && (best is null || comparer.Compare(candidate, best) < 0))
                best = candidate;
        }

        return best;
    }

    private void FillAgent(AgentRecord a)
    {
        while (a.IsRoutable)
        {
            InteractionRecord? best = null;
            foreach (var home in a.InsertedPools)
            {
                // The agent qualifies for its home stage and every later (wider) one.
                var family = home.Family;
                for (var s = home.Stage; s < family.Length; s++)
                {
                    var pool = family[s];
                    if (pool.Waiting.Count == 0)
                        continue;
                    var candidate = FirstNotExcluding(pool, a);
                    if (candidate is not null && (best is null || WaitingComparer.CompareAcrossQueues(candidate, best) < 0))
                        best = candidate;
                }
            }

            if (best is null)
                return;
            Offer(best, a);
        }
    }

    private InteractionRecord? FirstNotExcluding(Pool pool, AgentRecord a)
    {
        var head = pool.Waiting.Min!;
        if (!head.Excludes(a, _now))
            return head;
        var looked = 0;
        foreach (var i in pool.Waiting)
        {
            if (!i.Excludes(a, _now))
                return i;
            if (++looked >= ExcludedScanLimit)
                break;
        }

        return null;
    }

    /// <summary>
    /// 1-based place among queued interactions of the same queue and slot. An interaction ordered by "now" is behind
    /// every queued one of its priority, so counting by priority is exact and O(priorities); older ones (call-backs,
    /// status queries) walk the waiting sets.
    /// </summary>
    private int PositionOf(InteractionRecord i, bool justArrived = false)
    {
        var q = i.Queue;
        if (justArrived && i.OrderTime == i.ArrivedAt)
        {
            var position = 0;
            foreach (var ((slot, priority), count) in q.QueuedByPriority)
            {
                if (slot == i.Slot && priority >= i.Priority)
                    position += count;
            }

            return position;
        }

        var ahead = 0;
        foreach (var pool in q.Pools)
        {
            if (pool.Slot != i.Slot || pool.Waiting.Count == 0 || WaitingComparer.Instance.Compare(pool.Waiting.Min, i) >= 0)
                continue;
            foreach (var other in pool.Waiting)
            {
                if (WaitingComparer.Instance.Compare(other, i) >= 0)
                    break;
                ahead++;
            }
        }

        return ahead + 1;
    }

    private static Offer ToOffer(InteractionRecord i, OfferRecord offer) =>
        new(offer.Id, i.Id, offer.Agent.Id, i.Queue.Id, i.Request.Channel, offer.OfferedAt, offer.ExpiresAt,
            Math.Max(0, (offer.OfferedAt - i.ArrivedAt).TotalSeconds), i.ToView());
}
