using Ccgw.Core;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// What the voice path writes to the persisted call-back list: a caller's "9 for a call back", the durable
/// <c>dialling</c> mark before a customer is dialled, and <c>connected</c> once bridged.
/// </summary>
internal sealed partial class CallbackLedger(ICallbackRepository callbacks, TimeProvider time, ILogger log)
{
    /// <summary>"9 for a call back": the caller's number goes into the persisted call-back list for the queue.</summary>
    public async Task RecordRequestAsync(string callKey, CallerIdentity identity, string queueId, CancellationToken cancellationToken)
    {
        if (identity.Number is not { } number)
        {
            LogCallbackWithoutNumber(log, callKey);
            return;
        }
        var now = time.GetUtcNow();
        await callbacks.AddAsync(new CallbackRequest(
            Id: "cb-" + Guid.NewGuid().ToString("N"),
            QueueId: queueId,
            Channel: InteractionChannel.Callback,
            Address: number,
            ScheduledAt: now,
            Priority: 0,
            OriginalStartedAt: now,
            Status: CallbackStatus.Scheduled,
            CustomerId: identity.CustomerId,
            Topic: queueId,
            Name: identity.DisplayName), cancellationToken);
        LogCallbackRecorded(log, callKey, queueId);
    }

    /// <summary>
    /// The durable mark before a call-back's customer is dialled. A call-back the core holds that is not in the
    /// stored list (submitted directly, e.g. by a test or an integration) has nothing to mark and may be dialled.
    /// </summary>
    public async Task<bool> BeginDiallingAsync(string callbackId, CancellationToken cancellationToken) =>
        await callbacks.BeginDiallingAsync(callbackId, cancellationToken) || await callbacks.GetAsync(callbackId, cancellationToken) is null;

    public async Task RecordConnectedAsync(string callbackId) =>
        await callbacks.RecordOutcomeAsync(callbackId, CallbackStatus.Connected, "connected");

    [LoggerMessage(EventId = 522, Level = LogLevel.Information, Message = "Call {Call}: call-back requested for queue {Queue}")]
    private static partial void LogCallbackRecorded(ILogger logger, string call, string queue);

    [LoggerMessage(EventId = 523, Level = LogLevel.Warning, Message = "Call {Call}: a call-back was asked for but the caller's number is unknown")]
    private static partial void LogCallbackWithoutNumber(ILogger logger, string call);
}
