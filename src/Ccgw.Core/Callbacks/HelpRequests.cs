using Ccgw.Core.Repositories;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// A validated help request ("call me back") as the store receives it. <see cref="ScheduledAt"/> is UTC;
/// <see cref="ReceivedAt"/> becomes the call-back's original start, so it keeps the customer's place.
/// </summary>
public sealed record HelpRequestSubmission(
    string QueueId,
    string Address,
    DateTimeOffset ScheduledAt,
    DateTimeOffset ReceivedAt,
    string? ImAddress = null,
    string? Name = null,
    string? PageUrl = null,
    string? TimeZone = null,
    int Priority = 0);

public enum HelpRequestDisposition
{
    /// <summary>A new call-back was stored.</summary>
    Created,

    /// <summary>The customer already had a pending call-back for this topic; it was updated (same id).</summary>
    Updated,

    /// <summary>The same customer's call-back for this topic is being dialled right now; left as it is (same id).</summary>
    InProgress,

    /// <summary>The requested time slot has no room left; nothing was stored.</summary>
    SlotFull,
}

/// <summary>
/// The store's answer, given only after the transaction holding the request committed (synchronous WAL).
/// <see cref="Position"/> is 1-based among the queue's call-backs due at or before this one (0 when it is in the future).
/// </summary>
public sealed record HelpRequestReceipt(HelpRequestDisposition Disposition, CallbackRequest? Callback, int Position);

/// <summary>Call-backs booked in one time slot of a queue (cancelled ones do not count).</summary>
public readonly record struct SlotUsage(DateTimeOffset SlotStart, int Count);

/// <summary>The durable intake of help requests: one pending call-back per customer (or number) and topic, slot caps.</summary>
public interface IHelpRequestStore
{
    /// <summary>Stores (or merges) the request; completes after the commit.</summary>
    ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackQueuePolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Position of a call-back among its queue's due call-backs (as in <see cref="HelpRequestReceipt.Position"/>).</summary>
    ValueTask<int> PositionAsync(CallbackRequest callback, CancellationToken cancellationToken = default);

    /// <summary>Booked call-backs per slot of <paramref name="policy"/> in [<paramref name="from"/>, <paramref name="to"/>); slots without any are left out.</summary>
    ValueTask<IReadOnlyList<SlotUsage>> SlotUsageAsync(CallbackQueuePolicy policy, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}
