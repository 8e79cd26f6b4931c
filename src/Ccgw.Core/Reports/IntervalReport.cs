using Ccgw.Core.Repositories;

namespace Ccgw.Core.Reports;

/// <summary>
/// One queue in one interval. Counts are of what happened in the interval (docs/reports.md): an interaction that
/// arrives at 09:58 and is answered at 10:01 is offered in the 09:45 quarter and answered in the 10:00 one.
/// </summary>
public sealed record QueueReportRow(
    DateTimeOffset IntervalStart,
    DateTimeOffset IntervalEnd,
    string Queue,
    int Offered,
    int Answered,
    int AnsweredWithinTarget,
    int Abandoned,
    int AbandonedAfterThreshold,
    int Transferred,
    int Overflowed,
    double? ServiceLevel,
    double? AverageAnswerSeconds,
    double? MaxAnswerSeconds,
    int Handled,
    double? AverageHandleSeconds,
    IReadOnlyDictionary<string, int> Callbacks);

/// <summary>
/// One agent in one interval: offers made, answered, rejected and left ringing (timed out), interactions whose
/// handling ended, and their handle time. Occupancy is not here: history records interactions, not agent states.
/// </summary>
public sealed record AgentReportRow(
    DateTimeOffset IntervalStart,
    DateTimeOffset IntervalEnd,
    string Agent,
    int Offered,
    int Answered,
    int Rejected,
    int TimedOut,
    int Handled,
    double HandleSeconds,
    double? AverageHandleSeconds);

public sealed record IntervalReport(ReportPeriod Period, IReadOnlyList<QueueReportRow> Queues, IReadOnlyList<AgentReportRow> Agents);

/// <summary>
/// Interval reports from the interaction history: follows each interaction's recorded steps as the routing core made
/// them and counts each step in the interval it happened in, with the same rules the core's own queue figures use
/// (<c>ContactCenterState.Reporting</c>), so a report and the live counters agree for the same period.
/// </summary>
public sealed class IntervalReportBuilder(IReportHistoryReader history)
{
    private const string TransferPrefix = "transfer to ";
    private const string OverflowPrefix = "overflow from ";

    /// <param name="queues">The queues to report on, in order, with their service-level targets; a queue met in history but missing here is reported after them, without a target.</param>
    public async Task<IntervalReport> BuildAsync(ReportPeriod period, IReadOnlyList<QueueDefinition> queues, CancellationToken cancellationToken = default)
    {
        var slots = period.Slots.Count;
        var byQueue = new Dictionary<string, QueueCounts[]>(StringComparer.Ordinal);
        var queueOrder = new List<string>();
        var thresholds = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);
        foreach (var q in queues)
        {
            if (!thresholds.TryAdd(q.Id, q.ServiceLevel?.Threshold)) continue;
            Queue(q.Id);
        }
        var byAgent = new SortedDictionary<string, AgentCounts[]>(StringComparer.Ordinal);
        var tracks = new Dictionary<string, Track>(StringComparer.Ordinal);

