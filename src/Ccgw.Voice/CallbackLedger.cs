using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// What the voice path writes to the persisted call-back list: a caller's "9 for a call back" (through the core's one
/// <see cref="CallbackIntake"/>, so the IVR gets the web's dial-out rules, de-duplication and slot caps), the durable
/// <c>dialling</c> mark before a customer is dialled, and <c>connected</c> once bridged.
/// </summary>
internal sealed partial class CallbackLedger(ICallbackRepository callbacks, CallbackIntake? intake, TimeProvider time, ILogger log)
{
    /// <summary>
    /// "9 for a call back": the caller's number goes to the intake for the queue. Returns null when it was booked (or
    /// merged into the caller's pending one), else why not: a dial-out rule (<see cref="DialOutRule"/>), <c>slotFull</c>,
    /// <c>noNumber</c> or <c>noIntake</c>, for the prompt the caller hears.
    /// </summary>
    public async Task<string?> RecordRequestAsync(string callKey, CallerIdentity identity, string queueId, CancellationToken cancellationToken)
    {
        if (identity.Number is not { } number)
        {
            LogCallbackWithoutNumber(log, callKey);
            return NoNumber;
        }
        if (intake is null)
        {
            LogNoIntake(log, callKey);
            return NoIntake;
        }
        var now = time.GetUtcNow();
        var receipt = await intake.SubmitAsync(new HelpRequestSubmission(queueId, number, now, now, Name: identity.DisplayName),
            CallbackIntakeChannel.Ivr, cancellationToken);
        switch (receipt.Disposition)
        {
            case HelpRequestDisposition.Refused:
                LogCallbackRefused(log, callKey, queueId, receipt.Rule!);
                return receipt.Rule;
            case HelpRequestDisposition.SlotFull:
                LogCallbackRefused(log, callKey, queueId, SlotFull);
                return SlotFull;
            default:
                LogCallbackRecorded(log, callKey, queueId);
                return null;
        }
    }

    public const string NoNumber = "noNumber";
    public const string NoIntake = "noIntake";
    public const string SlotFull = "slotFull";
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

    [LoggerMessage(EventId = 16510, Level = LogLevel.Warning, Message = "Call {Call}: call-back for queue {Queue} not booked ({Reason})")]
    private static partial void LogCallbackRefused(ILogger logger, string call, string queue, string reason);

    [LoggerMessage(EventId = 16511, Level = LogLevel.Error, Message = "Call {Call}: a call-back was asked for but no call-back intake is configured")]
    private static partial void LogNoIntake(ILogger logger, string call);

    [LoggerMessage(EventId = 523, Level = LogLevel.Warning, Message = "Call {Call}: a call-back was asked for but the caller's number is unknown")]
    private static partial void LogCallbackWithoutNumber(ILogger logger, string call);
}
