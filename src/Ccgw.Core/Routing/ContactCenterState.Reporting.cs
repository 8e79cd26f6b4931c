using System.Collections.Immutable;
using Ccgw.Core.Estimation;

namespace Ccgw.Core.Routing;

/// <summary>Events, presence, queue figures, estimated wait and the published snapshot.</summary>
internal sealed partial class ContactCenterState
{
    private readonly int[] _shownCounts = new int[Enum.GetValues<AgentState>().Length];
    private readonly List<AgentRecord> _dirtyPresence = [];
    private readonly List<QueueRecord> _dirtyStats = [];
    private ImmutableDictionary<string, AgentPresence> _presenceSnapshot = ImmutableDictionary.Create<string, AgentPresence>(StringComparer.Ordinal);
    private ImmutableDictionary<string, QueueStats> _statsSnapshot = ImmutableDictionary.Create<string, QueueStats>(StringComparer.Ordinal);
    private CenterSnapshot? _snapshot;
    private bool _statsRefreshArmed;
    private bool _forceStats;

    /// <summary>The state as of the last applied command; rebuilt only when something visible changed.</summary>
    public CenterSnapshot Snapshot => _snapshot ??= new CenterSnapshot(_eventSeq, _now, _presenceSnapshot, _statsSnapshot, BuildTotals()) { Clients = _clientPresence };

    public IEnumerable<InteractionView> LiveInteractionViews => _live.Values.Select(i => i.ToView());

    private void Emit(CoreEvent e) => _events.Add(e with { Sequence = ++_eventSeq, At = _now });

    private void MarkPresence(AgentRecord a)
    {
        if (a.PresenceDirty)
            return;
        a.PresenceDirty = true;
        _dirtyPresence.Add(a);
    }

    private void MarkStats(QueueRecord q)
    {
        if (q.StatsDirty)
            return;
        q.StatsDirty = true;
        _dirtyStats.Add(q);
    }

    /// <summary>Publishes presence and queue figures changed by the command just applied (at most one event each).</summary>
    private void Flush()
    {
        foreach (var a in _dirtyPresence)
        {
            a.PresenceDirty = false;
            var presence = BuildPresence(a);
            if (a.Presence is { } old && SamePresence(old, presence))
                continue;
            Emit(new AgentStateChanged(presence, a.Presence?.State ?? AgentState.Offline));
            a.Presence = presence;
            _presenceSnapshot = _presenceSnapshot.SetItem(a.Id, presence);
            _snapshot = null;
        }

        _dirtyPresence.Clear();

        // Estimates of lower-priority queues also depend on the backlog of higher-priority queues sharing their agents;
        // they are not re-published on every such change (with many overlapping queues that multiplies the events per
        // decision) but by the periodic refresh, which runs whenever anyone waits.
        foreach (var q in _dirtyStats)
        {
            q.StatsDirty = false;
            var stats = BuildStats(q);
            if (q.Stats is { } old && old == stats with { UpdatedAt = old.UpdatedAt, LongestWaitSeconds = _forceStats ? stats.LongestWaitSeconds : old.LongestWaitSeconds })
                continue;
            q.Stats = stats;
            Emit(new QueueStatsChanged(stats));
            _statsSnapshot = _statsSnapshot.SetItem(q.Id, stats);
            _snapshot = null;
        }

        _dirtyStats.Clear();
        _forceStats = false;
    }

    /// <summary>Waits grow without any command; a periodic refresh keeps longest-wait and estimates current while anyone waits.</summary>
    private void ArmStatsRefresh()
    {
        if (_statsRefreshArmed || _options.StatsRefreshInterval <= TimeSpan.Zero)
            return;
        _statsRefreshArmed = true;
        _timers.Schedule(_now + _options.StatsRefreshInterval, new TimerEntry(TimerKind.StatsRefresh, null, null, 0, null));
    }

    private void RefreshWaitingStats()
    {
        _statsRefreshArmed = false;
        var anyWaiting = false;
        foreach (var q in _queueList)
        {
            if (q.Waiting.Count == 0)
                continue;
            anyWaiting = true;
            _forceStats = true;
            MarkStats(q);
        }

        if (anyWaiting)
            ArmStatsRefresh();
    }

