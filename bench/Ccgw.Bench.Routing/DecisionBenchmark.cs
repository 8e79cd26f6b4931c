using System.Diagnostics;
using System.Globalization;
using Ccgw.Core;
using Ccgw.Core.Routing;

namespace Ccgw.Bench.Routing;

/// <summary>
/// Drives the real state machine into a steady state and times individual commands, each of which includes exactly
/// one routing decision plus the bookkeeping and events it causes.
/// </summary>
internal sealed class DecisionBenchmark
{
    private const int Skills = 20;
    private const int Queues = 40;
    private readonly ContactCenterState _state;
    private readonly Random _random;
    private readonly List<string> _connected = [];
    private readonly Dictionary<string, int> _connectedIndex = new(StringComparer.Ordinal);
    private readonly string[] _agentIds;
    private DateTimeOffset _now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Percent of arrivals that are call-backs competing in the queue with a virtual start up to 10 minutes back.</summary>
    private readonly int _callbackPercent;

    public DecisionBenchmark(int agents, int waiting, int seed, int callbackPercent = 0)
    {
        _random = new Random(seed);
        _callbackPercent = callbackPercent;
        var queues = Enumerable.Range(0, Queues).Select(q => new QueueDefinition(
            "q" + q,
            new Dictionary<string, int>(StringComparer.Ordinal) { ["s" + (q % Skills)] = 1 + ((q / Skills) * 4) },
            Priority: q % 3,
            Widening: Environment.GetEnvironmentVariable("BENCH_NO_WIDENING") is null ? [new WideningStep(TimeSpan.FromSeconds(60), 2), new WideningStep(TimeSpan.FromSeconds(120), 1)] : null)).ToList();
        // The "backlog" queue needs a skill nobody has: it holds the waiting interactions in the arrival scenario.
        queues.Add(new QueueDefinition("backlog", new Dictionary<string, int>(StringComparer.Ordinal) { ["rare"] = 1 }));
        _agentIds = [.. Enumerable.Range(0, agents).Select(a => "a" + a.ToString(CultureInfo.InvariantCulture))];
        var agentDefinitions = _agentIds.Select(id => new AgentDefinition(id, id,
            Enumerable.Range(0, 4).Select(_ => _random.Next(Skills)).Distinct().ToDictionary(s => "s" + s, _ => _random.Next(1, 11), StringComparer.Ordinal),
            new ChannelCapacity(1, 2, 1))).ToList();
        var options = new RoutingOptions { DefaultWrapUp = TimeSpan.Zero, OfferTimeout = TimeSpan.FromHours(1), RejectCooldown = TimeSpan.Zero };
        _state = new ContactCenterState(new ContactCenterDefinition(agentDefinitions, queues, options), _now, "b");

        foreach (var id in _agentIds)
            _state.SetAgentState(id, AgentStateRequest.Ready, null, _now);
        Clear();

        // Fill every agent, then leave `waiting` interactions queued behind them.
        var submitted = 0;
        while (_state.Snapshot.Totals.AgentsReady > 0 && submitted < agents * 4)
        {
            SubmitRandom();
            submitted++;
            AcceptOffers();
        }

        for (var n = 0; n < waiting; n++)
        {
            Tick();
            SubmitRandom();
        }

        AcceptOffers();
    }

    /// <summary>A random busy agent's interaction ends; the freed agent is offered the best waiting one and accepts.</summary>
    public Result AgentFreesUp(int count)
    {
        var samples = new long[count];
        var cpu = new long[count];
        var gc = GcMark.Now();
        var started = Stopwatch.GetTimestamp();
        for (var n = 0; n < count; n++)
        {
            Tick();
            var id = PopRandomConnected();
            var c0 = ThreadCpuClock.NowNanoseconds();
            var t0 = Stopwatch.GetTimestamp();
            _state.EndInteraction(id, TimeSpan.Zero, _now);
            samples[n] = Stopwatch.GetTimestamp() - t0;
            cpu[n] = ThreadCpuClock.NowNanoseconds() - c0;
            AcceptOffers();
            SubmitRandom(); // keep the backlog at its size
            AcceptOffers();
        }

        return new Result(samples, cpu, Stopwatch.GetTimestamp() - started, gc);
    }

    /// <summary>With idle agents available, a new interaction picks the best of them (the backlog sits in a separate queue).</summary>
    public Result ArrivalWithReadyAgents(int count)
    {
        DrainToBacklog();
        var samples = new long[count];
        var cpu = new long[count];
        var gc = GcMark.Now();
        var started = Stopwatch.GetTimestamp();
        for (var n = 0; n < count; n++)
        {
            Tick();
            var c0 = ThreadCpuClock.NowNanoseconds();
            var t0 = Stopwatch.GetTimestamp();
            var result = _state.Submit(Arrival("q" + _random.Next(Queues), 0, chats: false), _now);
            samples[n] = Stopwatch.GetTimestamp() - t0;
            cpu[n] = ThreadCpuClock.NowNanoseconds() - c0;
            Clear();
            if (result.AgentId is { } agent)
            {
                _state.AcceptOffer(agent, result.InteractionId, _now);
                _state.EndInteraction(result.InteractionId, TimeSpan.Zero, _now);
            }
            else
            {
                _state.AbandonInteraction(result.InteractionId, null, _now);
            }

            Clear();
        }

        return new Result(samples, cpu, Stopwatch.GetTimestamp() - started, gc);
    }

