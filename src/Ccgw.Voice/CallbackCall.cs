using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Media;
using Ccgw.Media.Audio;
using Ccgw.Media.Transport;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

public enum CallbackCallPhase
{
    /// <summary>Agent-first: the offered agent's phone rings; the customer has not been dialled.</summary>
    RingingAgent,

    /// <summary>The customer's phone rings through the trunk (agent-first: the agent is on the line, hearing a prompt).</summary>
    DiallingCustomer,

    /// <summary>Customer-first: the customer answered and hears the greeting, then music, while an agent's phone rings.</summary>
    CustomerWaiting,

    /// <summary>Automated call-back: the customer answered and is in the topic's flow (no agent yet; see CallbackCall.Ivr.cs).</summary>
    RunningFlow,

    /// <summary>Customer and agent bridged; the gateway relays RTP both ways.</summary>
    Connected,

    Ended,
}

/// <summary>
/// One call-back the core offered to an agent (channel callback), from the first ring to hang-up. Both legs are
/// placed by the gateway: the agent's registered phone and the customer through the trunk, then bridged.
/// <list type="bullet">
/// <item>Agent-first: ring the offered agent (answering is accepting), then dial the customer; on answer bridge.</item>
/// <item>Customer-first: accept the offer at once (the agent is held for this call-back), dial the customer; on
/// answer greet them, play music and ring the agent; an agent who does not answer gives the customer back to the
/// queue, whose next offer rings the next agent.</item>
/// </list>
/// The customer's INVITE is preceded by a durable "dialling" mark (see <c>ICallbackRepository.BeginDiallingAsync</c>),
/// so a crash never leads to a second automatic dial. Outcomes go to the core: a customer not reached ends the
/// interaction as failed with the core's reason (busy, noAnswer, failed), which the call-back scheduler retries.
/// Signalling and core events arrive on different threads; the phase changes only under <see cref="_gate"/>.
/// </summary>
internal sealed partial class CallbackCall
{
    private readonly CallParts _parts;
    private readonly InteractionView _interaction;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _life = new();
    private readonly ILogger _log;
    private CallbackCallPhase _phase;
    private bool _customerStarted;
    private AgentLeg? _agent;
    private OutboundLeg? _customerLeg;
    private CallMedia? _customerMedia;
    private bool _customerAnswered;
    private RtpRelay? _bridge;
    private Playback? _customerAudio;
    private Playback? _agentAudio;
    private int _cleanedUp;
    private string? _trunkLine;
    private ITimer? _maxLength;
    private long? _answeredAt;
    private long? _connectedAt;

    /// <param name="ivr">An automated call-back's flow: the customer is dialled at once (<see cref="StartIvr"/>), no agent first.</param>
    public CallbackCall(CallParts parts, InteractionView interaction, CallbackDialMode mode, ILogger log, IvrCallbackRun? ivr = null)
    {
        _parts = parts;
        _ivr = ivr;
        _interaction = interaction;
        Mode = mode;
        _log = log;
        _phase = mode == CallbackDialMode.AgentFirst ? CallbackCallPhase.RingingAgent : CallbackCallPhase.DiallingCustomer;
    }

    /// <summary>The interaction id, which is the stored call-back's id.</summary>
    public string Id => _interaction.Id;

    public CallbackDialMode Mode { get; }

    public CallbackCallPhase Phase
    {
        get { lock (_gate) return _phase; }
    }

    private InteractionRequest Request => _interaction.Request;

    // ---- core events ----------------------------------------------------------------------------------------------

    /// <summary>The core offered the call-back to an agent: start the call (first offer) or ring the next agent.</summary>
    public void OnOfferMade(Offer offer)
    {
        AgentLeg ring;
        bool startCustomerFirst;
        lock (_gate)
        {
            if (_agent is { Closed: true }) _agent = null;
            if (_phase is CallbackCallPhase.Ended or CallbackCallPhase.Connected || _agent is not null
                || (_customerStarted && !_customerAnswered))
            {
                _ = _parts.Engine.RejectOfferAsync(offer.AgentId, offer.InteractionId, "call-back is not waiting for an agent");
                return;
            }
            ring = new AgentLeg(offer);
            _agent = ring;
            startCustomerFirst = Mode == CallbackDialMode.CustomerFirst && !_customerStarted;
            if (startCustomerFirst) _customerStarted = true;
        }
        _ = GuardedAsync(async () =>
        {
            // Before anyone's phone rings: a destination the trunk may not dial is refused without troubling an agent.
            // (An automated call-back's customer is already on the line, holding the trunk line this check would count.)
            if (_ivr is null && await RefusedByDialOutAsync(takeLine: false)) return;
            await (startCustomerFirst ? CustomerFirstAsync(ring) : RingAgentAsync(ring));
        });
    }

