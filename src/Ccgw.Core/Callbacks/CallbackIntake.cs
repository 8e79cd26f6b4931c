using Ccgw.Core.Callbacks.DialOut;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Callbacks;

/// <summary>Where a call-back request came from: it decides what the log says, and the IVR's has no client address.</summary>
public enum CallbackIntakeChannel
{
    Web,
    Im,
    Ivr,
}

/// <summary>
/// The one intake of call-back requests: the web help form, the IM bot and the IVR's "call me back" all come here, so
/// every one gets the same rules: the queue's trunk's dial-out policy (destination allow and deny lists here; the per
/// number, per source and per topic caps counted by the store in the same transaction as the write), one pending
/// call-back per customer and topic, and the queue's slot cap. A refusal is counted in <c>ccgw_dialout_refused_total</c>
/// and logged with its rule; the caller turns <see cref="HelpRequestReceipt.Rule"/> into its own answer.
/// </summary>
public sealed partial class CallbackIntake(IHelpRequestStore store, CallbackPolicies policies, DialOutMetrics metrics, ILogger<CallbackIntake> log)
{
    public CallbackPolicies Policies => policies;

    /// <summary>The queue's policy; a queue without call-back settings gets defaults (no slot cap, no dial-out rules).</summary>
    public CallbackQueuePolicy PolicyFor(string queueId) => policies.Find(queueId) ?? new CallbackQueuePolicy(queueId, queueId);

    /// <summary>Checks, then stores (or merges) the request; completes after the commit (or at once when refused).</summary>
    public async ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackIntakeChannel channel,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var policy = PolicyFor(submission.QueueId);
        if (policy.DialOut.CheckDestination(submission.Address) is { } rule)
            return Refuse(submission, channel, policy, rule);
        var receipt = await store.SubmitAsync(submission, policy, cancellationToken);
        if (receipt.Disposition == HelpRequestDisposition.Refused)
            return Refuse(submission, channel, policy, receipt.Rule ?? DialOutRule.Denied);
        return receipt;
    }

    private HelpRequestReceipt Refuse(HelpRequestSubmission submission, CallbackIntakeChannel channel, CallbackQueuePolicy policy, string rule)
    {
        metrics.CountRefused(rule);
        // The number is the customer's; the log names the rule and the trunk, which is what an operator acts on.
        LogRefused(log, channel, submission.QueueId, policy.DialOut.TrunkId, rule);
        return new HelpRequestReceipt(HelpRequestDisposition.Refused, null, 0) { Rule = rule };
    }

    [LoggerMessage(EventId = 16500, Level = LogLevel.Warning,
        Message = "Call-back request ({Channel}) for {Queue} refused by trunk {Trunk}'s dial-out rule {Rule}")]
    private static partial void LogRefused(ILogger logger, CallbackIntakeChannel channel, string queue, string trunk, string rule);
}
