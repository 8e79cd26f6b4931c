namespace Ccgw.Core.Routing;

/// <summary>
/// Provisioning at run time (issue 20): removing an agent and adding, redefining or removing a queue, applied like any other command on
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
        var held = a.Work.Where(w => w.State is InteractionState.Offered or InteractionState.Connected).Concat(a.Reserved).Select(w => w.Id).ToList();
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
    /// interaction's when it enters, so a new priority applies to later arrivals. An unknown id is not found (a new
    /// queue is <see cref="AddQueue"/>).
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
        Refile(() =>
        {
            DropPools(q);
            q.Redefine(definition);
            q.OverflowTarget = definition.Overflow is { } o ? _queues[o.Queue] : null;
        });
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

    /// <summary>
    /// Opens a new queue at run time: every agent is filed for it (skills scored, pools built on its first interaction)
    /// and its figures are published at once, so channels may submit to it from the next command on. Refused when the
    /// id exists or the definition is invalid (e.g. an overflow into an unknown queue).
    /// </summary>
    public CommandResult AddQueue(QueueDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (_queues.ContainsKey(definition.Id))
            return CommandResult.Invalid($"queue '{definition.Id}' already exists");
        var problems = DefinitionValidator.Validate(new ContactCenterDefinition([], [.. _queueList.Select(x => x.Definition), definition], _options));
        if (problems.Count > 0)
            return CommandResult.Invalid(string.Join("; ", problems));
        FireTimersUntil(now);

        QueueRecord? added = null;
        Refile(() =>
        {
            added = new QueueRecord(_nextQueueIndex++, definition, _options.DefaultHandleTime);
            _queues.Add(definition.Id, added);
            _queueList.Add(added);
            added.OverflowTarget = definition.Overflow is { } o ? _queues[o.Queue] : null;
            foreach (var a in _agentList)
                a.EnsureQueueSlots(_nextQueueIndex);
        });

        LinkOverlappingQueues();
        MarkStats(added!);
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    /// <summary>
    /// Removes a queue that holds no live interaction (waiting, offered, connected or in wrap-up) and that no other
    /// queue overflows into; refused otherwise, naming them, so nothing is stranded. Its figures leave the snapshot.
    /// Whether channels still name it (flows, IM addresses, call-backs) is the caller's check: the core cannot see them.
    /// </summary>
    public CommandResult RemoveQueue(string queueId, DateTimeOffset now)
    {
        if (!_queues.TryGetValue(queueId, out var q))
            return CommandResult.NotFound($"unknown queue '{queueId}'");
        FireTimersUntil(now);
        if (_queueList.FirstOrDefault(x => x.OverflowTarget == q && x != q) is { } from)
            return CommandResult.Invalid($"queue '{from.Id}' overflows into '{queueId}'; change its overflow first");
        var held = _live.Values.Where(i => i.Queue == q).ToList();
        if (held.Count > 0)
        {
            var waiting = held.Count(i => i.State is InteractionState.Queued or InteractionState.Offered);
            return CommandResult.Invalid($"{waiting} interaction(s) wait in queue '{queueId}' and {held.Count - waiting} are in hand with agents "
                + $"({string.Join(", ", held.Take(10).Select(i => i.Id))}); remove the queue when it is empty");
        }

        Refile(() =>
        {
            DropPools(q);
            _queues.Remove(queueId);
            _queueList.Remove(q);
        });
        // Un- and re-filing marked its figures dirty; a removed queue publishes nothing more.
        _dirtyStats.Remove(q);
        q.StatsDirty = false;
        _statsSnapshot = _statsSnapshot.Remove(queueId);
        _snapshot = null;

        LinkOverlappingQueues();
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    /// <summary>
    /// Takes every agent out of every pool and queue count, applies <paramref name="change"/> to the queues, and files
    /// the agents again: the queues' pools, staffing and ready/busy counts are all derived from the set of queues.
    /// Queued interactions of the changed queue are the caller's to take out and place again.
    /// </summary>
    private void Refile(Action change)
    {
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

        change();

        foreach (var a in _agentList)
        {
            FileAgent(a);
            CountShown(a, +1);
        }

        foreach (var a in staffed)
            ChangeStaffing(a, +1);
        foreach (var a in _agentList)
            Touch(a);
    }

    private void DropPools(QueueRecord q)
    {
        foreach (var key in _families.Keys.Where(k => k.Queue == q.Index).ToList())
            _families.Remove(key);
        q.Pools.Clear();
    }

    /// <summary>The current definitions of every queue, in configuration order.</summary>
    public IReadOnlyList<QueueDefinition> QueueDefinitions => [.. _queueList.Select(q => q.Definition)];

    /// <summary>The current definitions of every agent.</summary>
    public IReadOnlyList<AgentDefinition> AgentDefinitions => [.. _agentList.Select(a => a.Definition)];
}