    private static bool SamePresence(AgentPresence x, AgentPresence y) =>
        x.State == y.State && x.Reason == y.Reason && x.Since == y.Since && x.Load == y.Load
        && x.InteractionIds.SequenceEqual(y.InteractionIds) && x.LostDevices.SequenceEqual(y.LostDevices)
        && x.HeldInteractionIds.SequenceEqual(y.HeldInteractionIds) && x.Consults.SequenceEqual(y.Consults);

    private AgentPresence BuildPresence(AgentRecord a) =>
        new(a.Id,
            a.Shown,
            a.Shown == AgentState.NotReady || a.Shown == AgentState.Offline ? a.Reason : null,
            a.Since,
            new ChannelLoad(a.Load[Slots.Voice], a.Load[Slots.Im], a.Load[Slots.Callback]),
            a.Definition.Capacity,
            [.. a.Work.Select(w => w.Id)],
            [.. a.LostDevices.Keys.Order(StringComparer.Ordinal)])
        {
            HeldInteractionIds = [.. a.Work.Where(w => w.OnHold && w.State == InteractionState.Connected).Select(w => w.Id)],
            Consults = [.. a.Work.Where(w => w.Consult is not null).Concat(a.Reserved)
                .Select(w => new ConsultView(w.Id, w.Consult!.From.Id, w.Consult.Target.Id, w.Consult.Since))],
        };

    private QueueStats BuildStats(QueueRecord q)
    {
        var longest = q.Waiting.Count > 0 ? Math.Max(0, (_now - q.Waiting.Min!.ArrivedAt).TotalSeconds) : 0;
        var denominator = q.Answered + q.AbandonedAfterTarget;
        double? serviceLevel = denominator == 0 ? null : (double)q.AnsweredWithinTarget / denominator;
        var slot = MainSlot(q);
        return new QueueStats(q.Id, q.Waiting.Count, q.AgentsReady, q.AgentsBusy,
            EstimateFor(q, slot, q.Queued[slot] + 1), Math.Round(longest, 1), q.Answered, q.Abandoned, serviceLevel, _now);
    }

    /// <summary>The channel a queue's headline estimate is for: the one with the most queued, else the most staffed.</summary>
    private static int MainSlot(QueueRecord q)
    {
        var best = Slots.Voice;
        for (var slot = 1; slot < Slots.Count; slot++)
        {
            if (q.Queued[slot] > q.Queued[best] || (q.Queued[slot] == q.Queued[best] && q.StaffedSlots[best] == 0 && q.StaffedSlots[slot] > 0))
                best = slot;
        }

        return best;
    }

    /// <summary>Estimated wait for the interaction at <paramref name="position"/> of queue <paramref name="q"/> on <paramref name="slot"/>.</summary>
    private WaitEstimate EstimateFor(QueueRecord q, int slot, int position)
    {
        var ahead = (double)(position - 1);
        foreach (var (higher, share) in q.HigherOverlaps)
            ahead += higher.Queued[slot] * share;
        var handle = q.HandleTime[slot];
        if (ahead == 0 && HasFreeSlot(q, slot))
            return WaitEstimate.Immediate with { Position = position, Samples = handle.Samples };

        // Some of those ahead will give up before being served; the queue's observed abandon share says how many.
        var finished = q.Answered + q.Abandoned;
        var stay = finished < 20 ? 1.0 : 1.0 - ((double)q.Abandoned / finished);
        return WaitEstimator.Estimate(position, (int)Math.Round(ahead * stay), q.StaffedSlots[slot], handle.MeanSeconds, handle.Samples);
    }

    private static bool HasFreeSlot(QueueRecord q, int slot)
    {
        foreach (var pool in q.Pools)
        {
            if (pool.Stage == 0 && pool.Slot == slot && pool.CapabilityKey.Length == 0 && pool.Available.Count > 0)
                return true;
        }

        return false;
    }

    private CenterTotals BuildTotals()
    {
        var waiting = 0;
        var longest = 0.0;
        foreach (var q in _queueList)
        {
            waiting += q.Waiting.Count;
            if (q.Stats is { } s && s.LongestWaitSeconds > longest)
                longest = s.LongestWaitSeconds;
        }

        return new CenterTotals(waiting,
            _shownCounts[(int)AgentState.Ready],
            _shownCounts[(int)AgentState.Busy],
            _shownCounts[(int)AgentState.WrapUp],
            _shownCounts[(int)AgentState.NotReady],
            _shownCounts[(int)AgentState.Offline],
            longest);
    }
}
