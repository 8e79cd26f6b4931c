using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Kpi;

/// <summary>What the KPIs need beyond the event stream: the service level window and each queue's target.</summary>
public sealed record KpiOptions(TimeSpan ServiceLevelWindow, IReadOnlyList<QueueDefinition> Queues)
{
    /// <summary>15 minutes: the interval contact centres report service level over (Genesys, Amazon Connect wallboards).</summary>
    public static TimeSpan DefaultServiceLevelWindow { get; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// The contact-centre KPIs (issue 20), kept from the core's event stream — the same events the history recorder writes —
/// so every count matches the history exactly: offered, answered, abandoned and transferred per queue and channel,
/// answer and handle times, the service level over a sliding window, what is waiting now, agents by state. It subscribes
/// when constructed (before the core runs) and publishes through the <c>Ccgw.Kpi</c> meter (see
/// <c>ContactCenterKpis.Instruments.cs</c>); the daemon's exporter only renders it. Labels are bounded: queue, channel and
/// agent state only, never a customer or interaction id.
/// </summary>
/// <remarks>
/// Attribution: an interaction is <em>offered</em> to every queue it enters (arrival, overflow, transfer); it is answered
/// or abandoned in the queue it is in at that moment (as <see cref="QueueStats"/> counts), and <em>transferred</em> from
/// the queue it leaves by a console transfer. Answered: Queued/Offered → Connected; abandoned: Queued/Offered → Abandoned.
/// Answer time runs from arrival in the centre (kept across overflow and transfer, as the service level threshold is
/// measured); handle time from connection to the end of wrap-up (or to the end of the call without wrap-up, or a transfer).
/// </remarks>
public sealed partial class ContactCenterKpis : IEventLoop, IDisposable
{
    private static readonly InteractionChannel[] Channels = Enum.GetValues<InteractionChannel>();

    private readonly object _gate = new();
    private readonly EventFollower _events;
    private readonly RoutingEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger<ContactCenterKpis> _log;
    private readonly Dictionary<string, QueueKpi> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tracked> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentState> _agents = new(StringComparer.Ordinal);
    private readonly TimeSpan _window;

    public ContactCenterKpis(RoutingEngine engine, TimeProvider time, KpiOptions options, System.Diagnostics.Metrics.IMeterFactory? meters,
        ILogger<ContactCenterKpis> log)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ServiceLevelWindow, TimeSpan.Zero);
        _engine = engine;
        _time = time;
        _log = log;
        _window = options.ServiceLevelWindow;
        _events = new EventFollower(engine);
        foreach (var q in options.Queues)
            _queues[q.Id] = new QueueKpi(q.Id, q.ServiceLevel, _window);
        // Subscribed first, then seeded: an agent event between the two only sets a state the snapshot may already show.
        SeedFromSnapshot();
        _instruments = CreateInstruments(meters);
    }

