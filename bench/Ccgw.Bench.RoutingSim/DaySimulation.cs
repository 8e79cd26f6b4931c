using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Routing;

namespace Ccgw.Bench.RoutingSim;

/// <summary>
/// Discrete-event simulation: customer arrivals, agents answering offers, talk time ending and customers giving up
/// are scheduled here; everything else (routing, offer timeouts, wrap-up, widening, overflow) is the real
/// <see cref="ContactCenterState"/> reacting on the simulated clock. Service level counts arrival → connected; the estimate is judged against arrival → the offer that was answered.
/// </summary>
internal sealed class DaySimulation(SimulationSetup setup, int seed, TimeSpan length, CallbackPolicy? callbacks = null)
{
    /// <summary>Call-backs asked for and not yet offered to an agent, per queue, in request order.</summary>
    private readonly Dictionary<string, List<Customer>> _pendingCallbacks = new(StringComparer.Ordinal);

    /// <summary>Call-backs handed to the core and not offered now (the old planner reserved a free agent for each).</summary>
    private readonly HashSet<string> _callbacksInCore = new(StringComparer.Ordinal);
    private bool _pollArmed;
    private int _callbackCount;

    private readonly Random _random = new(seed);

    // Call-backs draw from their own stream, so adding them disturbs the live traffic's draws as little as possible.
    private readonly Random _callbackRandom = new(seed + 7919);
    private readonly PriorityQueue<Action, (DateTimeOffset, long)> _agenda = new();
    private readonly Dictionary<string, Customer> _customers = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private ContactCenterState _state = null!;
    private DateTimeOffset _now;
    private long _seq;

    public SimulationReport Run()
    {
        _now = _start;
        _state = new ContactCenterState(setup.Definition, _now, "sim");
        foreach (var agent in setup.Definition.Agents)
            _state.SetAgentState(agent.Id, AgentStateRequest.Ready, null, _now);
        Drain();
        foreach (var traffic in setup.Traffic)
        {
            ScheduleArrival(traffic);
            if (callbacks is not null && traffic.CallbacksPerHour > 0)
                ScheduleCallbackRequest(traffic);
        }

        while (true)
        {
            var hasSim = _agenda.TryPeek(out _, out var key);
            var nextTimer = _state.NextDueAt;
            if (!hasSim && nextTimer is null)
                break;
            if (nextTimer is { } due && (!hasSim || due < key.Item1))
            {
                _now = due;
                _state.AdvanceTo(due);
                Drain();
                continue;
            }

            var action = _agenda.Dequeue();
            _now = key.Item1;
            action();
        }

        if (Environment.GetEnvironmentVariable("SIM_DEBUG") is not null)
        {
            foreach (var q in setup.Definition.Queues)
                Console.WriteLine($"{q.Id}: AHT {_state.HandleTimeOf(q.Id, InteractionChannel.Voice)}");
        }

        return new SimulationReport(setup, [.. _customers.Values], seed, length, callbacks);
    }

    private void Schedule(DateTimeOffset at, Action action) => _agenda.Enqueue(action, (at, ++_seq));

    private void ScheduleArrival(QueueTraffic traffic)
    {
        var gap = Exponential(3600.0 / traffic.ArrivalsPerHour);
        var at = _now + TimeSpan.FromSeconds(gap);
        if (at > _start + length)
            return;
        Schedule(at, () =>
        {
            Arrive(traffic);
            ScheduleArrival(traffic);
        });
    }

    private void ScheduleCallbackRequest(QueueTraffic traffic)
    {
        var at = _now + TimeSpan.FromSeconds(-3600.0 / traffic.CallbacksPerHour * Math.Log(1 - _callbackRandom.NextDouble()));
        if (at > _start + length)
            return;
        Schedule(at, () =>
        {
            RequestCallback(traffic);
            ScheduleCallbackRequest(traffic);
        });
    }

    /// <summary>
    /// A customer asks to be called back now. The receipt's wait is what the help-request API answers at intake
    /// (<see cref="CallbackWaitEstimate"/> over the queue's figures and the call-backs ahead); the call-back then reaches
    /// the core by the policy under test, the scheduler polling once a second.
    /// </summary>
    private void RequestCallback(QueueTraffic traffic)
    {
        if (!_pendingCallbacks.TryGetValue(traffic.QueueId, out var pending))
            _pendingCallbacks.Add(traffic.QueueId, pending = []);
        _state.Snapshot.Queues.TryGetValue(traffic.QueueId, out var stats);
        var told = CallbackWaitEstimate.Seconds(stats, pending.Count + 1, _now, _now, setup.Definition.Options.DefaultHandleTime);
        var customer = new Customer("cb" + (++_callbackCount), traffic.QueueId, _now,
            told is { } t ? WaitEstimate.Immediate with { Seconds = t, LowSeconds = t, HighSeconds = t } : new WaitEstimate(null, null, null, 0, 0),
            InteractionChannel.Callback);
        _customers.Add(customer.Id, customer);
        pending.Add(customer);
        if (callbacks == CallbackPolicy.InQueue)
            Schedule(_now + TimeSpan.FromSeconds(_callbackRandom.NextDouble()), () => HandOver(customer));
        else
            ArmPoll();
    }

    private void HandOver(Customer customer)
    {
        var result = _state.Submit(new InteractionRequest
        {
            Id = customer.Id, Channel = InteractionChannel.Callback, QueueId = customer.QueueId, OriginalStartedAt = customer.ArrivedAt,
        }, _now);
        customer.CoreEstimate = result.State == InteractionState.Queued ? result.Ewt : WaitEstimate.Immediate;
        Drain();
    }

