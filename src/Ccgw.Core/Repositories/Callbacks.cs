namespace Ccgw.Core.Repositories;

public enum CallbackStatus
{
    /// <summary>Stored, waiting for its scheduled time.</summary>
    Scheduled,

    /// <summary>Handed to the routing core (queued or with an agent).</summary>
    Queued,
    Done,
    Cancelled,
    Failed,
}

/// <summary>
/// A requested call-back. <see cref="OriginalStartedAt"/> is when the customer first asked (or first called): the core
/// orders the call-back by it, so it keeps the customer's place. <see cref="Address"/> is E.164 for phone call-backs
/// or an IM address for <see cref="InteractionChannel.Im"/> replies.
/// </summary>
public sealed record CallbackRequest(
    string Id,
    string QueueId,
    InteractionChannel Channel,
    string Address,
    DateTimeOffset ScheduledAt,
    int Priority,
    DateTimeOffset OriginalStartedAt,
    CallbackStatus Status,
    string? CustomerId = null,
    string? PageUrl = null,
    string? Topic = null,
    string? Product = null)
{
    /// <summary>The interaction to submit when the call-back is due; it carries this id and the original start time.</summary>
    public InteractionRequest ToInteractionRequest() => new()
    {
        Id = Id,
        Channel = Channel,
        QueueId = QueueId,
        Priority = Priority,
        CustomerId = CustomerId,
        Address = Address,
        PageUrl = PageUrl,
        Topic = Topic,
        Product = Product,
        OriginalStartedAt = OriginalStartedAt,
    };
}

/// <summary>
/// The durable call-back list (a help request answered 202 must survive a crash). Listing order is scheduled time,
/// then priority (higher first), then original start time.
/// </summary>
public interface ICallbackRepository
{
    ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default);

    ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Returns false when there is no such pending call-back.</summary>
    ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default);

    ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default);

    ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default);

    ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default);

    /// <summary>Call-backs in listing order; <paramref name="dueBy"/> limits to those scheduled at or before it, <paramref name="statuses"/> to those statuses (null: all).</summary>
    ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(
        DateTimeOffset? dueBy = null,
        IReadOnlyCollection<CallbackStatus>? statuses = null,
        int limit = 1000,
        CancellationToken cancellationToken = default);
}