    /// <summary>Runs one of the call's own tasks: an unexpected failure hangs the call-back up (and frees its ports), never more.</summary>
    private async Task GuardedAsync(Func<Task> work)
    {
        try
        {
            await work();
        }
#pragma warning disable CA1031 // A failing call-back must end and free its media, never take the gateway down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(_log, Id, e);
            await HangupAsync(CallbackEnd.Failure, "failed");
        }
    }

    /// <summary>The offer closed without our answer (timed out, withdrawn, rejected by console): stop ringing.</summary>
    public void OnOfferClosed(Offer offer, OfferOutcome outcome)
    {
        if (outcome == OfferOutcome.Accepted) return;
        AgentLeg? ring;
        lock (_gate)
        {
            ring = _agent?.Offer.OfferId == offer.OfferId ? _agent : null;
            if (ring is null || ring.Accepted) return;
            ring.Closed = true;
        }
        ring.StopRinging();
    }

    /// <summary>The core ended the interaction (console hang-up, supervisor, or our own report coming back).</summary>
    public void OnInteractionFinished(InteractionState state)
    {
        if (state is InteractionState.WrapUp or InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
            _ = HangupAsync(CallbackEnd.CoreEnded, null);
    }

    /// <summary>The gateway missed some of the core's events: compare this call-back with the core's view and catch up.</summary>
    public async Task ResyncAsync(CancellationToken cancellationToken)
    {
        AgentLeg? ring;
        lock (_gate)
        {
            // An automated call-back still in its flow is not the core's: there is nothing to compare.
            if (_phase == CallbackCallPhase.Ended || OutsideCore) return;
            ring = _agent is { Closed: false } r ? r : null;
        }
        await CoreResync.CatchUpAsync(_parts.Engine, Id,
            ringing: ring is { Accepted: false } ? ring.Offer : null,
            connectedAgent: ring is { Accepted: true } ? ring.Offer.AgentId : null,
            () => HangupAsync(CallbackEnd.CoreEnded, null), offer => OnOfferClosed(offer, OfferOutcome.Withdrawn), cancellationToken);
    }

    // ---- the two orders -------------------------------------------------------------------------------------------

    private async Task CustomerFirstAsync(AgentLeg ring)
    {
        // Hold the agent while the customer's phone rings; an open offer would time out under it.
        var accepted = await _parts.Engine.MarkConnectedAsync(Id);
        if (!accepted.IsOk)
        {
            LogOfferLost(_log, Id, ring.Offer.AgentId, accepted.Error ?? "not accepted");
            await HangupAsync(CallbackEnd.CoreEnded, null);
            return;
        }
        ring.Accepted = true;
        var ct = _life.Token;
        if (!await DialCustomerAsync()) return;
        lock (_gate)
        {
            if (_phase != CallbackCallPhase.DiallingCustomer || _customerMedia is null) return;
            _phase = CallbackCallPhase.CustomerWaiting;
            _customerAudio = Play(_customerMedia, [_parts.Announcer.CallbackGreeting], _parts.Announcer.MusicOnHold, ct);
        }
        await RingAgentAsync(ring);
    }

    private async Task RingAgentAsync(AgentLeg ring)
    {
        var offer = ring.Offer;
        var ct = _life.Token;
        try
        {
            LogRingingAgent(_log, Id, offer.AgentId);
            var customer = Request.Address is { } a && !a.Contains(':', StringComparison.Ordinal) ? a : "callback";
            var failure = await ring.RingAsync(_parts.Dialler, _parts.Dialler.Sip.OnDomain(customer), leg => _parts.Registry.RouteCallbackLeg(leg, this),
                _gate, () => _phase != CallbackCallPhase.Ended, ct);
            if (failure is not null)
            {
                await AgentFailedAsync(ring, failure);
                return;
            }
            var leg = ring.Leg!;
            var media = ring.Media!;
            if (!ring.Accepted)
            {
                var connected = await _parts.Engine.MarkConnectedAsync(Id);
                if (!connected.IsOk)
                {
                    leg.Hangup();
                    await AgentFailedAsync(ring, "offer closed");
                    return;
                }
                ring.Accepted = true;
            }
            _parts.Metrics.CountAgentLeg("answered");
            bool customerReady;
            lock (_gate) customerReady = _customerAnswered;
            if (customerReady)
            {
                await BridgeAsync(ring);
                return;
            }
            // Agent-first: the agent is on the line; now the customer.
            lock (_gate)
            {
                if (_phase != CallbackCallPhase.RingingAgent) return;
                _phase = CallbackCallPhase.DiallingCustomer;
                _agentAudio = Play(media, [_parts.Announcer.CallbackAgentPrompt], null, ct);
            }
            if (await DialCustomerAsync()) await BridgeAsync(ring);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await ring.AbandonAsync();
        }
    }

    /// <summary>
    /// The agent's leg failed before the two were bridged. An open offer is rejected (the core offers the next agent);
    /// an accepted one is handed back to the queue, so the waiting customer goes to the next agent.
    /// </summary>
    private async Task AgentFailedAsync(AgentLeg ring, string reason)
    {
        lock (_gate)
        {
            if (_agent == ring) _agent = null;
        }
        await ring.FreeMediaAsync();
        _parts.Metrics.CountAgentLeg(reason);
        LogAgentFailed(_log, Id, ring.Offer.AgentId, reason);
        if (Phase == CallbackCallPhase.Ended) return;
        if (!ring.Accepted)
        {
            await _parts.Engine.RejectOfferAsync(ring.Offer.AgentId, Id, reason);
            return;
        }
        bool customerOnLine;
        lock (_gate) customerOnLine = _customerAnswered;
        if (customerOnLine) await _parts.Engine.TransferAsync(Id, WaitingQueue);
        else await HangupAsync(CallbackEnd.Failure, "failed");
    }

    // ---- the customer's leg ---------------------------------------------------------------------------------------

    /// <summary>INVITEs the customer through the trunk; true once answered with usable SDP. A failure ends the call-back.</summary>
    private async Task<bool> DialCustomerAsync()
    {
        var ct = _life.Token;
        if (_parts.Settings.CallbackTrunkFor(_interaction.QueueId) is not { Outbound: { } peer } trunk)
        {
            LogNoTrunk(_log, Id);
            await HangupAsync(CallbackEnd.Failure, "noTrunk");
            return false;
        }
        // Again right before dialling, whatever let the row in (an earlier policy, a write that skipped the intake), and
        // the trunk line is taken here, atomically against the trunk's other call-backs.
        if (await RefusedByDialOutAsync(takeLine: true)) return false;
        if (Request.Address is not { } address || !TryCustomerUri(address, peer.Host, out var uri))
        {
            LogNoAddress(_log, Id, Request.Address ?? "(none)");
            await HangupAsync(CallbackEnd.Failure, "rejected");
            return false;
        }
        var dialler = _parts.Dialler;
        if (await dialler.ResolveAsync(peer, ct) is not { } destination)
        {
            // A retryable failure: the name may resolve again by the next attempt.
            LogUnresolvable(_log, Id, trunk.Id, peer.Host);
            await HangupAsync(CallbackEnd.Failure, "failed");
            return false;
        }
        // Everything but the send is ready before the durable mark, and the send leaves before the first await after it:
        // a crash between the two (the call-back is then interrupted and never redialled) has microseconds to land in.
        if (dialler.PrepareCall(uri, destination, dialler.Sip.OnDomain(trunk.CallerId ?? "callback"), new SipNameAddress(uri)) is not { } call)
        {
            _parts.Metrics.CountCustomerLeg("no media ports");
            LogCustomerNotReached(_log, Id, "no media ports");
            await HangupAsync(CallbackEnd.Failure, "no media ports");
            return false;
        }
        bool marked;
        try
        {
            marked = await _parts.Callbacks.BeginDiallingAsync(Id, ct);
        }
        catch
        {
            await call.Media.DisposeAsync();
            throw;
        }
        if (!marked)
        {
            await call.Media.DisposeAsync();
            LogNotDialling(_log, Id);
            await HangupAsync(CallbackEnd.Failure, "cancelled");
            return false;
        }
        var ringing = dialler.RingAsync(call, _parts.Settings.CustomerRingTimeout, leg => _parts.Registry.RouteCallbackLeg(leg, this), (leg, media) =>
            {
                lock (_gate)
                {
                    if (_phase == CallbackCallPhase.Ended)
                    {
                        // Clean-up has run (or is running) without this leg: it is ours to free.
                        _ = media.DisposeAsync().AsTask();
                        return false;
                    }
                    _customerLeg = leg;
                    _customerMedia = media;
                    return true;
                }
            }, sendBeforeReturning: true);
        LogDialling(_log, Id, trunk.Id);
        var failure = await ringing;
        _parts.Metrics.CountCustomerLeg(failure ?? "answered");
        if (failure is not null)
        {
            LogCustomerNotReached(_log, Id, failure);
            await HangupAsync(CallbackEnd.Failure, failure);
            return false;
        }
        lock (_gate)
        {
            if (_phase == CallbackCallPhase.Ended) return false;
            _customerAnswered = true;
            _answeredAt = _parts.Time.GetTimestamp();
        }
        LogCustomerAnswered(_log, Id);
        // Watched from the customer's answer, as trunk calls are from theirs (VoiceCall.StartSupervision).
        _ = GuardedAsync(WatchAsync);
        return true;
    }

    /// <summary>An E.164 number or digits become <c>sip:number@trunk-host</c>; a SIP URI is dialled as given, through the trunk.</summary>
    internal static bool TryCustomerUri(string address, string trunkHost, out SipUri uri)
    {
        uri = null!;
        if (address.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || address.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
        {
            if (!SipUri.TryParse(address, out var parsed) || parsed is null) return false;
            uri = parsed;
            return true;
        }
        var digits = address.AsSpan(address.StartsWith('+') ? 1 : 0);
        if (digits.IsEmpty || digits.Length > 20) return false;
        foreach (var c in digits)
            if (!char.IsAsciiDigit(c)) return false;
        uri = new SipUri("sip", address, trunkHost);
        return true;
    }

    // ---- connected and hang-up ------------------------------------------------------------------------------------

    private async Task BridgeAsync(AgentLeg ring)
    {
        await StopPlaybackAsync();
        bool bridged;
        lock (_gate)
        {
            bridged = _phase is not CallbackCallPhase.Ended && _agent == ring && ring.Media is not null && _customerMedia is not null;
            if (bridged)
            {
                _bridge = _customerMedia!.BridgeTo(ring.Media!);
                _phase = CallbackCallPhase.Connected;
                _connectedAt = _parts.Time.GetTimestamp();
            }
        }
        if (!bridged) return;
        LogConnected(_log, Id, ring.Offer.AgentId, Mode);
        if (_parts.Settings.CallbackTrunkFor(_interaction.QueueId)?.DialOut.MaxCallLength is { } longest)
        {
            var timer = _parts.Time.CreateTimer(_ => _ = GuardedAsync(() => MaxLengthReachedAsync(longest)), null, longest, Timeout.InfiniteTimeSpan);
            lock (_gate)
            {
                if (_phase == CallbackCallPhase.Ended) timer.Dispose();
                else _maxLength = timer;
            }
        }
        await _parts.Callbacks.RecordConnectedAsync(Id);
    }

    /// <summary>BYE from one of our legs.</summary>
    public Task OnByeAsync(OutboundLeg leg)
    {
        lock (_gate)
        {
            if (leg == _customerLeg) return HangupAsync(CallbackEnd.CustomerHungUp, null);
            if (_agent?.Leg == leg) return HangupAsync(CallbackEnd.AgentHungUp, null);
        }
        return Task.CompletedTask;
    }

    /// <summary>Ends both legs once, tells the core how it ended (unless the core ended it), and frees media.</summary>
    public async Task HangupAsync(CallbackEnd end, string? reason)
    {
        CallbackCallPhase previous;
        AgentLeg? ring;
        OutboundLeg? customer;
        bool outsideCore;
        bool answered;
        lock (_gate)
        {
            previous = _phase;
            if (previous == CallbackCallPhase.Ended) return;
            _phase = CallbackCallPhase.Ended;
            ring = _agent;
            customer = _customerLeg;
            outsideCore = OutsideCore;
            answered = _customerAnswered;
        }
        await _life.CancelAsync();
        if (end == CallbackEnd.CustomerHungUp) customer?.MarkEnded();
        else customer?.Hangup();
        ring?.End(agentHungUp: end == CallbackEnd.AgentHungUp);

        var engine = _parts.Engine;
        if (outsideCore) ReportIvr(end, reason, answered);
        else switch (end)
        {
            case CallbackEnd.CoreEnded:
                break;
            case CallbackEnd.CustomerHungUp or CallbackEnd.AgentHungUp when previous == CallbackCallPhase.Connected:
                await engine.EndInteractionAsync(Id);
                break;
            case CallbackEnd.CustomerHungUp:
                // Reached, but gone before an agent took over.
                await engine.AbandonInteractionAsync(Id, "customer hung up");
                break;
            case CallbackEnd.RtpTimeout or CallbackEnd.MaxDuration when previous == CallbackCallPhase.Connected:
                await engine.EndInteractionAsync(Id);
                break;
            case CallbackEnd.RtpTimeout or CallbackEnd.MaxDuration:
                // The customer was reached, so not a failure to redial automatically (a vanished phone could be dialled
                // again and again); a person decides.
                await engine.AbandonInteractionAsync(Id, reason ?? "ended");
                break;
            default:
                // The agent gave up while the customer's phone rang, or the customer was not reached: worth another attempt.
                await engine.FailInteractionAsync(Id, reason ?? "failed");
                break;
        }
        LogEnded(_log, Id, end, previous, reason ?? "");
        await CleanupAsync(ring);
    }

    private async Task CleanupAsync(AgentLeg? ring)
    {
        if (Interlocked.Exchange(ref _cleanedUp, 1) == 1) return;
        await StopPlaybackAsync();
        RtpRelay? bridge;
        CallMedia? customerMedia;
        OutboundLeg? customerLeg;
        lock (_gate)
        {
            bridge = _bridge;
            _bridge = null;
            customerMedia = _customerMedia;
            _customerMedia = null;
            customerLeg = _customerLeg;
        }
        bridge?.Dispose();
        ITimer? maxLength;
        string? line;
        lock (_gate)
        {
            maxLength = _maxLength;
            _maxLength = null;
            line = _trunkLine;
            _trunkLine = null;
        }
        if (maxLength is not null) await maxLength.DisposeAsync();
        if (line is not null) _parts.Registry.ReleaseTrunkLine(line);
        if (ring is not null) await ring.FreeMediaAsync();
        if (customerMedia is not null) await customerMedia.DisposeAsync();
        // _life is not disposed: the call's tasks may still read its token on their way out.
        _parts.Registry.ForgetCallback(this, customerLeg, ring?.Leg);
    }

    private sealed record Playback(CancellationTokenSource Stop, Task Task);

    [LoggerMessage(EventId = 540, Level = LogLevel.Information, Message = "Call-back {Callback}: ringing agent {Agent}")]
    private static partial void LogRingingAgent(ILogger logger, string callback, string agent);

    [LoggerMessage(EventId = 541, Level = LogLevel.Information, Message = "Call-back {Callback}: dialling the customer through trunk {Trunk}")]
    private static partial void LogDialling(ILogger logger, string callback, string trunk);

    [LoggerMessage(EventId = 542, Level = LogLevel.Information, Message = "Call-back {Callback}: the customer answered")]
    private static partial void LogCustomerAnswered(ILogger logger, string callback);

    [LoggerMessage(EventId = 543, Level = LogLevel.Information, Message = "Call-back {Callback}: customer not reached ({Reason})")]
    private static partial void LogCustomerNotReached(ILogger logger, string callback, string reason);

    [LoggerMessage(EventId = 544, Level = LogLevel.Information, Message = "Call-back {Callback}: connected to agent {Agent} ({Mode})")]
    private static partial void LogConnected(ILogger logger, string callback, string agent, CallbackDialMode mode);

    [LoggerMessage(EventId = 545, Level = LogLevel.Information, Message = "Call-back {Callback}: agent {Agent} leg failed ({Reason})")]
    private static partial void LogAgentFailed(ILogger logger, string callback, string agent, string reason);

    [LoggerMessage(EventId = 546, Level = LogLevel.Information, Message = "Call-back {Callback} ended ({End}) in phase {Phase} {Reason}")]
    private static partial void LogEnded(ILogger logger, string callback, CallbackEnd end, CallbackCallPhase phase, string reason);

    [LoggerMessage(EventId = 547, Level = LogLevel.Error, Message = "Call-back {Callback}: no trunk has an outbound peer (Trunks[].Outbound, Queues[].Callbacks.Trunk); cannot dial the customer")]
    private static partial void LogNoTrunk(ILogger logger, string callback);

    [LoggerMessage(EventId = 548, Level = LogLevel.Warning, Message = "Call-back {Callback}: '{Address}' is not a number or SIP URI that can be dialled")]
    private static partial void LogNoAddress(ILogger logger, string callback, string address);

    [LoggerMessage(EventId = 549, Level = LogLevel.Information, Message = "Call-back {Callback}: no longer queued (done or cancelled meanwhile); not dialled")]
    private static partial void LogNotDialling(ILogger logger, string callback);

    [LoggerMessage(EventId = 16520, Level = LogLevel.Warning, Message = "Call-back {Callback}: not dialled, trunk {Trunk}'s dial-out rule {Rule} refuses it")]
    private static partial void LogDialOutRefused(ILogger logger, string callback, string trunk, string rule);

    [LoggerMessage(EventId = 16521, Level = LogLevel.Information, Message = "Call-back {Callback}: hung up at the trunk's maximum call length ({Seconds} s)")]
    private static partial void LogMaxLength(ILogger logger, string callback, int seconds);

    [LoggerMessage(EventId = 16950, Level = LogLevel.Warning, Message = "Call-back {Callback}: no RTP for {Silent}; hanging up both legs")]
    private static partial void LogWatchRtpTimeout(ILogger logger, string callback, TimeSpan silent);

    [LoggerMessage(EventId = 16951, Level = LogLevel.Information, Message = "Call-back {Callback}: the longest call ({Max}) is reached; hanging up both legs")]
    private static partial void LogWatchMaxDuration(ILogger logger, string callback, TimeSpan max);

    [LoggerMessage(EventId = 553, Level = LogLevel.Warning, Message = "Call-back {Callback}: trunk {Trunk}'s outbound host '{Host}' has no address (DNS A/AAAA); not dialled, retried later")]
    private static partial void LogUnresolvable(ILogger logger, string callback, string trunk, string host);

    [LoggerMessage(EventId = 552, Level = LogLevel.Error, Message = "Call-back {Callback} failed")]
    private static partial void LogFailed(ILogger logger, string callback, Exception exception);

    [LoggerMessage(EventId = 551, Level = LogLevel.Warning, Message = "Call-back {Callback}: the core did not let agent {Agent} take it: {Why}")]
    private static partial void LogOfferLost(ILogger logger, string callback, string agent, string why);
}

public enum CallbackEnd
{
    CustomerHungUp,
    AgentHungUp,
    CoreEnded,

    /// <summary>The customer was not reached, or the attempt could not go on; the core hears the reason.</summary>
    Failure,

    /// <summary>A leg that should send RTP stayed silent for <see cref="VoiceSettings.RtpTimeout"/>; both legs get BYE.</summary>
    RtpTimeout,

    /// <summary><see cref="VoiceSettings.MaxCallDuration"/> from the customer's answer; both legs get BYE.</summary>
    MaxDuration,

    /// <summary>An automated call-back's flow ended without queueing: the customer was served by it.</summary>
    FlowEnded,
}
