using Ccgw.Core.Repositories;

namespace Ccgw.Core.Kpi;

/// <summary>
/// The call-back list counting each outcome it records into <see cref="CallbackKpis"/>, after the write committed.
/// Writes by id do not return the row, so the call-back is read back for its queue (and, for a batch, to see which
/// outcomes applied): one indexed read per outcome, on paths that just dialled or ended a call.
/// </summary>
public sealed class MeteredCallbackRepository(ICallbackRepository inner, CallbackKpis kpis) : ICallbackRepository
{
    public ValueTask AddAsync(CallbackRequest request, CancellationToken cancellationToken = default) => inner.AddAsync(request, cancellationToken);

    public ValueTask<CallbackRequest?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public ValueTask<bool> ReprioritiseAsync(string id, int priority, CancellationToken cancellationToken = default) =>
        inner.ReprioritiseAsync(id, priority, cancellationToken);

    public ValueTask<bool> RescheduleAsync(string id, DateTimeOffset scheduledAt, CancellationToken cancellationToken = default) =>
        inner.RescheduleAsync(id, scheduledAt, cancellationToken);

    public async ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        var cancelled = await inner.CancelAsync(id, cancellationToken);
        if (cancelled && await inner.GetAsync(id, cancellationToken) is { } c) kpis.RecordOutcome(c.QueueId, "cancelled");
        return cancelled;
    }

    public ValueTask<bool> SetStatusAsync(string id, CallbackStatus status, CancellationToken cancellationToken = default) =>
        inner.SetStatusAsync(id, status, cancellationToken);

    public ValueTask<IReadOnlyList<CallbackRequest>> ListAsync(DateTimeOffset? dueBy = null, IReadOnlyCollection<CallbackStatus>? statuses = null,
        int limit = 1000, CancellationToken cancellationToken = default) =>
        inner.ListAsync(dueBy, statuses, limit, cancellationToken);

    public ValueTask<CallbackRequest?> BeginAttemptAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        inner.BeginAttemptAsync(id, at, cancellationToken);

    public ValueTask<IReadOnlyList<CallbackRequest>> BeginAttemptsAsync(IReadOnlyList<string> ids, DateTimeOffset at,
        CancellationToken cancellationToken = default) =>
        inner.BeginAttemptsAsync(ids, at, cancellationToken);

    public async ValueTask<bool> RecordOutcomeAsync(string id, CallbackStatus status, string outcome, DateTimeOffset? retryAt = null,
        CancellationToken cancellationToken = default)
    {
        var recorded = await inner.RecordOutcomeAsync(id, status, outcome, retryAt, cancellationToken);
        // "connected" is a status on the way (the customer is talking), not how the call-back ended.
        if (recorded && status != CallbackStatus.Connected && await inner.GetAsync(id, cancellationToken) is { } c)
            kpis.RecordOutcome(c.QueueId, outcome);
        return recorded;
    }

    public async ValueTask<int> RecordOutcomesAsync(IReadOnlyList<CallbackOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var applied = await inner.RecordOutcomesAsync(outcomes, cancellationToken);
        if (applied == 0) return applied;
        foreach (var o in outcomes)
        {
            // An outcome the list refused (the call-back changed meanwhile) left another last outcome behind.
            if (await inner.GetAsync(o.Id, cancellationToken) is { } c && c.LastOutcome == o.Outcome && c.Status == o.Status)
                kpis.RecordOutcome(c.QueueId, o.Outcome);
        }
        return applied;
    }

    public ValueTask<bool> BeginDiallingAsync(string id, CancellationToken cancellationToken = default) => inner.BeginDiallingAsync(id, cancellationToken);

    public async ValueTask<IReadOnlyList<CallbackRequest>> RecoverInFlightAsync(CancellationToken cancellationToken = default)
    {
        var interrupted = await inner.RecoverInFlightAsync(cancellationToken);
        foreach (var c in interrupted)
            kpis.RecordOutcome(c.QueueId, "interrupted");
        return interrupted;
    }

    public async ValueTask<IReadOnlyList<string>> CompletePendingForCustomerAsync(string? customerId, string? address, string outcome,
        CancellationToken cancellationToken = default)
    {
        var completed = await inner.CompletePendingForCustomerAsync(customerId, address, outcome, cancellationToken);
        foreach (var id in completed)
        {
            if (await inner.GetAsync(id, cancellationToken) is { } c) kpis.RecordOutcome(c.QueueId, outcome);
        }
        return completed;
    }
}
