using System.Globalization;

namespace Ccgw.Core.Routing;

/// <summary>
/// The routing core as a pure, synchronous state machine: each command takes the current time, applies the change,
/// routes, and appends events to <see cref="PendingEvents"/>. Not thread-safe by design: the engine's single loop owns
/// it, and tests and the simulator drive it directly. Its own timers fire inside <see cref="AdvanceTo"/> (every command
/// calls it first), each at its due time and in due order, so a replay with the same inputs yields the same events.
/// </summary>
internal sealed partial class ContactCenterState
{
    private readonly RoutingOptions _options;
    private readonly Dictionary<string, AgentRecord> _agents = new(StringComparer.Ordinal);
    private readonly List<AgentRecord> _agentList = [];
    private readonly Dictionary<string, QueueRecord> _queues = new(StringComparer.Ordinal);
    private readonly List<QueueRecord> _queueList = [];
    private readonly Dictionary<string, InteractionRecord> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Queue, InteractionChannel Channel, string Caps), Pool[]> _families = [];
    private readonly TimerQueue _timers = new();
    private readonly List<CoreEvent> _events = [];
    private readonly string _idPrefix;
    private long _eventSeq;
    private long _interactionSeq;
    private int _nextAgentIndex;

    // A counter, not the list's length: queues removed at run time leave gaps, and the index keys pools and scores.
    private int _nextQueueIndex;
    private DateTimeOffset _now;

    public ContactCenterState(ContactCenterDefinition definition, DateTimeOffset now, string? idPrefix = null)
    {
        var problems = definition.Validate();
        if (problems.Count > 0)
            throw new ArgumentException("invalid contact centre definition: " + string.Join("; ", problems), nameof(definition));
        _options = definition.Options;
        _now = now;
        _idPrefix = idPrefix ?? Guid.NewGuid().ToString("N")[..8];
        foreach (var q in definition.Queues)
        {
            var record = new QueueRecord(_nextQueueIndex++, q, _options.DefaultHandleTime);
            _queues.Add(q.Id, record);
            _queueList.Add(record);
        }

        foreach (var q in _queueList)
            q.OverflowTarget = q.Definition.Overflow is { } o ? _queues[o.Queue] : null;
        foreach (var a in definition.Agents)
            AddAgent(a, now);
        LinkOverlappingQueues();
        foreach (var q in _queueList)
            MarkStats(q);
        Flush();
        _events.Clear();
    }

    public RoutingOptions Options => _options;

    public DateTimeOffset Now => _now;

    /// <summary>Events applied since the caller last cleared them, in order.</summary>
    public List<CoreEvent> PendingEvents => _events;

    /// <summary>When the next internal timer falls due; the engine arms one real timer for it.</summary>
    public DateTimeOffset? NextDueAt => _timers.NextDue;

    public int LiveInteractions => _live.Count;

    /// <summary>Fires every timer due up to <paramref name="now"/> (each at its own due time), then publishes.</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        FireTimersUntil(now);
        Flush();
    }

    public SubmitResult Submit(InteractionRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_queues.TryGetValue(request.QueueId, out var queue))
            throw new ArgumentException($"unknown queue '{request.QueueId}'", nameof(request));
        if (!Enum.IsDefined(request.Channel))
            throw new ArgumentException($"unknown channel '{request.Channel}'", nameof(request));
        FireTimersUntil(now);
        var id = request.Id ?? _idPrefix + "-" + (_interactionSeq + 1).ToString(CultureInfo.InvariantCulture);
        if (_live.ContainsKey(id))
            throw new ArgumentException($"interaction '{id}' is already live", nameof(request));
        var i = new InteractionRecord(id, ++_interactionSeq, request, _now, queue);
        _live.Add(id, i);
        queue.Waiting.Add(i);
        Emit(new InteractionStateChanged(i.ToView(), null, null));
        ScheduleQueueTimers(i);
        PlaceInPool(i);
        Dispatch();
        var position = i.State == InteractionState.Queued ? PositionOf(i, justArrived: true) : 0;
        var ewt = i.State == InteractionState.Queued ? EstimateFor(i.Queue, i.Slot, position) : WaitEstimate.Immediate;
        var result = new SubmitResult(id, i.State, i.Agent?.Id, position, ewt);
        Flush();
        return result;
    }

    public CommandResult SetAgentState(string agentId, AgentStateRequest request, string? reason, DateTimeOffset now)
    {
        if (!_agents.TryGetValue(agentId, out var a))
            return CommandResult.NotFound($"unknown agent '{agentId}'");
        if (!Enum.IsDefined(request))
            return CommandResult.Invalid($"unknown state '{request}'");
        FireTimersUntil(now);
        ApplyIntent(a, request, reason);
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    public CommandResult AcceptOffer(string agentId, string interactionId, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var check = FindOffer(agentId, interactionId, out var i);
        if (check.IsOk)
            Accept(i!);
        Dispatch();
        Flush();
        return check;
    }

    public CommandResult RejectOffer(string agentId, string interactionId, string? reason, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var check = FindOffer(agentId, interactionId, out var i);
        if (check.IsOk)
            CloseOffer(i!, OfferOutcome.Rejected, reason ?? "rejected");
        Dispatch();
        Flush();
        return check;
    }

    /// <summary>The channel reports the agent leg connected; accepts the open offer if the console did not.</summary>
    public CommandResult MarkConnected(string interactionId, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        else if (i.State == InteractionState.Offered)
            Accept(i);
        else if (i.State != InteractionState.Connected)
            result = CommandResult.Invalid($"interaction '{interactionId}' is {i.State}, not offered");
        Dispatch();
        Flush();
        return result;
    }

    /// <summary>
    /// The conversation ended. Connected → wrap-up (or ended when the wrap-up is zero); still waiting → abandoned.
    /// </summary>
    public CommandResult EndInteraction(string interactionId, TimeSpan? wrapUp, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
        {
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        }
        else if (i.IsWaiting)
        {
            Finish(i, InteractionState.Abandoned, "ended while waiting");
        }
        else if (i.State == InteractionState.Connected)
        {
            var wrap = wrapUp ?? i.Queue.Definition.WrapUp ?? _options.DefaultWrapUp;
            if (wrap > TimeSpan.Zero)
                StartWrapUp(i, wrap);
            else
                Finish(i, InteractionState.Ended, null);
        }
        else
        {
            result = CommandResult.Invalid($"interaction '{interactionId}' is already in {i.State}");
        }

        Dispatch();
        Flush();
        return result;
    }

    /// <summary>
    /// The customer left. While waiting it is abandoned; once connected, the conversation simply ended (wrap-up
    /// follows as for <see cref="EndInteraction"/>), and in wrap-up nothing changes.
    /// </summary>
    public CommandResult AbandonInteraction(string interactionId, string? reason, DateTimeOffset now)
    {
        if (_live.TryGetValue(interactionId, out var i) && i.State is InteractionState.Connected or InteractionState.WrapUp)
            return i.State == InteractionState.Connected ? EndInteraction(interactionId, null, now) : CommandResult.Ok;
        return Terminate(interactionId, InteractionState.Abandoned, reason ?? "abandoned", now);
    }

    public CommandResult FailInteraction(string interactionId, string? reason, DateTimeOffset now) =>
        Terminate(interactionId, InteractionState.Failed, reason ?? "failed", now);

    /// <summary>Ends the agent's wrap-up of one interaction, or of all of them when <paramref name="interactionId"/> is null.</summary>
    public CommandResult WrapUpDone(string agentId, string? interactionId, DateTimeOffset now)
    {
        if (!_agents.TryGetValue(agentId, out var a))
            return CommandResult.NotFound($"unknown agent '{agentId}'");
        FireTimersUntil(now);
        var done = 0;
        foreach (var i in a.Work.Where(w => w.State == InteractionState.WrapUp && (interactionId is null || w.Id == interactionId)).ToList())
        {
            Finish(i, InteractionState.Ended, null);
            done++;
        }

        done += EndTransferWrapUps(a, interactionId);

        Dispatch();
        Flush();
        return done > 0 || interactionId is null ? CommandResult.Ok : CommandResult.Invalid($"agent '{agentId}' has no wrap-up of '{interactionId}'");
    }

    /// <summary>A console connection or phone registration of the agent was lost; after the grace period the agent goes offline.</summary>
    public CommandResult DeviceLost(string agentId, string device, DateTimeOffset now)
    {
        if (!_agents.TryGetValue(agentId, out var a))
            return CommandResult.NotFound($"unknown agent '{agentId}'");
        FireTimersUntil(now);
        var version = ++_deviceVersion;
        a.LostDevices[device] = version;
        _timers.Schedule(_now + _options.DeviceLostGrace, new TimerEntry(TimerKind.DeviceGrace, null, a, version, device));
        MarkPresence(a);
        FireTimersUntil(now);
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    public CommandResult DeviceRestored(string agentId, string device, DateTimeOffset now)
    {
        if (!_agents.TryGetValue(agentId, out var a))
            return CommandResult.NotFound($"unknown agent '{agentId}'");
        FireTimersUntil(now);
        if (a.LostDevices.Remove(device))
            MarkPresence(a);
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    /// <summary>
    /// The agent holding an interaction (offered, connected or wrapping up) names the product it concerned. Nothing
    /// routing reads changes, so no event is raised: the interaction's next state change (wrap-up, end) carries the
    /// product into history, where an upsert keeps it.
    /// </summary>
    public CommandResult SetProduct(string agentId, string interactionId, string product, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        else if (i.Agent?.Id != agentId || i.State is not (InteractionState.Offered or InteractionState.Connected or InteractionState.WrapUp))
            result = CommandResult.Invalid($"interaction '{interactionId}' is not held by {agentId}");
        else if (string.IsNullOrWhiteSpace(product) || product.Length > 100)
            result = CommandResult.Invalid("name the product in 1-100 characters");
        else
            i.Request = i.Request with { Product = product.Trim() };
        Flush();
        return result;
    }

    /// <summary>
    /// The agent connected to a voice call puts it on hold or resumes it. Refused (naming why) when the interaction is
    /// unknown, not connected to <paramref name="agentId"/>, not a voice call, or already in the asked state. Routing
    /// does not change: the agent stays busy with it; presence lists it under held and <see cref="InteractionHoldChanged"/>
    /// tells the voice adapter.
    /// </summary>
    public CommandResult SetHold(string agentId, string interactionId, bool hold, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        else if (i.Agent is not { } holder || holder.Id != agentId || i.State != InteractionState.Connected)
            result = CommandResult.Invalid($"interaction '{interactionId}' is not connected to {agentId}");
        else if (i.Request.Channel != InteractionChannel.Voice)
            result = CommandResult.Invalid($"interaction '{interactionId}' is not a voice call ({i.Request.Channel.ToString().ToLowerInvariant()})");
        else if (i.Consult is { } consult)
            result = CommandResult.Invalid($"interaction '{interactionId}' is in a consult with {consult.Target.Id}; complete or cancel it first") with { Code = "consultInProgress" };
        else if (i.OnHold == hold)
            result = CommandResult.Invalid(hold ? $"interaction '{interactionId}' is already on hold" : $"interaction '{interactionId}' is not on hold");
        else
        {
            i.OnHold = hold;
            MarkPresence(holder);
            Emit(new InteractionHoldChanged(i.ToView(), agentId, hold));
        }
        Flush();
        return result;
    }

    /// <summary>
    /// Hands a live interaction to another queue: an open offer is withdrawn, a connected or wrapping-up agent is
    /// released, and it is queued in <paramref name="queueId"/> keeping its arrival and order time (its place in time).
    /// </summary>
    public CommandResult Transfer(string interactionId, string queueId, DateTimeOffset now)
    {
        if (!_queues.TryGetValue(queueId, out var target))
            return CommandResult.NotFound($"unknown queue '{queueId}'");
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
        {
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        }
        else if (i.State == InteractionState.WrapUp)
        {
            result = CommandResult.Invalid($"interaction '{interactionId}' is in wrap-up: the customer has left");
        }
        else
        {
            var reason = "transfer to " + queueId;
            if (i.State == InteractionState.Offered)
                CloseOffer(i, OfferOutcome.Withdrawn, reason);
            if (i.State == InteractionState.Queued)
            {
                RemoveFromPool(i);
            }
            else
            {
                var agent = i.Agent!;
                Release(i, agent);
                agent.IdleSince = _now;
                SetState(i, InteractionState.Queued, reason);
                i.Queue.Waiting.Add(i);
                Touch(agent);
            }

            if (target != i.Queue)
                MoveToQueue(i, target, reason);
            PlaceInPool(i);
        }

        Dispatch();
        Flush();
        return result;
    }

    /// <summary>Changes a queued interaction's own priority (e.g. an admin re-prioritising a call-back); its order time is kept.</summary>
    public CommandResult Reprioritise(string interactionId, int priority, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
        {
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        }
        else if (!i.IsWaiting)
        {
            result = CommandResult.Invalid($"interaction '{interactionId}' is {i.State}; only waiting interactions can be re-prioritised");
        }
        else if (i.State == InteractionState.Queued)
        {
            RemoveFromPool(i);
            i.Priority = priority;
            PlaceInPool(i);
        }
        else
        {
            i.Priority = priority; // offered: not in a waiting set now; the new priority applies if it comes back
        }

        Dispatch();
        Flush();
        return result;
    }

    /// <summary>
    /// Adds an agent (offline) or replaces an agent's definition while running: skills, capacity, capabilities and
    /// blending apply to new offers at once; interactions already in hand continue even if capacity shrank.
    /// </summary>
    public CommandResult UpsertAgent(AgentDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var problems = DefinitionValidator.ValidateAgent(definition);
        if (problems.Count > 0)
            return CommandResult.Invalid(string.Join("; ", problems));
        FireTimersUntil(now);
        FileUpsert(definition);
        LinkOverlappingQueues();
        Dispatch();
        Flush();
        return CommandResult.Ok;
    }

    /// <summary>
    /// <see cref="UpsertAgent"/> for many agents as one command (the stored agents at start): the queue overlaps are
    /// linked, offers dispatched and the snapshot published once, not once per agent. One result per definition, in order.
    /// </summary>
    public IReadOnlyList<CommandResult> UpsertAgents(IReadOnlyList<AgentDefinition> definitions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        FireTimersUntil(now);
        var results = new CommandResult[definitions.Count];
        for (var i = 0; i < definitions.Count; i++)
        {
            var problems = DefinitionValidator.ValidateAgent(definitions[i]);
            if (problems.Count > 0)
            {
                results[i] = CommandResult.Invalid(string.Join("; ", problems));
                continue;
            }
            FileUpsert(definitions[i]);
            results[i] = CommandResult.Ok;
        }
        LinkOverlappingQueues();
        Dispatch();
        Flush();
        return results;
    }

    private void FileUpsert(AgentDefinition definition)
    {
        if (!_agents.TryGetValue(definition.Id, out var a))
        {
            AddAgent(definition, _now);
        }
        else
        {
            var staffed = a.IsStaffed;
            if (staffed)
                ChangeStaffing(a, -1);
            CountShown(a, -1);
            foreach (var pool in a.InsertedPools)
                pool.Available.Remove(a);
            a.InsertedPools.Clear();
            a.Pools.Clear();
            a.Queues.Clear();
            a.Definition = definition;
            FileAgent(a);
            CountShown(a, +1);
            if (staffed)
                ChangeStaffing(a, +1);
            Touch(a);
        }
    }

    public InteractionStatus? GetInteraction(string interactionId, DateTimeOffset now)
    {
        AdvanceTo(now);
        if (!_live.TryGetValue(interactionId, out var i))
            return null;
        var position = i.State == InteractionState.Queued ? PositionOf(i) : 0;
        var ewt = i.State == InteractionState.Queued ? EstimateFor(i.Queue, i.Slot, position) : WaitEstimate.Immediate;
        return new InteractionStatus(i.ToView(), position, ewt);
    }

    /// <summary>
    /// Where an interaction of <paramref name="queueId"/> on <paramref name="channel"/> with <paramref name="priority"/>
    /// and order time <paramref name="orderTime"/> (a call-back's virtual start) would stand if it were submitted now:
    /// behind every queued one of its slot that the offer order puts first (higher priority; same priority and an order
    /// time at or before its own, since it would enter with a later sequence), with the estimate
    /// <see cref="GetInteraction"/> would give it. <paramref name="enteringAhead"/> more are counted ahead of it: those the
    /// caller knows will enter before it (due call-backs ordered before it that the scheduler has not handed over yet).
    /// Null for an unknown queue. Changes no routing state (it may build the queue's pools for the channel).
    /// </summary>
    public EntryPlace? GetEntryPlace(string queueId, InteractionChannel channel, int priority, DateTimeOffset orderTime, int enteringAhead,
        DateTimeOffset now)
    {
        AdvanceTo(now);
        if (!_queues.TryGetValue(queueId, out var q))
            return null;
        var slot = Slots.Of(channel);
        // The pools of a queue and channel are built on their first interaction; build them now, as that one would, so
        // that an agent free for it counts (a wait of 0) before anything of the channel has entered. Emits nothing.
        GetPool(q, 0, channel, AgentEligibility.RequiredCapabilities(q.Definition, new InteractionRequest { QueueId = queueId, Channel = channel }));
        // As InteractionRecord.OrderTime: an order time after the arrival counts as the arrival.
        var order = orderTime < _now ? orderTime : _now;
        var ahead = 0;
        foreach (var pool in q.Pools)
        {
            if (pool.Slot != slot)
                continue;
            foreach (var other in pool.Waiting)
            {
                // The pool is in offer order: once one is behind the newcomer, so are all after it.
                if (other.Priority < priority || (other.Priority == priority && other.OrderTime > order))
                    break;
                ahead++;
            }
        }

        var position = ahead + Math.Max(0, enteringAhead) + 1;
        return new EntryPlace(position, EstimateFor(q, slot, position));
    }

    /// <summary>
    /// Every queued interaction of the queue in the order it will be offered, each with the position and estimate
    /// <see cref="GetInteraction"/> gives it (1-based per capacity slot). Null for an unknown queue. A read for channel
    /// adapters and status pages, O(waiting · log waiting); not on the routing path.
    /// </summary>
    public IReadOnlyList<WaitingPosition>? GetQueuePositions(string queueId, DateTimeOffset now)
    {
        AdvanceTo(now);
        if (!_queues.TryGetValue(queueId, out var q))
            return null;
        var queued = new List<InteractionRecord>(q.Waiting.Count);
        foreach (var pool in q.Pools)
            queued.AddRange(pool.Waiting);
        queued.Sort(WaitingComparer.Instance);
        var next = new int[Slots.Count];
        var result = new WaitingPosition[queued.Count];
        for (var k = 0; k < queued.Count; k++)
        {
            var i = queued[k];
            var position = ++next[i.Slot];
            result[k] = new WaitingPosition(i.Id, i.Request.Channel, i.Request.ChannelKey, i.Priority, i.OrderTime, position,
                EstimateFor(q, i.Slot, position));
        }

        return result;
    }

    private long _deviceVersion;

    private CommandResult Terminate(string interactionId, InteractionState terminal, string reason, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = CommandResult.Ok;
        if (!_live.TryGetValue(interactionId, out var i))
            result = CommandResult.NotFound($"unknown interaction '{interactionId}'");
        else
            Finish(i, terminal, reason);
        Dispatch();
        Flush();
        return result;
    }

    private CommandResult FindOffer(string agentId, string interactionId, out InteractionRecord? interaction)
    {
        interaction = null;
        if (!_agents.TryGetValue(agentId, out var a))
            return CommandResult.NotFound($"unknown agent '{agentId}'");
        if (!_live.TryGetValue(interactionId, out var i))
            return CommandResult.NotFound($"unknown interaction '{interactionId}'");
        if (i.State != InteractionState.Offered || i.Offer is null || !ReferenceEquals(i.Offer.Agent, a))
            return CommandResult.Invalid($"interaction '{interactionId}' has no open offer to agent '{agentId}'");
        interaction = i;
        return CommandResult.Ok;
    }

    private void AddAgent(AgentDefinition definition, DateTimeOffset now)
    {
        // A counter, not the list's length: agents removed at run time leave gaps, and the index breaks ties in pools.
        var a = new AgentRecord(_nextAgentIndex++, definition, _nextQueueIndex) { Since = now, IdleSince = now };
        _agents.Add(definition.Id, a);
        _agentList.Add(a);
        _shownCounts[(int)a.Shown]++;
        FileAgent(a);
        MarkPresence(a);
    }

    /// <summary>Computes the agent's skill scores, un-widened queues and home pools from its definition.</summary>
    private void FileAgent(AgentRecord a)
    {
        foreach (var q in _queueList)
        {
            a.QueueScore[q.Index] = q.Score(a.Definition);
            if (q.Qualifies(a.Definition, 0))
                a.Queues.Add(q);
        }

        foreach (var family in _families.Values)
        {
            if (HomeStage(a, family) is { } home)
                a.Pools.Add(home);
        }
    }

    private void LinkOverlappingQueues()
    {
        // Counted agent by agent over the few queues each serves, not queue pair by queue pair over every agent: that
        // was queues² × agents per call, minutes at 1,000 queues and 10,000 agents (issue 21). Same shares, same order.
        var position = new Dictionary<QueueRecord, int>(_queueList.Count);
        foreach (var q in _queueList)
            position.TryAdd(q, position.Count);
        var own = new int[position.Count];
        var shared = new Dictionary<(int Queue, int Other), int>();
        foreach (var a in _agentList)
        {
            var served = a.Queues;
            for (var i = 0; i < served.Count; i++)
            {
                if (served.IndexOf(served[i]) != i || !position.TryGetValue(served[i], out var q))
                    continue;
                own[q]++;
                for (var j = 0; j < served.Count; j++)
                {
                    var other = served[j];
                    if (served.IndexOf(other) != j || other == served[i] || other.Definition.Priority <= served[i].Definition.Priority
                        || !position.TryGetValue(other, out var o))
                        continue;
                    shared[(q, o)] = shared.GetValueOrDefault((q, o)) + 1;
                }
            }
        }

        var overlaps = shared.Keys.Order().ToList();
        foreach (var q in _queueList)
            q.HigherOverlaps.Clear();
        foreach (var (q, o) in overlaps)
            _queueList[q].HigherOverlaps.Add((_queueList[o], (double)shared[(q, o)] / own[q]));
    }

    private void FireTimersUntil(DateTimeOffset now)
    {
        while (_timers.TryPopDue(now, out var due, out var entry))
        {
            if (due > _now)
                _now = due;
            FireTimer(entry);
            Dispatch();
            Flush(); // presence and figures carry the timer's own time, as a replay would
        }

        if (now > _now)
            _now = now;
    }

    private void FireTimer(TimerEntry t)
    {
        switch (t.Kind)
        {
            case TimerKind.OfferTimeout when t.Interaction is { State: InteractionState.Offered, Offer: { } offer } i && offer.Id == t.Key:
                CloseOffer(i, OfferOutcome.TimedOut, "no answer");
                if (_options.NotReadyOnOfferTimeout && offer.Agent.Intent == AgentStateRequest.Ready)
                    ApplyIntent(offer.Agent, AgentStateRequest.NotReady, _options.OfferTimeoutReason);
                break;
            case TimerKind.WrapUpEnd when t.Interaction is { State: InteractionState.WrapUp } i && i.WrapUpVersion == t.Version:
                Finish(i, InteractionState.Ended, "wrap-up time elapsed");
                break;
            case TimerKind.QueueStep when t.Interaction is { State: InteractionState.Queued } i && i.QueueVersion == t.Version:
                RemoveFromPool(i);
                PlaceInPool(i);
                break;
            case TimerKind.ExclusionExpired when t.Interaction is { State: InteractionState.Queued } i:
                MarkDispatch(i);
                break;
            case TimerKind.DeviceGrace when t.Agent is { } a && t.Key is { } device
                                            && a.LostDevices.TryGetValue(device, out var version) && version == t.Version:
                a.LostDevices.Remove(device);
                MarkPresence(a);
                ApplyIntent(a, AgentStateRequest.Offline, "deviceLost:" + device);
                break;
            case TimerKind.TransferWrapUpEnd when t.Agent is { } a && t.Key is { } handed
                                                 && a.TransferWrapUps.TryGetValue(handed, out var wrapVersion) && wrapVersion == t.Version:
                a.TransferWrapUps.Remove(handed);
                Touch(a);
                break;
            case TimerKind.StatsRefresh:
                RefreshWaitingStats();
                break;
            default:
                break; // stale: the thing it was armed for has moved on
        }
    }
}