    /// <summary>The window the service level is computed over.</summary>
    public TimeSpan ServiceLevelWindow => _window;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _events.WaitToReadAsync(stoppingToken))
            {
                lock (_gate)
                {
                    if (_events.TakeGap(out var gap))
                    {
                        // The core keeps no log to replay: the counters miss the gap as the history does. Interactions
                        // tracked as live may have ended meanwhile; forgetting them keeps longest-wait from growing forever.
                        LogEventsMissed(_log, gap.Missed, gap.AfterSequence);
                        _live.Clear();
                        SeedFromSnapshot();
                    }

                    while (_events.TryRead(out var e))
                        Apply(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The figures as of <paramref name="now"/> (tests; the instruments read the same state).</summary>
    public KpiReading Read(DateTimeOffset now)
    {
        lock (_gate)
        {
            TallyWaiting();
            var queues = new List<QueueReading>();
            foreach (var q in _queues.Values)
            {
                foreach (var channel in Channels)
                {
                    var c = q.For(channel);
                    queues.Add(new QueueReading(q.Id, channel, c.Offered, c.Answered, c.Abandoned, c.Transferred,
                        c.WaitingNow, LongestWaitSeconds(c, now), c.Window.Read(now)));
                }
            }

            var agents = new Dictionary<AgentState, int>();
            foreach (var s in Enum.GetValues<AgentState>())
                agents[s] = 0;
            foreach (var s in _agents.Values)
                agents[s]++;
            return new KpiReading(queues, agents);
        }
    }

    public void Dispose() => _instruments.Dispose();

    private void SeedFromSnapshot()
    {
        var snapshot = _engine.Snapshot;
        foreach (var (id, presence) in snapshot.Agents)
            _agents[id] = presence.State;
        foreach (var (id, stats) in snapshot.Queues)
            Queue(id).EstimatedWaitSeconds = stats.EwtSeconds;
    }

    private void Apply(CoreEvent e)
    {
        switch (e)
        {
            case InteractionStateChanged s:
                ApplyInteraction(s);
                break;
            case AgentStateChanged a:
                _agents[a.Presence.AgentId] = a.Presence.State;
                break;
            case QueueStatsChanged q:
                Queue(q.Stats.QueueId).EstimatedWaitSeconds = q.Stats.EwtSeconds;
                break;
        }
    }

    private void ApplyInteraction(InteractionStateChanged s)
    {
        var v = s.Interaction;
        var channel = v.Channel;
        var at = s.At;
        _live.TryGetValue(v.Id, out var t);
        if (s.From is null)
        {
            Queue(v.QueueId).For(channel).Offered++;
            t = new Tracked(v.QueueId, channel, v.ArrivedAt);
            _live[v.Id] = t;
        }
        else if (t is not null && !string.Equals(t.QueueId, v.QueueId, StringComparison.Ordinal))
        {
            // Moved to another queue: overflow, or a console transfer (RoutingEngine.TransferAsync's reason).
            if (IsTransferTo(s.Reason, v.QueueId))
                Queue(t.QueueId).For(channel).Transferred++;
            Queue(v.QueueId).For(channel).Offered++;
            t.QueueId = v.QueueId;
        }
        else if (s.From != v.State && IsTransferTo(s.Reason, v.QueueId))
        {
            // Transferred back into the queue it was in: no move follows, so this is the transfer.
            Queue(v.QueueId).For(channel).Transferred++;
            Queue(v.QueueId).For(channel).Offered++;
        }

        if (s.From is { } from && from != v.State)
        {
            var q = Queue(v.QueueId);
            var waited = at - v.ArrivedAt;
            var wasWaiting = from is InteractionState.Queued or InteractionState.Offered;
            if (wasWaiting && v.State == InteractionState.Connected)
            {
                q.For(channel).Answered++;
                q.For(channel).Window.Answered(at, q.Target is not { } sl || waited <= sl.Threshold);
                RecordAnswerTime(q.Id, channel, waited);
                if (t is not null)
                {
                    t.ConnectedAt = at;
                    t.ConnectedQueueId = v.QueueId;
                }
            }
            else if (wasWaiting && v.State == InteractionState.Abandoned)
            {
                q.For(channel).Abandoned++;
                q.For(channel).Window.Abandoned(at, q.Target is { } sl && waited > sl.Threshold);
            }

            if (from is InteractionState.Connected or InteractionState.WrapUp && v.State != InteractionState.WrapUp
                && t?.ConnectedAt is { } connected)
            {
                RecordHandleTime(t.ConnectedQueueId ?? v.QueueId, channel, at - connected);
                t.ConnectedAt = null;
            }
        }

        if (v.State is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
            _live.Remove(v.Id);
        else if (t is not null)
            t.State = v.State;
    }

    private static bool IsTransferTo(string? reason, string queueId) =>
        reason is not null && reason.StartsWith("transfer to ", StringComparison.Ordinal)
        && reason.AsSpan("transfer to ".Length).SequenceEqual(queueId);

    private QueueKpi Queue(string id)
    {
        if (!_queues.TryGetValue(id, out var q))
        {
            // A queue not in the start-up definition (provisioned later): it gets its figures, without a target.
            q = new QueueKpi(id, null, _window);
            _queues[id] = q;
        }

        return q;
    }

    /// <summary>
    /// One pass over the live interactions fills every queue and channel's waiting count and oldest arrival, so a
    /// scrape costs O(live + queues x channels) rather than a pass per series.
    /// </summary>
    private void TallyWaiting()
    {
        foreach (var q in _queues.Values)
        {
            foreach (var channel in Channels)
                q.For(channel).ResetWaiting();
        }

        foreach (var t in _live.Values)
        {
            if (!t.IsWaiting)
                continue;
            var c = Queue(t.QueueId).For(t.Channel);
            c.WaitingNow++;
            if (c.OldestArrival is not { } oldest || t.ArrivedAt < oldest)
                c.OldestArrival = t.ArrivedAt;
        }
    }

    private static double LongestWaitSeconds(ChannelKpi c, DateTimeOffset now) =>
        c.OldestArrival is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0;

    [LoggerMessage(EventId = 20100, Level = LogLevel.Error,
        Message = "KPIs fell behind the core and missed about {Missed} events after sequence {Sequence}; counters lack them, as the history does")]
    private static partial void LogEventsMissed(ILogger logger, long missed, long sequence);

    private sealed class Tracked(string queueId, InteractionChannel channel, DateTimeOffset arrivedAt)
    {
        public string QueueId { get; set; } = queueId;

        public InteractionChannel Channel { get; } = channel;

        public DateTimeOffset ArrivedAt { get; } = arrivedAt;

        public InteractionState State { get; set; } = InteractionState.Queued;

        public DateTimeOffset? ConnectedAt { get; set; }

        public string? ConnectedQueueId { get; set; }

        public bool IsWaiting => State is InteractionState.Queued or InteractionState.Offered;
    }

    private sealed class QueueKpi(string id, ServiceLevelTarget? target, TimeSpan window)
    {
        private readonly ChannelKpi[] _channels = [.. Channels.Select(_ => new ChannelKpi(window))];

        public string Id { get; } = id;

        public ServiceLevelTarget? Target { get; } = target;

        public double? EstimatedWaitSeconds { get; set; }

        public ChannelKpi For(InteractionChannel channel) => _channels[(int)channel];
    }

    private sealed class ChannelKpi(TimeSpan window)
    {
        public long Offered { get; set; }

        public long Answered { get; set; }

        public long Abandoned { get; set; }

        public long Transferred { get; set; }

        public ServiceLevelWindow Window { get; } = new(window);

        /// <summary>Filled by <see cref="TallyWaiting"/> just before it is read.</summary>
        public int WaitingNow { get; set; }

        public DateTimeOffset? OldestArrival { get; set; }

        public void ResetWaiting()
        {
            WaitingNow = 0;
            OldestArrival = null;
        }
    }
}

/// <summary>One queue and channel's figures at one moment.</summary>
public sealed record QueueReading(string QueueId, InteractionChannel Channel, long Offered, long Answered, long Abandoned, long Transferred,
    int Waiting, double LongestWaitSeconds, ServiceLevelFigures ServiceLevel);

/// <summary>All queues' figures and the agents by state.</summary>
public sealed record KpiReading(IReadOnlyList<QueueReading> Queues, IReadOnlyDictionary<AgentState, int> Agents)
{
    public QueueReading For(string queueId, InteractionChannel channel) =>
        Queues.Single(q => q.QueueId == queueId && q.Channel == channel);
}
