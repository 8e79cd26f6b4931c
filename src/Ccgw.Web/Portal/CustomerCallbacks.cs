using System.Globalization;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Web.Help;

namespace Ccgw.Web.Portal;

/// <summary>
/// The signed-in customer's own call-backs: listed, moved to another offered slot, or cancelled through the same
/// call-back list (the signalling repository, so the scheduler hears of it) and the same core command a supervisor's
/// change takes. A call-back that is not theirs is treated as absent: the caller answers 404 and nothing changes.
/// </summary>
internal sealed partial class CustomerCallbacks(ICallbackRepository callbacks, HelpRequestService help, RoutingEngine engine,
    Microsoft.Extensions.Logging.ILogger<CustomerCallbacks> log)
{
    public enum Result
    {
        Done,
        NotFound,
        SlotUnavailable,
    }

    /// <summary>Pending (scheduled, queued, interrupted) call-backs of the customer, by customer id or one of their numbers.</summary>
    public async Task<IReadOnlyList<CallbackRequest>> ListAsync(Customer customer, CancellationToken cancellationToken)
    {
        var pending = await callbacks.ListAsync(statuses: [CallbackStatus.Scheduled, CallbackStatus.Queued, CallbackStatus.Interrupted],
            cancellationToken: cancellationToken);
        return [.. pending.Where(cb => IsTheirs(customer, cb))];
    }

    /// <summary>Slots of the call-back's topic it may move to (the help form's own offer).</summary>
    public Task<IReadOnlyList<SlotView>> SlotsAsync(CallbackRequest callback, CancellationToken cancellationToken) =>
        help.Policies.Find(callback.QueueId) is { } policy
            ? help.FreeSlotsAsync(policy, help.Site.PageSlotsPerTopic, cancellationToken)
            : Task.FromResult<IReadOnlyList<SlotView>>([]);

    public async Task<Result> CancelAsync(Customer customer, string id, CancellationToken cancellationToken)
    {
        if (await TheirsAsync(customer, id, cancellationToken) is not { } cb) return Result.NotFound;
        if (!await callbacks.CancelAsync(id, cancellationToken)) return Result.NotFound;
        // Due and waiting in the core's queue: take it out, so no agent is offered it (as a supervisor's cancel does).
        if (cb.Status == CallbackStatus.Queued) await engine.AbandonInteractionAsync(id, "cancelled by the customer", cancellationToken);
        LogCancelled(log, customer.Id, id);
        return Result.Done;
    }

    /// <summary>Moves a scheduled call-back to <paramref name="slot"/>, which must be one the help form offers now.</summary>
    public async Task<Result> MoveAsync(Customer customer, string id, string? slot, CancellationToken cancellationToken)
    {
        if (await TheirsAsync(customer, id, cancellationToken) is not { Status: CallbackStatus.Scheduled } cb) return Result.NotFound;
        if (slot is null || !DateTimeOffset.TryParse(slot, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
            return Result.SlotUnavailable;
        var offered = await SlotsAsync(cb, cancellationToken);
        if (!offered.Any(s => s.Start == start)) return Result.SlotUnavailable;
        if (!await callbacks.RescheduleAsync(id, start, cancellationToken)) return Result.NotFound;
        LogMoved(log, customer.Id, id, start);
        return Result.Done;
    }

    private async Task<CallbackRequest?> TheirsAsync(Customer customer, string id, CancellationToken cancellationToken)
    {
        if (!HelpRequestService.IsRequestId(id)) return null;
        var cb = await callbacks.GetAsync(id, cancellationToken);
        return cb is { IsPending: true } && cb.Status != CallbackStatus.Dialling && IsTheirs(customer, cb) ? cb : null;
    }

    private static bool IsTheirs(Customer customer, CallbackRequest cb) =>
        cb.CustomerId is { } owner ? owner == customer.Id : customer.Phones.Contains(cb.Address, StringComparer.Ordinal);

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 17120, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "customer {CustomerId} cancelled call-back {CallbackId}")]
    private static partial void LogCancelled(Microsoft.Extensions.Logging.ILogger logger, string customerId, string callbackId);

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 17121, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "customer {CustomerId} moved call-back {CallbackId} to {ScheduledAt:O}")]
    private static partial void LogMoved(Microsoft.Extensions.Logging.ILogger logger, string customerId, string callbackId, DateTimeOffset scheduledAt);
}
