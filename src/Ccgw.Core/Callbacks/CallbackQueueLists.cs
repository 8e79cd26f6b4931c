using Ccgw.Core.Repositories;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// One queue's pending call-backs as consoles see them: <see cref="Pending"/> counts every pending one,
/// <see cref="DueNow"/> those scheduled at or before the time of the read, <see cref="Items"/> holds the first ones in
/// listing order (scheduled time, priority higher first, original start). <see cref="NextDueAt"/> is the earliest
/// scheduled time still in the future (null: none), when <see cref="DueNow"/> changes without any write.
/// </summary>
public sealed record CallbackQueueList(
    string QueueId,
    int Pending,
    int DueNow,
    IReadOnlyList<CallbackRequest> Items,
    DateTimeOffset? NextDueAt)
{
    /// <summary>The statuses of <see cref="CallbackRequest.IsPending"/>: not finished, still on the list.</summary>
    public static IReadOnlyList<CallbackStatus> PendingStatuses { get; } =
        [CallbackStatus.Scheduled, CallbackStatus.Queued, CallbackStatus.Dialling, CallbackStatus.Interrupted];

    /// <summary>Same figures and items (the time of the read and <see cref="NextDueAt"/> aside).</summary>
    public bool SameListAs(CallbackQueueList other) =>
        QueueId == other.QueueId && Pending == other.Pending && DueNow == other.DueNow && Items.SequenceEqual(other.Items);
}

/// <summary>
/// Reads a queue's pending call-backs with their counts in one consistent read. Separate from
/// <see cref="ICallbackRepository.ListAsync"/>, which lists across queues and cannot count past its limit.
/// </summary>
public interface ICallbackListReader
{
    /// <summary>The queue's list as of <paramref name="now"/>, with at most <paramref name="limit"/> items.</summary>
    ValueTask<CallbackQueueList> ReadQueueAsync(string queueId, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}
