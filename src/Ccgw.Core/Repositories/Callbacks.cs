namespace Ccgw.Core.Repositories;

public enum CallbackStatus
{
    /// <summary>Stored, waiting for its scheduled time.</summary>
    Scheduled,

    /// <summary>
    /// A dial attempt was recorded durably and the call-back handed to the routing core (waiting for an agent, or an
    /// agent's phone rings); the customer has not been dialled. After a crash it is scheduled again: nothing rang.
    /// </summary>
    Queued,

    /// <summary>
    /// The customer's INVITE is on its way (recorded durably just before it is sent). After a crash a call-back found in
    /// this state may already have rung the customer: it becomes <see cref="Interrupted"/>, never redialled automatically.
    /// </summary>
    Dialling,

    /// <summary>Reached the customer and finished (or the customer reached an agent by another channel first).</summary>
    Done,
    Cancelled,

    /// <summary>Every attempt failed (busy, no answer, failure) up to the queue's limit.</summary>
    Failed,

    /// <summary>The customer and the agent are talking.</summary>
    Connected,

    /// <summary>
    /// The daemon stopped while an attempt was in flight: it may or may not have rung. Not dialled again
    /// automatically (a customer is never called twice); a supervisor reschedules or cancels it.
    /// </summary>
    Interrupted,
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
    string? Product = null,
    string? Name = null,
    string? ImAddress = null,
    string? TimeZone = null,
    int Attempts = 0,
    string? LastOutcome = null,
    DateTimeOffset? LastAttemptAt = null,
    HelpMedium Medium = HelpMedium.Voice)
{
    /// <summary>Scheduled, or interrupted and waiting for a supervisor: what a second request for the same customer and topic updates.</summary>
    public bool IsPending => Status is CallbackStatus.Scheduled or CallbackStatus.Queued or CallbackStatus.Dialling or CallbackStatus.Interrupted;

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
        Medium = Medium,
    };
}

/// <summary>
/// The durable call-back list (a help request answered 202 must survive a crash). Listing order is scheduled time,
/// then priority (higher first), then original start time.
/// </summary>
/// <summary>An attempt's outcome for <see cref="ICallbackRepository.RecordOutcomesAsync"/>.</summary>
public sealed record CallbackOutcome(string Id, CallbackStatus Status, string Outcome, DateTimeOffset? RetryAt = null);

public interface ICallbackRepository
{
    ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default);

    ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Returns false when there is no such call-back a supervisor may change (scheduled or interrupted).</summary>
    ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default);

    /// <summary>A new time for a scheduled or interrupted call-back; an interrupted one becomes scheduled again (a supervisor decided to redial).</summary>
    ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default);

    ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default);

    ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default);

    /// <summary>Call-backs in listing order; <paramref name="dueBy"/> limits to those scheduled at or before it, <paramref name="statuses"/> to those statuses (null: all).</summary>
    ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(
        DateTimeOffset? dueBy = null,
        IReadOnlyCollection<CallbackStatus>? statuses = null,
        int limit = 1000,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a dial attempt durably before anything is dialled: a scheduled call-back becomes queued with one more
    /// attempt. Returns the updated call-back, or null when it is no longer scheduled (cancelled or changed meanwhile).
    /// </summary>
    ValueTask<CallbackRequest?> BeginAttemptAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="BeginAttemptAsync"/> for several call-backs in one transaction (one commit): once it returns, every
    /// call-back returned is queued durably. Those no longer scheduled are left out; the rest keep the order given.
    /// </summary>
    ValueTask<IReadOnlyList<CallbackRequest>> BeginAttemptsAsync(IReadOnlyList<string> ids, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records an outcome of the attempt in flight (<paramref name="outcome"/>, e.g. "connected", "busy") and moves the call-back to
    /// <paramref name="status"/>; <paramref name="retryAt"/> reschedules it (status scheduled). Applies only to a queued or
    /// connected call-back; returns false otherwise.
    /// </summary>
    ValueTask<bool> RecordOutcomeAsync(string id, CallbackStatus status, string outcome, DateTimeOffset? retryAt = null,
        CancellationToken cancellationToken = default);

    /// <summary>Several <see cref="RecordOutcomeAsync"/>, in order, in one transaction; returns how many applied.</summary>
    ValueTask<int> RecordOutcomesAsync(IReadOnlyList<CallbackOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>
    /// The voice adapter is about to send the customer's INVITE: a queued call-back becomes dialling, durably, before
    /// anything leaves. False when it is not queued any more (cancelled or done meanwhile): do not dial.
    /// </summary>
    ValueTask<bool> BeginDiallingAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Start-up recovery: attempts whose customer was being dialled when the daemon stopped become interrupted (never
    /// redialled automatically); attempts that had not dialled yet are scheduled again (the attempt is not counted);
    /// connected ones are done. Returns the interrupted ones.
    /// </summary>
    ValueTask<IReadOnlyList<CallbackRequest>> RecoverInFlightAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The customer reached an agent by another channel: their scheduled or interrupted call-backs are done
    /// (<paramref name="outcome"/> says how). Returns the ids completed.
    /// </summary>
    ValueTask<IReadOnlyList<string>> CompletePendingForCustomerAsync(string? customerId, string? address, string outcome,
        CancellationToken cancellationToken = default);
}
