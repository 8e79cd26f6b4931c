namespace Ccgw.Core.Routing;

internal enum TimerKind
{
    OfferTimeout,
    WrapUpEnd,
    QueueStep,
    ExclusionExpired,
    DeviceGrace,
    StatsRefresh,
    TransferWrapUpEnd,
}

/// <summary>A due action; stale entries (the version moved on) are dropped when they fall due instead of being cancelled.</summary>
internal readonly record struct TimerEntry(TimerKind Kind, InteractionRecord? Interaction, AgentRecord? Agent, long Version, string? Key);

/// <summary>The state machine's own timers, in due order (ties in scheduling order), so replays are deterministic.</summary>
internal sealed class TimerQueue
{
    private readonly PriorityQueue<TimerEntry, (DateTimeOffset Due, long Seq)> _queue = new();
    private long _seq;

    public int Count => _queue.Count;

    public DateTimeOffset? NextDue => _queue.TryPeek(out _, out var key) ? key.Due : null;

    public void Schedule(DateTimeOffset due, TimerEntry entry) => _queue.Enqueue(entry, (due, ++_seq));

    public bool TryPopDue(DateTimeOffset now, out DateTimeOffset due, out TimerEntry entry)
    {
        if (_queue.TryPeek(out entry, out var key) && key.Due <= now)
        {
            _queue.Dequeue();
            due = key.Due;
            return true;
        }

        due = default;
        entry = default;
        return false;
    }
}
