using System.Diagnostics.Metrics;

namespace Ccgw.Voice;

/// <summary>The voice path's instruments (docs/voice.md, Metrics): calls taken, agent legs and call-back dials by outcome, live counts.</summary>
internal sealed class VoiceMetrics
{
    private readonly Counter<long> _calls;
    private readonly Counter<long> _agentLegs;
    private readonly Counter<long> _customerLegs;
    private readonly Core.Callbacks.DialOut.DialOutMetrics _dialOut;
    private readonly Counter<long> _callEnds;

    /// <param name="dialOut">The daemon's one instance (shared with the intake); null: one of our own.</param>
    public VoiceMetrics(CallRegistry registry, IMeterFactory? meters, Core.Callbacks.DialOut.DialOutMetrics? dialOut = null)
    {
        var meter = meters?.Create("Ccgw.Voice") ?? new Meter("Ccgw.Voice");
        _calls = meter.CreateCounter<long>("ccgw.voice.calls", "{call}", "Trunk calls taken, by result (answered, rejected)");
        _agentLegs = meter.CreateCounter<long>("ccgw.voice.agent_legs", "{leg}", "Calls placed to agents' phones, by outcome");
        _customerLegs = meter.CreateCounter<long>("ccgw.voice.callback_dials", "{call}", "Call-back customers dialled through the trunk, by outcome (answered, busy, noAnswer, rejected, failed)");
        // The same family as the intake's refusals (ccgw_dialout_refused_total{rule}): a refusal right before dialling
        // is one a row that got in earlier (or a changed policy) would otherwise have dialled.
        _dialOut = dialOut ?? new Core.Callbacks.DialOut.DialOutMetrics(meters);
        _callEnds = meter.CreateCounter<long>("ccgw.voice.call_ends", "{call}",
            "Trunk calls ended, by reason (callerHungUp, agentHungUp, flowEnded, coreEnded, failure, noAck, rtpTimeout, maxDuration)");
        meter.CreateObservableGauge("ccgw.voice.active_calls", () => registry.ActiveCalls, "{call}", "Calls in progress (flow, queue or connected)");
        meter.CreateObservableGauge("ccgw.voice.active_callbacks", () => registry.ActiveCallbacks, "{call}", "Call-backs being dialled or connected");
    }

    public void CountCall(string result) => _calls.Add(1, new KeyValuePair<string, object?>("result", result));

    public void CountCallEnd(CallEnd reason) => _callEnds.Add(1, new KeyValuePair<string, object?>("reason", reason switch
    {
        CallEnd.CallerHungUp => "callerHungUp",
        CallEnd.AgentHungUp => "agentHungUp",
        CallEnd.FlowEnded => "flowEnded",
        CallEnd.CoreEnded => "coreEnded",
        CallEnd.NoAck => "noAck",
        CallEnd.SessionExpired => "sessionExpired",
        CallEnd.DialogGone => "dialogGone",
        CallEnd.RtpTimeout => "rtpTimeout",
        CallEnd.MaxDuration => "maxDuration",
        _ => "failure",
    }));

    public void CountAgentLeg(string outcome) => _agentLegs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void CountDialOutRefused(string rule) => _dialOut.CountRefused(rule);

    public void CountCustomerLeg(string outcome) => _customerLegs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
