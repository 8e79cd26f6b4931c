using Ccgw.Core;
using Ccgw.Core.Routing;

namespace Ccgw.Bench.RoutingSim;

/// <summary>
/// Discrete-event simulation: customer arrivals, agents answering offers, talk time ending and customers giving up
/// are scheduled here; everything else (routing, offer timeouts, wrap-up, widening, overflow) is the real
/// <see cref="ContactCenterState"/> reacting on the simulated clock. Service level counts arrival → connected; the estimate is judged against arrival → the offer that was answered.
/// </summary>
internal sealed class DaySimulation(SimulationSetup setup, int seed, TimeSpan length)
{
    private readonly Random _random = new(seed);
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
            ScheduleArrival(traffic);

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

        return new SimulationReport(setup, [.. _customers.Values], seed, length);
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
                        offered.LastOfferedAt = e.At;
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
                case InteractionStateChanged { Interaction.State: InteractionState.Abandoned } a when _customers.TryGetValue(a.Interaction.Id, out var gone):
                    gone.AbandonedAt ??= e.At;
                    break;
            }
        }
    }

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());
}

/// <summary>One simulated customer and what happened to it.</summary>
internal sealed class Customer(string id, string queueId, DateTimeOffset arrivedAt, WaitEstimate predicted)
{
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
