using Ccgw.Core.Repositories;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// A validated help request ("call me back") as the store receives it. <see cref="ScheduledAt"/> is UTC;
/// <see cref="ReceivedAt"/> becomes the call-back's original start, so it keeps the customer's place. <see cref="Source"/>
/// is who asked (the web client's address, the IM address; null for the IVR, whose caller asks for their own number):
/// the dial-out policy's per-source cap counts it.
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
    int Priority = 0,
    string? Source = null,
    HelpMedium Medium = HelpMedium.Voice);

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

    /// <summary>The trunk's dial-out policy refused it (<see cref="HelpRequestReceipt.Rule"/> names the rule); nothing was stored.</summary>
    Refused,
}

/// <summary>
/// The store's answer, given only after the transaction holding the request committed (synchronous WAL).
/// <see cref="Position"/> is 1-based among the queue's call-backs due at or before this one (0 when it is in the future).
/// A merged request (<see cref="HelpRequestDisposition.Updated"/>, <see cref="HelpRequestDisposition.InProgress"/>) gets
/// an <see cref="AliasId"/> of its own: that, never <see cref="Callback"/>'s id, is what the asker is told.
/// </summary>
public sealed record HelpRequestReceipt(HelpRequestDisposition Disposition, CallbackRequest? Callback, int Position)
{
    /// <summary>The dial-out rule that refused the request (<see cref="DialOut.DialOutRule"/>), for <see cref="HelpRequestDisposition.Refused"/>.</summary>
    public string? Rule { get; init; }

    /// <summary>The id given to this request when it merged into an existing call-back; null for a new one.</summary>
    public string? AliasId { get; init; }

    /// <summary>The id the asker is told: the alias of a merged request, else the new call-back's own.</summary>
    public string? PublicId => AliasId ?? Callback?.Id;
}

/// <summary>What an alias id stands for: the call-back and how many attempts it had when the alias was given.</summary>
public readonly record struct CallbackAlias(string CallbackId, int AttemptsBefore);

/// <summary>Call-backs booked in one time slot of a queue (cancelled ones do not count).</summary>
public readonly record struct SlotUsage(DateTimeOffset SlotStart, int Count);

/// <summary>The durable intake of help requests: one pending call-back per customer (or number) and topic, slot caps.</summary>
public interface IHelpRequestStore
{
    /// <summary>
    /// Stores (or merges) the request, counting it against <paramref name="policy"/>'s <see cref="CallbackQueuePolicy.DialOut"/>
    /// caps in the same transaction; completes after the commit.
    /// </summary>
    ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackQueuePolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Position of a call-back among its queue's due call-backs (as in <see cref="HelpRequestReceipt.Position"/>).</summary>
    ValueTask<int> PositionAsync(CallbackRequest callback, CancellationToken cancellationToken = default);

    /// <summary>Booked call-backs per slot of <paramref name="policy"/> in [<paramref name="from"/>, <paramref name="to"/>); slots without any are left out.</summary>
    /// <summary>
    /// The call-back an alias id (of a merged request) stands for; null when <paramref name="aliasId"/> is none. A store
    /// that never merges has no aliases (the default).
    /// </summary>
    ValueTask<CallbackAlias?> AliasAsync(string aliasId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<CallbackAlias?>(null);

    ValueTask<IReadOnlyList<SlotUsage>> SlotUsageAsync(CallbackQueuePolicy policy, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}
