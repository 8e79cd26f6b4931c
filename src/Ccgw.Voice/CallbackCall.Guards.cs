using Ccgw.Core;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Media;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>The call-back's guards: the trunk's dial-out policy and the watch on silence and length.</summary>
internal sealed partial class CallbackCall
{
    // ---- dial-out policy ------------------------------------------------------------------------------------------

    /// <summary>
    /// The trunk's dial-out policy for this call-back: a denied or not-allowed destination ends it for good (reason
    /// <see cref="DialOutRefusedReason"/>, not retried); a trunk at its concurrent-call cap ends this attempt as
    /// <c>failed</c>, which the scheduler retries after its back-off. With <paramref name="takeLine"/> a line is taken
    /// (released at clean-up). True when refused (the call-back is hung up).
    /// </summary>
    private async Task<bool> RefusedByDialOutAsync(bool takeLine)
    {
        if (_parts.Settings.CallbackTrunkFor(_interaction.QueueId) is not { } trunk) return false;
        var policy = trunk.DialOut;
        if (Request.Address is { } address && policy.CheckDestination(address) is { } rule)
        {
            _parts.Metrics.CountDialOutRefused(rule);
            LogDialOutRefused(_log, Id, trunk.Id, rule);
            await HangupAsync(CallbackEnd.Failure, DialOutRefusedReason);
            return true;
        }
        if (!takeLine)
        {
            if (policy.MaxConcurrentCalls is not { } max || _parts.Registry.TrunkLinesInUse(trunk.Id) < max) return false;
        }
        else if (_parts.Registry.TryTakeTrunkLine(trunk.Id, policy.MaxConcurrentCalls))
        {
            bool ended;
            lock (_gate)
            {
                ended = _phase == CallbackCallPhase.Ended;
                if (!ended) _trunkLine = trunk.Id;
            }
            if (ended) _parts.Registry.ReleaseTrunkLine(trunk.Id);
            return ended;
        }
        _parts.Metrics.CountDialOutRefused(DialOutRule.Concurrent);
        LogDialOutRefused(_log, Id, trunk.Id, DialOutRule.Concurrent);
        await HangupAsync(CallbackEnd.Failure, "failed");
        return true;
    }

    /// <summary>The core's failure reason for a call-back its trunk may not dial; not among the retried reasons.</summary>
    public const string DialOutRefusedReason = "dialOutRefused";

    private async Task MaxLengthReachedAsync(TimeSpan longest)
    {
        LogMaxLength(_log, Id, (int)longest.TotalSeconds);
        // A normal end of a connected call (wrap-up follows), as if the agent had hung up.
        await HangupAsync(CallbackEnd.AgentHungUp, null);
    }

    /// <summary>
    /// The customer's phone (or the agent's, once bridged) went away without BYE, or the longest call
    /// (<c>Voice:MaxCallSeconds</c>) is reached: both legs get BYE and the ports go back. The trunk's own
    /// <c>DialOut.MaxCallLength</c> (from the bridge) is a separate, usually shorter, timer.
    /// </summary>
    private async Task WatchAsync()
    {
        long since;
        lock (_gate) since = _answeredAt ?? _parts.Time.GetTimestamp();
        var settings = _parts.Settings;
        var verdict = await CallWatch.RunAsync(_parts.Time, since, settings.MaxCallDuration, settings.RtpTimeout, LongestSilence, _life.Token);
        switch (verdict)
        {
            case { Limit: CallWatchLimit.MaxDuration }:
                LogWatchMaxDuration(_log, Id, verdict.Measured);
                await HangupAsync(CallbackEnd.MaxDuration, "longest call");
                break;
            case { Limit: CallWatchLimit.RtpTimeout }:
                LogWatchRtpTimeout(_log, Id, verdict.Measured);
                await HangupAsync(CallbackEnd.RtpTimeout, "no RTP");
                break;
        }
    }

    /// <summary>
    /// The longest RTP silence of the legs that should be sending: the customer from their answer, the agent from the
    /// bridge (before it the agent only hears a prompt, and ringing time is no silence).
    /// </summary>
    private TimeSpan LongestSilence()
    {
        CallMedia? customer;
        CallMedia? agent;
        long? answeredAt;
        long? connectedAt;
        lock (_gate)
        {
            customer = _customerMedia;
            agent = _phase == CallbackCallPhase.Connected ? _agent?.Media : null;
            answeredAt = _answeredAt;
            connectedAt = _connectedAt;
        }
        var silent = TimeSpan.Zero;
        if (customer is { ExpectsMedia: true } && answeredAt is { } answered) silent = Counted(customer, answered);
        if (agent is { ExpectsMedia: true } && connectedAt is { } bridged)
        {
            var agentSilent = Counted(agent, bridged);
            if (agentSilent > silent) silent = agentSilent;
        }
        return silent;

        TimeSpan Counted(CallMedia media, long from)
        {
            var legSilent = media.Leg.SilentFor;
            var up = _parts.Time.GetElapsedTime(from);
            return legSilent < up ? legSilent : up;
        }
    }
}
