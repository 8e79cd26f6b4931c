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

    public CallbackCall(CallParts parts, InteractionView interaction, CallbackDialMode mode, ILogger log)
    {
        _parts = parts;
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
            if (await RefusedByDialOutAsync(takeLine: false)) return;
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
            if (_phase == CallbackCallPhase.Ended) return;
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
        if (customerOnLine) await _parts.Engine.TransferAsync(Id, _interaction.QueueId);
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
        lock (_gate)
        {
            previous = _phase;
            if (previous == CallbackCallPhase.Ended) return;
            _phase = CallbackCallPhase.Ended;
            ring = _agent;
            customer = _customerLeg;
        }
        await _life.CancelAsync();
        if (end == CallbackEnd.CustomerHungUp) customer?.MarkEnded();
        else customer?.Hangup();
        ring?.End(agentHungUp: end == CallbackEnd.AgentHungUp);

        var engine = _parts.Engine;
        switch (end)
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

    // ---- what the gateway plays -------------------------------------------------------------------------------------

    /// <summary>Starts prompts then music on a leg; called under the gate so a hang-up in between cannot miss it.</summary>
    private Playback Play(CallMedia media, IReadOnlyList<string?> prompts, string? music, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        return new Playback(cts, Task.Run(() => PlayAsync(media, prompts, music, cts.Token), CancellationToken.None));
    }

    private async Task PlayAsync(CallMedia media, IReadOnlyList<string?> prompts, string? music, CancellationToken ct)
    {
        try
        {
            var codec = media.Audio?.Codec ?? G711Codec.Pcmu;
            foreach (var id in prompts)
                if (id is not null && _parts.Announcer.OptionalPrompt(id, codec) is { } prompt)
                    await media.PlayAsync(prompt, ct);
            if (music is not null && _parts.Announcer.OptionalPrompt(music, codec) is { } hold)
                await media.PlayOnHoldAsync(hold, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException) when (ct.IsCancellationRequested)
        {
            // Bridged while a prompt was starting: the relay owns the stream now.
        }
    }

    private async Task StopPlaybackAsync()
    {
        Playback? customer;
        Playback? agent;
        lock (_gate)
        {
            customer = _customerAudio;
            agent = _agentAudio;
            _customerAudio = null;
            _agentAudio = null;
        }
        foreach (var p in new[] { customer, agent })
        {
            if (p is null) continue;
            await p.Stop.CancelAsync();
            await p.Task;
            p.Stop.Dispose();
        }
    }

    // ---- in-dialog requests -------------------------------------------------------------------------------------------

    /// <summary>BYE, INFO, re-INVITE, UPDATE or OPTIONS from one of the legs. False: not handled (the stack answers).</summary>
    public bool TakeInDialogRequest(SipServerTransaction transaction, OutboundLeg leg)
    {
        var request = transaction.Request;
        if (!leg.Accept(request))
        {
            InDialogRouter.Respond(transaction, 500);
            return true;
        }
        OutboundLeg? other;
        CallMedia? media;
        bool connected;
        lock (_gate)
        {
            var fromCustomer = leg == _customerLeg;
            other = fromCustomer ? _agent?.Leg : _customerLeg;
            media = fromCustomer ? _customerMedia : _agent?.Media;
            connected = _phase == CallbackCallPhase.Connected;
        }
        switch (request.Method)
        {
            case SipMethods.Bye:
                InDialogRouter.Respond(transaction, 200);
                _ = OnByeAsync(leg);
                return true;
            case SipMethods.Info:
                // DTMF relayed once bridged (e.g. to the customer's own IVR); before that there is nothing to collect.
                if (connected) other?.SendInfo(request.ContentType ?? "application/dtmf-relay", request.Body);
                InDialogRouter.Respond(transaction, 200);
                return true;
            case SipMethods.Invite or SipMethods.Update or SipMethods.Options:
                InDialogRouter.AnswerInDialog(transaction, media, _parts.Dialler.Sip);
                return true;
            default:
                return false;
        }
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
}