    /// <summary>Every agent busy: an arrival is placed in its waiting set with its position and estimate.</summary>
    public Result ArrivalAllBusy(int count)
    {
        foreach (var id in _agentIds)
            _state.SetAgentState(id, AgentStateRequest.NotReady, "bench", _now);
        Clear();
        var samples = new long[count];
        var cpu = new long[count];
        var gc = GcMark.Now();
        var started = Stopwatch.GetTimestamp();
        for (var n = 0; n < count; n++)
        {
            Tick();
            var c0 = ThreadCpuClock.NowNanoseconds();
            var t0 = Stopwatch.GetTimestamp();
            var result = _state.Submit(Arrival("q" + _random.Next(Queues), 0, chats: false), _now);
            samples[n] = Stopwatch.GetTimestamp() - t0;
            cpu[n] = ThreadCpuClock.NowNanoseconds() - c0;
            Clear();
            _state.AbandonInteraction(result.InteractionId, null, _now);
            Clear();
        }

        return new Result(samples, cpu, Stopwatch.GetTimestamp() - started, gc);
    }

    /// <summary>Moves the waiting interactions into the unstaffed backlog queue and frees every agent.</summary>
    private void DrainToBacklog()
    {
        var waiting = _state.LiveInteractionViews.Where(v => v.State == InteractionState.Queued).Select(v => v.Id).ToList();
        foreach (var id in waiting)
            _state.AbandonInteraction(id, null, _now);
        foreach (var id in _connected)
            _state.EndInteraction(id, TimeSpan.Zero, _now);
        _connected.Clear();
        _connectedIndex.Clear();
        Clear();
        for (var n = 0; n < waiting.Count; n++)
            _state.Submit(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "backlog" }, _now);
        Clear();
    }

    private void SubmitRandom() => _state.Submit(Arrival("q" + _random.Next(Queues), _random.Next(3), chats: true), _now);

    /// <summary>A live call (1 in 10 a chat) or, for the configured share, a due call-back with its request time.</summary>
    private InteractionRequest Arrival(string queue, int priority, bool chats)
    {
        if (_callbackPercent > 0 && _random.Next(100) < _callbackPercent)
        {
            return new InteractionRequest
            {
                Channel = InteractionChannel.Callback, QueueId = queue, Priority = priority,
                OriginalStartedAt = _now - TimeSpan.FromSeconds(_random.Next(600)),
            };
        }

        return new InteractionRequest
        {
            Channel = chats && _random.Next(10) == 0 ? InteractionChannel.Im : InteractionChannel.Voice,
            QueueId = queue,
            Priority = priority,
        };
    }

    private void AcceptOffers()
    {
        foreach (var e in _state.PendingEvents.ToList())
        {
            if (e is OfferMade m && _state.AcceptOffer(m.Offer.AgentId, m.Offer.InteractionId, _now).IsOk)
            {
                _connectedIndex[m.Offer.InteractionId] = _connected.Count;
                _connected.Add(m.Offer.InteractionId);
            }
        }

        Clear();
    }

    private string PopRandomConnected()
    {
        var index = _random.Next(_connected.Count);
        var id = _connected[index];
        var last = _connected[^1];
        _connected[index] = last;
        _connectedIndex[last] = index;
        _connected.RemoveAt(_connected.Count - 1);
        _connectedIndex.Remove(id);
        return id;
    }

    private void Tick() => _now += TimeSpan.FromMilliseconds(5);

    private void Clear() => _state.PendingEvents.Clear();
}

/// <summary>Garbage collections so far; the difference over a scenario explains its latency tail.</summary>
internal readonly record struct GcMark(int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Allocated)
{
    public static GcMark Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetAllocatedBytesForCurrentThread());
}

/// <summary>Latency samples (Stopwatch ticks) of one scenario, its wall time and its garbage collections.</summary>
internal sealed class Result(long[] samples, long[] cpuNanoseconds, long elapsedTicks, GcMark start)
{
    private readonly GcMark _end = GcMark.Now();

    public void Discard()
    {
    }

    public void Print(string scenario)
    {
        Array.Sort(samples);
        double Us(double q) => samples[Math.Min(samples.Length - 1, (int)(q * samples.Length))] * 1_000_000.0 / Stopwatch.Frequency;
        var perSecond = samples.Length / (samples.Sum() / (double)Stopwatch.Frequency);
        var wall = samples.Length / (elapsedTicks / (double)Stopwatch.Frequency);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{scenario}\n  p50 {Us(0.50):0.0} µs  p90 {Us(0.90):0.0} µs  p99 {Us(0.99):0.0} µs  p99.9 {Us(0.999):0.0} µs  max {Us(1.0):0.0} µs  decisions/s {perSecond:0} (incl. driver {wall:0})"));
        if (ThreadCpuClock.IsAvailable)
        {
            Array.Sort(cpuNanoseconds);
            double CpuUs(double q) => cpuNanoseconds[Math.Min(cpuNanoseconds.Length - 1, (int)(q * cpuNanoseconds.Length))] / 1000.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  thread CPU time: p50 {CpuUs(0.50):0.0} µs  p90 {CpuUs(0.90):0.0} µs  p99 {CpuUs(0.99):0.0} µs  p99.9 {CpuUs(0.999):0.0} µs (excludes time descheduled; includes GC work done on this thread)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  GCs gen0/1/2: {_end.Gen0 - start.Gen0}/{_end.Gen1 - start.Gen1}/{_end.Gen2 - start.Gen2}, total pause {(_end.Pause - start.Pause).TotalMilliseconds:0} ms, allocated {(_end.Allocated - start.Allocated) / 1024.0 / samples.Length:0.0} KB per decision incl. driver"));
    }
}