        await foreach (var e in history.ReadEventsAsync(period.From, period.To, cancellationToken))
        {
            if (!tracks.TryGetValue(e.InteractionId, out var t))
                tracks[e.InteractionId] = t = new Track();
            var slot = period.IndexOf(e.At);
            Apply(t, e, slot);
            if (e.State is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
                tracks.Remove(e.InteractionId); // nothing follows a terminal state: keeps the map to what is live
        }

        foreach (var attempt in await history.ReadCallbackAttemptsAsync(period.From, period.To, cancellationToken))
        {
            var slot = period.IndexOf(attempt.At);
            if (slot < 0) continue;
            var outcome = attempt.Outcome.Split(':', 2)[0]; // "reachedAgent:<interaction>" counts as reachedAgent
            var counts = Queue(attempt.QueueId)[slot].Callbacks;
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
        }

        var queueRows = new List<QueueReportRow>(queueOrder.Count * slots);
        for (var s = 0; s < slots; s++)
        {
            var (start, end) = Bounds(period, s);
            foreach (var id in queueOrder)
                queueRows.Add(byQueue[id][s].ToRow(start, end, id));
        }
        var agentRows = new List<AgentReportRow>();
        for (var s = 0; s < slots; s++)
        {
            var (start, end) = Bounds(period, s);
            foreach (var (id, counts) in byAgent)
                if (counts[s] is { IsEmpty: false } c) agentRows.Add(c.ToRow(start, end, id));
        }
        return new IntervalReport(period, queueRows, agentRows);

        QueueCounts[] Queue(string id)
        {
            if (byQueue.TryGetValue(id, out var counts)) return counts;
            counts = new QueueCounts[slots];
            for (var i = 0; i < slots; i++) counts[i] = new QueueCounts();
            byQueue[id] = counts;
            queueOrder.Add(id);
            return counts;
        }

        AgentCounts Agent(string id, int slot)
        {
            if (!byAgent.TryGetValue(id, out var counts)) byAgent[id] = counts = new AgentCounts[slots];
            return counts[slot] ??= new AgentCounts();
        }

        void Apply(Track t, ReportEvent e, int slot)
        {
            var counting = slot >= 0;
            if (e.Kind is "offerRejected" or "offerTimedOut")
            {
                if (counting && e.AgentId is { } rejecting)
                {
                    var a = Agent(rejecting, slot);
                    if (e.Kind == "offerRejected") a.Rejected++;
                    else a.TimedOut++;
                }
                return;
            }
            if (e.Kind != "stateChanged" || e.State is not { } state || e.QueueId is not { } queue) return;

            var previous = t.State;
            var previousQueue = t.Queue;
            var transferMoving = t.TransferPending;
            t.TransferPending = false;
            var transfer = e.Detail?.StartsWith(TransferPrefix, StringComparison.Ordinal) == true;

            if (previous is null)
            {
                t.ArrivedAt = e.At;
                if (counting) Queue(queue)[slot].Offered++;
            }
            else if (!string.Equals(queue, previousQueue, StringComparison.Ordinal))
            {
                // Entered by transfer or overflow: offered here too, as in every ACD's queue report.
                if (counting)
                {
                    Queue(queue)[slot].Offered++;
                    if (transfer && !transferMoving) Queue(previousQueue!)[slot].Transferred++;
                    else if (!transfer && e.Detail?.StartsWith(OverflowPrefix, StringComparison.Ordinal) == true) Queue(previousQueue!)[slot].Overflowed++;
                }
            }
            else if (transfer && previous != state)
            {
                // A transfer of an offered or connected interaction first puts it back in the queue it was in (this
                // step), then moves it (the next step, unless it stays in the same queue): counted once, here.
                if (counting) Queue(queue)[slot].Transferred++;
                t.TransferPending = true;
            }

            if (state == InteractionState.Offered && previous != InteractionState.Offered && e.AgentId is { } offeredTo && counting)
                Agent(offeredTo, slot).Offered++;

            if (state == InteractionState.Connected && previous == InteractionState.Offered)
            {
                t.ConnectedAt = e.At;
                t.Agent = e.AgentId;
                t.ConnectedQueue = queue;
                if (counting)
                {
                    var waited = e.At - (t.ArrivedAt ?? e.At);
                    var answer = waited.TotalSeconds;
                    var q = Queue(queue)[slot];
                    q.Answered++;
                    q.AnswerSeconds += answer;
                    q.MaxAnswerSeconds = Math.Max(q.MaxAnswerSeconds, answer);
                    if (Threshold(queue) is not { } limit || waited <= limit) q.AnsweredWithinTarget++;
                    if (e.AgentId is { } answering) Agent(answering, slot).Answered++;
                }
            }
            else if (previous is InteractionState.Connected or InteractionState.WrapUp
                     && state is not (InteractionState.Connected or InteractionState.WrapUp))
            {
                // Handling ends: ended (after wrap-up), failed, or handed on by a transfer.
                if (counting && t.ConnectedAt is { } connected)
                {
                    var handle = (e.At - connected).TotalSeconds;
                    var q = Queue(t.ConnectedQueue ?? queue)[slot];
                    q.Handled++;
                    q.HandleSeconds += handle;
                    if (t.Agent is { } handling)
                    {
                        var a = Agent(handling, slot);
                        a.Handled++;
                        a.HandleSeconds += handle;
                    }
                }
                t.ConnectedAt = null;
            }
            else if (state == InteractionState.Abandoned && previous is InteractionState.Queued or InteractionState.Offered && counting)
            {
                var q = Queue(queue)[slot];
                q.Abandoned++;
                if (Threshold(queue) is { } limit && e.At - (t.ArrivedAt ?? e.At) > limit) q.AbandonedAfterThreshold++;
            }

            t.State = state;
            t.Queue = queue;
        }

        TimeSpan? Threshold(string queue) => thresholds.GetValueOrDefault(queue);
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Bounds(ReportPeriod period, int slot) =>
        (ReportPeriod.Local(period.Slots[slot].Start, period.Zone), ReportPeriod.Local(period.Slots[slot].End, period.Zone));

    private sealed class Track
    {
        public InteractionState? State;
        public DateTimeOffset? ArrivedAt;
        public string? Queue;
        public DateTimeOffset? ConnectedAt;
        public string? Agent;
        public string? ConnectedQueue;
        public bool TransferPending;
    }

    private sealed class QueueCounts
    {
        public int Offered, Answered, AnsweredWithinTarget, Abandoned, AbandonedAfterThreshold, Transferred, Overflowed, Handled;
        public double AnswerSeconds, MaxAnswerSeconds, HandleSeconds;
        public readonly SortedDictionary<string, int> Callbacks = new(StringComparer.Ordinal);

        public QueueReportRow ToRow(DateTimeOffset start, DateTimeOffset end, string queue)
        {
            var denominator = Answered + AbandonedAfterThreshold;
            return new QueueReportRow(start, end, queue, Offered, Answered, AnsweredWithinTarget, Abandoned, AbandonedAfterThreshold,
                Transferred, Overflowed, denominator == 0 ? null : Math.Round((double)AnsweredWithinTarget / denominator, 4),
                Answered == 0 ? null : Math.Round(AnswerSeconds / Answered, 1), Answered == 0 ? null : Math.Round(MaxAnswerSeconds, 1),
                Handled, Handled == 0 ? null : Math.Round(HandleSeconds / Handled, 1), Callbacks);
        }
    }

    private sealed class AgentCounts
    {
        public int Offered, Answered, Rejected, TimedOut, Handled;
        public double HandleSeconds;

        public bool IsEmpty => Offered + Answered + Rejected + TimedOut + Handled == 0;

        public AgentReportRow ToRow(DateTimeOffset start, DateTimeOffset end, string agent) =>
            new(start, end, agent, Offered, Answered, Rejected, TimedOut, Handled, Math.Round(HandleSeconds, 1),
                Handled == 0 ? null : Math.Round(HandleSeconds / Handled, 1));
    }
}

/// <summary>The queues reports list and the service-level targets they are measured against.</summary>
public interface IReportQueues
{
    IReadOnlyList<QueueDefinition> Queues { get; }
}

/// <summary>The queues as configured at start (provisioning at run time replaces this with its own store's view).</summary>
public sealed class ConfiguredReportQueues(IReadOnlyList<QueueDefinition> queues) : IReportQueues
{
    public IReadOnlyList<QueueDefinition> Queues { get; } = queues;
}