    private void ArmPoll()
    {
        if (_pollArmed)
            return;
        _pollArmed = true;
        Schedule(_now + TimeSpan.FromSeconds(1), () =>
        {
            _pollArmed = false;
            PlanWhenIdle();
            if (_pendingCallbacks.Values.Any(p => p.Exists(c => !_callbacksInCore.Contains(c.Id) && c.CoreEstimate is null)))
                ArmPoll();
        });
    }

    /// <summary>The dispatcher before issue 15: a due call-back starts only for a free able agent not already reserved.</summary>
    private void PlanWhenIdle()
    {
        var free = new List<AgentDefinition>();
        foreach (var presence in _state.Snapshot.Agents.Values)
        {
            if (presence.State == AgentState.Ready && presence.Load.Callback < presence.Capacity.Callback)
                free.Add(setup.Definition.Agents.Single(a => a.Id == presence.AgentId));
        }

        var taken = new bool[free.Count];
        var queues = setup.Definition.Queues.ToDictionary(q => q.Id, StringComparer.Ordinal);
        foreach (var id in _callbacksInCore)
            Take(queues[_customers[id].QueueId], free, taken);
        foreach (var customer in _pendingCallbacks.Values.SelectMany(p => p).Where(c => c.CoreEstimate is null).OrderBy(c => c.ArrivedAt).ToList())
        {
            if (Take(queues[customer.QueueId], free, taken))
                HandOver(customer);
        }
    }

    private static bool Take(QueueDefinition queue, List<AgentDefinition> agents, bool[] taken)
    {
        for (var i = 0; i < agents.Count; i++)
        {
            if (taken[i] || agents[i].Capacity.Callback <= 0 || !queue.RequiredSkills.All(r => agents[i].Skills.TryGetValue(r.Key, out var l) && l >= r.Value))
                continue;
            taken[i] = true;
            return true;
        }

        return false;
    }

    private void Arrive(QueueTraffic traffic)
    {
        var result = _state.Submit(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = traffic.QueueId }, _now);
        var customer = new Customer(result.InteractionId, traffic.QueueId, _now, result.State == InteractionState.Queued ? result.Ewt : WaitEstimate.Immediate);
        _customers.Add(customer.Id, customer);
        var patience = Exponential(traffic.MeanPatienceSeconds);
        Schedule(_now + TimeSpan.FromSeconds(patience), () =>
        {
            if (customer.ConnectedAt is null && customer.AbandonedAt is null)
            {
                customer.AbandonedAt = _now;
                _state.AbandonInteraction(customer.Id, "patience", _now);
            }
        });
        Drain();
    }

    /// <summary>Reacts to the core's events as agents and the phone network would.</summary>
    private void Drain()
    {
        var events = _state.PendingEvents.ToList();
        _state.PendingEvents.Clear();
        foreach (var e in events)
        {
            switch (e)
            {
                case OfferMade m:
                    var offer = m.Offer;
                    if (_customers.TryGetValue(offer.InteractionId, out var offered))
                    {
                        offered.LastOfferedAt = e.At;
                        if (offered.Channel == InteractionChannel.Callback)
                        {
                            _callbacksInCore.Remove(offered.Id);
                            _pendingCallbacks[offered.QueueId].Remove(offered);
                        }
                    }

                    var ring = setup.RingSeconds * (0.5 + _random.NextDouble());
                    var reject = _random.NextDouble() < setup.RejectProbability;
                    Schedule(e.At + TimeSpan.FromSeconds(ring), () =>
                    {
                        if (reject)
                            _state.RejectOffer(offer.AgentId, offer.InteractionId, "busy", _now);
                        else
                            _state.AcceptOffer(offer.AgentId, offer.InteractionId, _now);
                        Drain();
                    });
                    break;
                case InteractionStateChanged { Interaction.State: InteractionState.Connected } c when _customers.TryGetValue(c.Interaction.Id, out var customer):
                    customer.ConnectedAt = e.At;
                    var talk = Exponential(setup.Traffic.Single(t => t.QueueId == customer.QueueId).MeanTalkSeconds);
                    var id = customer.Id;
                    Schedule(e.At + TimeSpan.FromSeconds(talk), () =>
                    {
                        _state.EndInteraction(id, null, _now);
                        Drain();
                    });
                    break;
                case InteractionStateChanged { Interaction.State: InteractionState.Queued, Interaction.Channel: InteractionChannel.Callback } q:
                    _callbacksInCore.Add(q.Interaction.Id);
                    break;
                case InteractionStateChanged { Interaction.State: InteractionState.Abandoned } a when _customers.TryGetValue(a.Interaction.Id, out var gone):
                    gone.AbandonedAt ??= e.At;
                    break;
            }
        }
    }

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());
}

/// <summary>One simulated customer and what happened to it.</summary>
internal sealed class Customer(string id, string queueId, DateTimeOffset arrivedAt, WaitEstimate predicted,
    InteractionChannel channel = InteractionChannel.Voice)
{
    public InteractionChannel Channel { get; } = channel;

    /// <summary>Call-backs: the core's estimate when it took the call-back (what a status lookup then shows).</summary>
    public WaitEstimate? CoreEstimate { get; set; }

    public string Id { get; } = id;

    public string QueueId { get; } = queueId;

    public DateTimeOffset ArrivedAt { get; } = arrivedAt;

    public WaitEstimate Predicted { get; } = predicted;

    public DateTimeOffset? ConnectedAt { get; set; }

    /// <summary>When the offer that was finally answered went out: the end of the wait the estimate predicts (ringing excluded).</summary>
    public DateTimeOffset? LastOfferedAt { get; set; }

    public double? WaitToOfferSeconds => ConnectedAt is null ? null : (LastOfferedAt!.Value - ArrivedAt).TotalSeconds;

    public DateTimeOffset? AbandonedAt { get; set; }
}
