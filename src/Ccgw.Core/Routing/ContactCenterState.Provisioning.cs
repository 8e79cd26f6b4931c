namespace Ccgw.Core.Routing;

/// <summary>
/// Provisioning at run time (issue 20): removing an agent and redefining a queue, applied like any other command on
/// the single writer, so work in hand is never dropped (adding or changing an agent is <see cref="UpsertAgent"/>).
/// </summary>
internal sealed partial class ContactCenterState
{
    /// <summary>
    /// Removes an agent who holds no offered or connected interaction; refused (naming them) otherwise, so no call, chat
    /// or call-back is stranded. Wrap-up in progress ends as when the agent goes offline. Subscribers see the agent go
    /// offline; the snapshot no longer lists it.
    /// </summary>
    public CommandResult RemoveAgent(string agentId, DateTimeOffset now)
    {
        if (!_agents.TryGetValue(agentId, out var a))
            return CommandResult.NotFound($"unknown agent '{agentId}'");
        FireTimersUntil(now);
        var held = a.Work.Where(w => w.State is InteractionState.Offered or InteractionState.Connected).Select(w => w.Id).ToList();
        if (held.Count > 0)
            return CommandResult.Invalid($"agent '{agentId}' holds {string.Join(", ", held)}; end or transfer it, then remove the agent");
        ApplyIntent(a, AgentStateRequest.Offline, "removed");
        Dispatch();
        Flush();

        CountShown(a, -1);
        foreach (var pool in a.InsertedPools)
            pool.Available.Remove(a);
        a.InsertedPools.Clear();
        a.Pools.Clear();
        a.Queues.Clear();
        a.LostDevices.Clear(); // a pending device-grace timer finds nothing and goes stale
        _dirtyAgents.Remove(a);
        _dirtyPresence.Remove(a);
        _agents.Remove(agentId);
        _agentList.Remove(a);
        _presenceSnapshot = _presenceSnapshot.Remove(agentId);
        _snapshot = null;
        LinkOverlappingQueues();
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    /// <summary>
    /// Replaces an existing queue's definition (skills, priority, service level, widening, overflow, capabilities):
    /// its pools are rebuilt from the new stages and every queued interaction is placed again, so the next offer follows
    /// the new skills. Offered and connected interactions continue untouched. A queue's priority is added to an
    /// interaction's when it enters, so a new priority applies to later arrivals. Queues are created and deleted in the
    /// configuration file (channels route to them by name); an unknown id is not found.
    /// </summary>
    public CommandResult UpsertQueue(QueueDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!_queues.TryGetValue(definition.Id, out var q))
            return CommandResult.NotFound($"unknown queue '{definition.Id}'");
        var all = _queueList.Select(x => x == q ? definition : x.Definition).ToList();
        var problems = DefinitionValidator.Validate(new ContactCenterDefinition([], all, _options));
        if (problems.Count > 0)
            return CommandResult.Invalid(string.Join("; ", problems));
        FireTimersUntil(now);

        var queued = q.Waiting.Where(i => i.Pool is not null).ToList();
        foreach (var i in queued)
            RemoveFromPool(i);
        var staffed = _agentList.Where(a => a.IsStaffed).ToList();
        foreach (var a in staffed)
            ChangeStaffing(a, -1);
        foreach (var a in _agentList)
        {
            CountShown(a, -1);
            foreach (var pool in a.InsertedPools)
                pool.Available.Remove(a);
            a.InsertedPools.Clear();
            a.Pools.Clear();
            a.Queues.Clear();
        }

        foreach (var key in _families.Keys.Where(k => k.Queue == q.Index).ToList())
            _families.Remove(key);
        q.Pools.Clear();
        q.Redefine(definition);
        q.OverflowTarget = definition.Overflow is { } o ? _queues[o.Queue] : null;

        foreach (var a in _agentList)
        {
            FileAgent(a);
            CountShown(a, +1);
        }

        foreach (var a in staffed)
            ChangeStaffing(a, +1);
        foreach (var a in _agentList)
            Touch(a);
        foreach (var i in queued)
        {
            ScheduleQueueTimers(i);
            PlaceInPool(i);
        }

        LinkOverlappingQueues();
        MarkStats(q);
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    /// <summary>The current definitions of every queue, in configuration order.</summary>
    public IReadOnlyList<QueueDefinition> QueueDefinitions => [.. _queueList.Select(q => q.Definition)];

    /// <summary>The current definitions of every agent.</summary>
    public IReadOnlyList<AgentDefinition> AgentDefinitions => [.. _agentList.Select(a => a.Definition)];
}
