using Ccgw.Core.Repositories;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// The call-back list as every writer sees it (IM bot, IVR, admin API, scheduler, voice adapter): each
/// write that changed a row is signalled on <see cref="CallbackListChanges"/> once it returned, so only committed
/// changes are announced. Writes by id return no queue, and reading the row back would put a second query on every
/// scheduler and supervisor write: they announce a change anywhere, and the reader finds out which list moved.
/// </summary>
public sealed class SignallingCallbackRepository(ICallbackRepository inner, CallbackListChanges changes) : ICallbackRepository
{
    public async ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default)
    {
        await inner.AddAsync(request, cancellationToken);
        changes.Changed(request.QueueId);
    }

    public ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        inner.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(DateTimeOffset? dueBy = null, IReadOnlyCollection<CallbackStatus>? statuses = null,
        int limit = 1000, CancellationToken cancellationToken = default) =>
        inner.ListAsync(dueBy, statuses, limit, cancellationToken);

    public async ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default) =>
        Signal(await inner.ReprioritiseAsync(id, priority, cancellationToken));

    public async ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default) =>
        Signal(await inner.RescheduleAsync(id, scheduledAt, cancellationToken));

    public async ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        Signal(await inner.CancelAsync(id, cancellationToken));

    public async ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default) =>
        Signal(await inner.SetStatusAsync(id, status, cancellationToken));

    public async ValueTask<CallbackRequest?> BeginAttemptAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var started = await inner.BeginAttemptAsync(id, at, cancellationToken);
        if (started is not null) changes.Changed(started.QueueId);
        return started;
    }

    public async ValueTask<IReadOnlyList<CallbackRequest>> BeginAttemptsAsync(IReadOnlyList<string> ids, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        var started = await inner.BeginAttemptsAsync(ids, at, cancellationToken);
        foreach (var cb in started) changes.Changed(cb.QueueId);
        return started;
    }

    public async ValueTask<bool> RecordOutcomeAsync(string id, CallbackStatus status, string outcome, DateTimeOffset? retryAt = null,
        CancellationToken cancellationToken = default) =>
        Signal(await inner.RecordOutcomeAsync(id, status, outcome, retryAt, cancellationToken));

    public async ValueTask<int> RecordOutcomesAsync(IReadOnlyList<CallbackOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        var applied = await inner.RecordOutcomesAsync(outcomes, cancellationToken);
        Signal(applied > 0);
        return applied;
    }

    public async ValueTask<bool> BeginDiallingAsync(string id, CancellationToken cancellationToken = default) =>
        Signal(await inner.BeginDiallingAsync(id, cancellationToken));

    public async ValueTask<IReadOnlyList<CallbackRequest>> RecoverInFlightAsync(CancellationToken cancellationToken = default)
    {
        // Also reschedules attempts that never dialled, which the returned (interrupted) ones do not show.
        var interrupted = await inner.RecoverInFlightAsync(cancellationToken);
        changes.ChangedAnywhere();
        return interrupted;
    }

    public async ValueTask<IReadOnlyList<string>> CompletePendingForCustomerAsync(string? customerId, string? address, string outcome,
        CancellationToken cancellationToken = default)
    {
        var completed = await inner.CompletePendingForCustomerAsync(customerId, address, outcome, cancellationToken);
        Signal(completed.Count > 0);
        return completed;
    }

    private bool Signal(bool changed)
    {
        if (changed) changes.ChangedAnywhere();
        return changed;
    }
}

/// <summary>The help-request intake (web form, IM bot's form) signalling each stored or updated call-back after its commit.</summary>
public sealed class SignallingHelpRequestStore(IHelpRequestStore inner, CallbackListChanges changes) : IHelpRequestStore
{
    public async ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackQueuePolicy policy,
        CancellationToken cancellationToken = default)
    {
        var receipt = await inner.SubmitAsync(submission, policy, cancellationToken);
        if (receipt.Disposition is HelpRequestDisposition.Created or HelpRequestDisposition.Updated)
            changes.Changed(receipt.Callback?.QueueId ?? submission.QueueId);
        return receipt;
    }

    public ValueTask<int> PositionAsync(CallbackRequest callback, CancellationToken cancellationToken = default) =>
        inner.PositionAsync(callback, cancellationToken);

    public ValueTask<CallbackAlias?> AliasAsync(string aliasId, CancellationToken cancellationToken = default) =>
        inner.AliasAsync(aliasId, cancellationToken);

    public ValueTask<IReadOnlyList<SlotUsage>> SlotUsageAsync(CallbackQueuePolicy policy, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default) =>
        inner.SlotUsageAsync(policy, from, to, cancellationToken);
}
