using Ccgw.Core;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Media;
using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Media.Sdp;
using Ccgw.Media.Transport;
using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

public enum VoiceCallPhase
{
    /// <summary>Answered; the caller is in the flow (prompts, menu, digits).</summary>
    Ivr,

    /// <summary>Waiting in a queue: announcements and music on hold.</summary>
    Queued,

    /// <summary>An agent's phone rings; the caller still hears the queue.</summary>
    Ringing,

    /// <summary>Bridged to the agent; the gateway relays RTP both ways.</summary>
    Connected,

    Ended,
}

/// <summary>
/// One customer call from answer to hang-up: the caller's leg, the flow, the queue, and at most one agent leg at a
/// time. Signalling events arrive from the SIP stack's threads and core events from the gateway's event loop; the
/// phase is changed only under <see cref="_gate"/>, and every side effect that awaits runs outside it.
/// Its collaborators are passed in (<see cref="CallParts"/>): the core, the dialler for agent legs, the registry
/// that routes those legs' requests here, the announcer, the call-back list, the metrics and the clock; never the gateway.
/// </summary>
internal sealed partial class VoiceCall
{
    private readonly CallParts _parts;
    private readonly InboundLeg _caller;
    private readonly CallMedia _callerMedia;
    private readonly FlowRun _flow;
    private readonly CancellationTokenSource _life = new();
    private readonly Lock _gate = new();
    private readonly ILogger _log;
    private readonly SessionKeeper _session;
    private VoiceCallPhase _phase;
    private string? _interactionId;
    private string? _queueId;
    private AgentLeg? _attempt;
    private CancellationTokenSource? _waiting;
    private Task _waitingTask = Task.CompletedTask;
    private RtpRelay? _bridge;
    private long? _connectedAt;
    private int _cleanedUp;

    /// <param name="sessionTimer">The RFC 4028 session timer agreed in our 200 (none: the in-dialog probe, if configured).</param>
    public VoiceCall(CallParts parts, InboundLeg caller, CallMedia callerMedia, FlowDefinition flow, CallerIdentity identity, ILogger log,
        SessionTimerAgreement? sessionTimer = null)
    {
        _parts = parts;
        _caller = caller;
        _callerMedia = callerMedia;
        _flow = new FlowRun(flow);
        Identity = identity;
        _log = log;
        _session = new SessionKeeper(parts.Time, sessionTimer, parts.Settings.DialogProbeInterval);
        // RFC 3261 §13.3.1.4: no ACK for our 2xx within 64*T1 (the transaction's Timer L) ends the call with BYE.
        caller.Transaction.AckTimeout += OnCallerNeverAcked;
    }

    /// <summary>The adapter's key for this call (the core's ChannelKey); never shown to either party.</summary>
    public string Key { get; } = "call-" + Guid.NewGuid().ToString("N");

    public CallerIdentity Identity { get; }

    public InboundLeg Caller => _caller;

    public VoiceCallPhase Phase
    {
        get { lock (_gate) return _phase; }
    }

    public string? InteractionId
    {
        get { lock (_gate) return _interactionId; }
    }

    /// <summary>The flow: prompts, digits, then queue, call-back or hang-up. Runs on its own task from answer.</summary>
    public async Task RunFlowAsync()
    {
        var ct = _life.Token;
        try
        {
            var directive = _flow.Start();
            while (!ct.IsCancellationRequested)
            {
                switch (directive)
                {
                    case AwaitInput ask:
                        var digit = await PromptAndReadDigitAsync(ask.Prompts, ask.Expect.Timeout, ct);
                        directive = (digit is { } d ? _flow.Digit(d) : _flow.Timeout()) ?? directive;
                        break;
                    case EnterQueue queue:
                        await PlayAsync(queue.Prompts, ct);
                        if (await EnqueueAsync(queue, ct)) return;
                        directive = _flow.Continue() ?? new EndConversation([], "hangup");
                        break;
                    case RequestCallback callback:
                        if (await _parts.Callbacks.RecordRequestAsync(Key, Identity, callback.QueueId, ct) is { } refused)
                            await PlayAsync(RefusalPrompts(refused), ct); // not "we will call you back": nobody would
                        else
                            await PlayAsync(callback.Prompts, ct);
                        directive = _flow.Continue() ?? new EndConversation([], "hangup");
                        break;
                    case EndConversation end:
                        await PlayAsync(end.Prompts, ct);
                        LogFlowEnded(_log, Key, end.Reason);
                        await HangupAsync(CallEnd.FlowEnded);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A failing call must hang up and free its ports, never take the gateway down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCallFailed(_log, Key, e);
            await HangupAsync(CallEnd.Failure);
        }
    }

    // ---- flow rendering -------------------------------------------------------------------------------------------

    private FlowPlayer Player => new(_callerMedia, _parts.Announcer, _parts.Time);

    /// <summary>Plays the prompts (a key press stops them: barge-in), then waits for a key up to <paramref name="timeout"/>.</summary>
    private Task<char?> PromptAndReadDigitAsync(IReadOnlyList<string> prompts, TimeSpan timeout, CancellationToken ct) =>
        Player.PromptAndReadDigitAsync(prompts, timeout, ct);

    private Task PlayAsync(IEnumerable<string> prompts, CancellationToken ct) => Player.PlayAsync(prompts, ct);

    /// <summary>
    /// What a caller whose call-back was not booked hears: <c>callback-refused-{reason}</c> (e.g.
    /// <c>callback-refused-deny</c>, naming the dial-out rule) when configured, else <c>callback-refused</c> (docs/voice.md).
    /// </summary>
    private string[] RefusalPrompts(string reason) =>
        Prompt(CallbackRefusedPrompt + "-" + reason) is not null ? [CallbackRefusedPrompt + "-" + reason] : [CallbackRefusedPrompt];

    internal const string CallbackRefusedPrompt = "callback-refused";

    private AudioPrompt? Prompt(string id) => Player.Prompt(id);

    // ---- queue ----------------------------------------------------------------------------------------------------

    private async Task<bool> EnqueueAsync(EnterQueue queue, CancellationToken ct)
    {
        var queueId = queue.QueueId;
        SubmitResult result;
        try
        {
            result = await _parts.Engine.SubmitInteractionAsync(new InteractionRequest
            {
                Channel = InteractionChannel.Voice,
                QueueId = queueId,
                Address = Identity.Number,
                CustomerId = Identity.CustomerId,
                ChannelKey = Key,
                Product = queue.Product,
                Variables = queue.Variables.Count > 0 ? queue.Variables : null,
            }, ct);
        }
        catch (ArgumentException e)
        {
            LogQueueRefused(_log, Key, queueId, e.Message);
            return false;
        }
        lock (_gate)
        {
            if (_phase == VoiceCallPhase.Ended) return true;
            _interactionId = result.InteractionId;
            _queueId = queueId;
            if (_phase == VoiceCallPhase.Ivr) _phase = VoiceCallPhase.Queued;
            _waiting = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
            _waitingTask = WaitInQueueAsync(queueId, result.Position, result.Ewt, result.State == InteractionState.Queued, _waiting.Token);
        }
        LogQueued(_log, Key, result.InteractionId, queueId, result.Position);
        return true;
    }

    /// <summary>
    /// Position and estimated wait on entry and every <see cref="VoiceSettings.AnnounceEvery"/>; between them the
    /// queue's hold prompt (or the site's music on hold).
    /// </summary>
    private async Task WaitInQueueAsync(string queueId, int position, WaitEstimate ewt, bool announce, CancellationToken ct)
    {
        try
        {
            var announcer = _parts.Announcer;
            if (announce) await AnnounceAsync(position, ewt, ct);
            var every = announcer.AnnounceEvery;
            while (!ct.IsCancellationRequested)
            {
                using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var music = announcer.HoldMusicFor(queueId) is { } moh && Prompt(moh) is { } mohPrompt
                    ? _callerMedia.PlayOnHoldAsync(mohPrompt, hold.Token)
                    : Task.FromResult(PlaybackOutcome.Completed);
                await Task.Delay(every > TimeSpan.Zero ? every : Timeout.InfiniteTimeSpan, _parts.Time, ct);
                await hold.CancelAsync();
                await music;
                if (InteractionId is not { } id || await _parts.Engine.GetInteractionAsync(id, ct) is not { } status) return;
                // Overflow may have moved the caller: the next hold music is the new queue's.
                queueId = status.Interaction.QueueId;
                if (status.Interaction.State == InteractionState.Queued) await AnnounceAsync(status.Position, status.Ewt, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException) when (ct.IsCancellationRequested)
        {
            // Bridged while a prompt was starting: the relay owns the stream now.
        }
    }

    private async Task AnnounceAsync(int position, WaitEstimate ewt, CancellationToken ct)
    {
        LogAnnouncing(_log, Key, position, ewt.Seconds);
        await PlayAsync(_parts.Announcer.Announcement(position, ewt), ct);
    }

    private async Task StopWaitingAsync()
    {
        CancellationTokenSource? waiting;
        Task task;
        lock (_gate)
        {
            waiting = _waiting;
            task = _waitingTask;
            _waiting = null;
        }
        if (waiting is null) return;
        await waiting.CancelAsync();
        await task;
        waiting.Dispose();
    }

    // ---- agent leg --------------------------------------------------------------------------------------------------

    /// <summary>The core offered this caller to an agent: ring the agent's phone.</summary>
    public void OnOfferMade(Offer offer)
    {
        AgentLeg attempt;
        lock (_gate)
        {
            _interactionId ??= offer.InteractionId;
            // An attempt whose offer already closed (timed out, withdrawn) is on its way out; the new offer replaces it.
            if (_attempt is { Closed: true })
            {
                _attempt = null;
                if (_phase == VoiceCallPhase.Ringing) _phase = VoiceCallPhase.Queued;
            }
            if (_phase is not (VoiceCallPhase.Queued or VoiceCallPhase.Ivr) || _attempt is not null)
            {
                _ = _parts.Engine.RejectOfferAsync(offer.AgentId, offer.InteractionId, "caller is not waiting");
                return;
            }
            _phase = VoiceCallPhase.Ringing;
            attempt = new AgentLeg(offer);
            _attempt = attempt;
        }
        _ = RingAgentAsync(attempt);
    }

    /// <summary>The offer closed without our answer (timed out, withdrawn, rejected by console): stop ringing.</summary>
    public void OnOfferClosed(Offer offer, OfferOutcome outcome)
    {
        if (outcome == OfferOutcome.Accepted) return;
        AgentLeg? attempt;
        lock (_gate)
        {
            attempt = _attempt?.Offer.OfferId == offer.OfferId ? _attempt : null;
            if (attempt is null) return;
            attempt.Closed = true;
        }
        attempt.StopRinging();
    }

    private async Task RingAgentAsync(AgentLeg attempt)
    {
        var offer = attempt.Offer;
        var ct = _life.Token;
        try
        {
            LogRingingAgent(_log, Key, offer.AgentId);
            var dialler = _parts.Dialler;
            var failure = await attempt.RingAsync(dialler, dialler.Sip.OnDomain(Identity.Number ?? "anonymous", Identity.DisplayName),
                leg => _parts.Registry.RouteAgentLeg(leg, this), _gate, () => _phase != VoiceCallPhase.Ended, ct);
            if (failure is not null)
            {
                await FailAttemptAsync(attempt, failure);
                return;
            }
            await ConnectAsync(attempt, attempt.Leg!, attempt.Media!);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await attempt.AbandonAsync();
        }
    }

    private async Task ConnectAsync(AgentLeg attempt, OutboundLeg leg, CallMedia media)
    {
        bool stillWanted;
        lock (_gate) stillWanted = _phase == VoiceCallPhase.Ringing && _attempt == attempt && !attempt.Closed;
        if (!stillWanted)
        {
            leg.Hangup();
            await FailAttemptAsync(attempt, "offer closed");
            return;
        }
        var connected = await _parts.Engine.MarkConnectedAsync(attempt.Offer.InteractionId);
        if (!connected.IsOk)
        {
            // The offer timed out as the phone was answered; the core has moved on (re-queued or re-offered).
            leg.Hangup();
            await FailAttemptAsync(attempt, "offer closed");
            return;
        }
        await StopWaitingAsync();
        // A blind transfer to an agent that failed put the caller back in the queue with music on hold playing.
        await StopHoldMusicAsync();
        lock (_gate)
        {
            if (_phase != VoiceCallPhase.Ringing)
            {
                stillWanted = false;
            }
            else
            {
                _bridge = _callerMedia.BridgeTo(media);
                _phase = VoiceCallPhase.Connected;
                _connectedAt = _parts.Time.GetTimestamp();
            }
        }
        if (!stillWanted)
        {
            leg.Hangup();
            return;
        }
        LogConnected(_log, Key, attempt.Offer.AgentId);
        _parts.Metrics.CountAgentLeg("answered");
    }

    /// <summary>
    /// The agent did not answer, was busy, rejected or unreachable: the caller goes back to their place in the queue
    /// (the core orders by arrival, so it is the head if they were next) and the agent rests briefly (reject cooldown).
    /// </summary>
    private async Task FailAttemptAsync(AgentLeg attempt, string reason)
    {
        string? id;
        string? queue;
        // Free the caller first: the core may already be offering them to the next agent.
        lock (_gate)
        {
            if (_attempt == attempt)
            {
                _attempt = null;
                if (_phase == VoiceCallPhase.Ringing) _phase = VoiceCallPhase.Queued;
            }
            id = _interactionId;
            queue = _queueId;
        }
        await attempt.FreeMediaAsync();
        LogAgentLegFailed(_log, Key, attempt.Offer.AgentId, reason);
        _parts.Metrics.CountAgentLeg(reason);
        if (id is null || Phase == VoiceCallPhase.Ended) return;
        var engine = _parts.Engine;
        var rejected = await engine.RejectOfferAsync(attempt.Offer.AgentId, id, reason);
        if (rejected.IsOk || queue is null) return;
        // A console accepted the offer while the phone rang, then the phone failed: queue the caller again.
        if (await engine.GetInteractionAsync(id) is { Interaction: { State: InteractionState.Connected } view } && view.AgentId == attempt.Offer.AgentId)
            await engine.TransferAsync(id, queue);
    }

    // ---- after a gap in the core's events ---------------------------------------------------------------------------

    /// <summary>The gateway missed some of the core's events: compare this call with the core's view and catch up.</summary>
    public async Task ResyncAsync(CancellationToken cancellationToken)
    {
        string? id;
        AgentLeg? attempt;
        VoiceCallPhase phase;
        lock (_gate)
        {
            id = _interactionId;
            attempt = _attempt is { Closed: false } a ? a : null;
            phase = _phase;
        }
        if (id is null || phase == VoiceCallPhase.Ended) return; // still in the flow: the core has not seen this call yet
        await CoreResync.CatchUpAsync(_parts.Engine, id,
            ringing: phase == VoiceCallPhase.Ringing ? attempt?.Offer : null,
            connectedAgent: phase == VoiceCallPhase.Connected ? attempt?.Offer.AgentId : null,
            () => HangupAsync(CallEnd.CoreEnded), offer => OnOfferClosed(offer, OfferOutcome.Withdrawn), cancellationToken);
    }

    // ---- peers that vanished -------------------------------------------------------------------------------------------

    private void OnCallerNeverAcked(Sip.Transactions.SipServerInviteTransaction invite)
    {
        if (_caller.State != InboundLegState.Answered) return; // a rejected INVITE's Timer H: nothing of ours is up
        LogNoAck(_log, Key, _parts.Time.GetUtcNow());
        _ = HangupAsync(CallEnd.NoAck);
    }

    /// <summary>
    /// Starts watching the call for a peer that went away without BYE: the longest call (<see cref="VoiceSettings.MaxCallDuration"/>)
    /// and RTP silence (<see cref="VoiceSettings.RtpTimeout"/>) from any leg that should be sending. Call before answering.
    /// </summary>
    public void StartSupervision()
    {
        if (_session.Active) _ = KeepSessionAsync(_life.Token);
        var settings = _parts.Settings;
        if (settings.MaxCallDuration <= TimeSpan.Zero && settings.RtpTimeout <= TimeSpan.Zero) return;
        _ = SuperviseAsync(_parts.Time.GetTimestamp(), _life.Token);
    }

    private async Task SuperviseAsync(long answeredAt, CancellationToken ct)
    {
        var settings = _parts.Settings;
        try
        {
            switch (await CallWatch.RunAsync(_parts.Time, answeredAt, settings.MaxCallDuration, settings.RtpTimeout, LongestSilence, ct))
            {
                case { Limit: CallWatchLimit.MaxDuration } verdict:
                    LogMaxDuration(_log, Key, verdict.Measured);
                    await HangupAsync(CallEnd.MaxDuration);
                    break;
                case { Limit: CallWatchLimit.RtpTimeout } verdict:
                    LogRtpTimeout(_log, Key, verdict.Measured);
                    await HangupAsync(CallEnd.RtpTimeout);
                    break;
            }
        }
#pragma warning disable CA1031 // A supervisor that fails must not take the gateway down; the call still ends on BYE.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSupervisionFailed(_log, Key, e);
        }
    }

    /// <summary>
    /// The caller's session timer or, without one, the in-dialog probe (<see cref="SessionKeeper"/>): a session that
    /// expired or a dialog the caller no longer holds (481, 408, no answer) ends the call with BYE on both legs.
    /// </summary>
    private async Task KeepSessionAsync(CancellationToken ct)
    {
        try
        {
            switch (await _session.RunAsync(_caller, ct))
            {
                case SessionLoss.SessionExpired:
                    LogSessionExpired(_log, Key, _session.Agreement?.Interval ?? TimeSpan.Zero);
                    await HangupAsync(CallEnd.SessionExpired);
                    break;
                case SessionLoss.DialogGone:
                    LogDialogGone(_log, Key);
                    await HangupAsync(CallEnd.DialogGone);
                    break;
            }
        }
#pragma warning disable CA1031 // A keeper that fails must not take the gateway down; the other watches still end the call.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSessionKeepingFailed(_log, Key, e);
        }
    }

    /// <summary>What our 2xx to the caller's re-INVITE or UPDATE says about the session timer (RFC 4028 §9); 422 when too brief.</summary>
    public SessionTimerVerdict NegotiateRefresh(SipRequest request)
    {
        var verdict = SessionTimer.Negotiate(request, _parts.Settings.SessionTimers);
        // A refresh without Session-Expires keeps the session's timer: the 2xx repeats it, so both sides still agree.
        return verdict.Reject || verdict.Agreement is not null ? verdict : new SessionTimerVerdict(_session.Agreement, null);
    }

    /// <summary>We answered the caller's refresh with 2xx: its session runs for another interval.</summary>
    public void OnSessionRefreshed(SessionTimerAgreement? agreement) => _session.PeerRefreshed(agreement);

    /// <summary>The longest RTP silence of the legs that should be sending now: the caller, and the agent once bridged (counted from then).</summary>
    private TimeSpan LongestSilence()
    {
        CallMedia? agent;
        long? connectedAt;
        lock (_gate)
        {
            agent = _phase == VoiceCallPhase.Connected ? _attempt?.Media : null;
            connectedAt = _connectedAt;
        }
        var silent = _callerMedia.ExpectsMedia ? _callerMedia.Leg.SilentFor : TimeSpan.Zero;
        if (agent is { ExpectsMedia: true } && connectedAt is { } since)
        {
            var agentSilent = agent.Leg.SilentFor;
            var bridged = _parts.Time.GetElapsedTime(since);
            var counted = agentSilent < bridged ? agentSilent : bridged;
            if (counted > silent) silent = counted;
        }
        return silent;
    }

    // ---- hang-up ---------------------------------------------------------------------------------------------------

    /// <summary>The core ended the interaction (console hang-up, supervisor) while we still had legs up.</summary>
    public void OnInteractionFinished(InteractionState state)
    {
        if (state is InteractionState.WrapUp or InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
            _ = HangupAsync(CallEnd.CoreEnded);
    }

    public Task OnCallerByeAsync() => HangupAsync(CallEnd.CallerHungUp);

    public Task OnAgentByeAsync(OutboundLeg leg)
    {
        bool consultLeg;
        lock (_gate)
        {
            consultLeg = _consult?.Leg == leg;
            if (!consultLeg && _attempt?.Leg != leg) return Task.CompletedTask;
        }
        return consultLeg ? OnConsultByeAsync() : HangupAsync(CallEnd.AgentHungUp);
    }

    /// <summary>Ends both legs once, tells the core how it ended, and frees media and routing entries.</summary>
    public async Task HangupAsync(CallEnd reason)
    {
        VoiceCallPhase previous;
        AgentLeg? attempt;
        string? id;
        lock (_gate)
        {
            previous = _phase;
            if (previous == VoiceCallPhase.Ended) return;
            _phase = VoiceCallPhase.Ended;
            attempt = _attempt;
            id = _interactionId;
        }
        await _life.CancelAsync();

        if (reason == CallEnd.CallerHungUp) _caller.MarkEnded();
        else _caller.Hangup();
        attempt?.End(agentHungUp: reason == CallEnd.AgentHungUp);
        await EndConsultLegAsync();

        if (id is not null && reason != CallEnd.CoreEnded)
        {
            var engine = _parts.Engine;
            _ = previous == VoiceCallPhase.Connected
                ? await engine.EndInteractionAsync(id)
                : await engine.AbandonInteractionAsync(id, reason switch
                {
                    CallEnd.CallerHungUp => "caller hung up",
                    CallEnd.NoAck => "no ACK from the caller",
                    CallEnd.RtpTimeout => "no RTP from the caller",
                    CallEnd.MaxDuration => "longest call reached",
                    CallEnd.SessionExpired => "session expired",
                    CallEnd.DialogGone => "the caller's dialog is gone",
                    _ => reason.ToString(),
                });
        }
        LogCallEnded(_log, Key, reason, previous);
        _parts.Metrics.CountCallEnd(reason);
        await CleanupAsync(attempt);
    }

    private async Task CleanupAsync(AgentLeg? attempt)
    {
        if (Interlocked.Exchange(ref _cleanedUp, 1) == 1) return;
        await StopWaitingAsync();
        await StopHoldMusicAsync();
        RtpRelay? bridge;
        lock (_gate)
        {
            bridge = _bridge;
            _bridge = null;
        }
        bridge?.Dispose();
        if (attempt is not null) await attempt.FreeMediaAsync();
        await _callerMedia.DisposeAsync();
        _parts.Registry.Forget(this, attempt?.Leg);
        _life.Dispose();
    }

    // ---- in-dialog requests -------------------------------------------------------------------------------------------

    /// <summary>DTMF by SIP INFO: collected during the flow, relayed to the other leg once bridged. True: answer 200.</summary>
    public bool OnInfo(SipRequest info, bool fromCaller)
    {
        OutboundLeg? agent;
        bool connected;
        lock (_gate)
        {
            connected = _phase == VoiceCallPhase.Connected;
            agent = _attempt?.Leg;
        }
        if (connected)
        {
            if (fromCaller) agent?.SendInfo(info.ContentType ?? "application/dtmf-relay", info.Body);
            else _caller.SendInfo(info.ContentType ?? "application/dtmf-relay", info.Body);
            return true;
        }
        return fromCaller && _callerMedia.AcceptSipInfo(info.ContentType, SipSignalling.BodyText(info));
    }

    /// <summary>The media of the caller's leg or of the agent leg in progress (a re-INVITE is answered from it).</summary>
    public CallMedia? MediaOf(bool caller)
    {
        lock (_gate) return caller ? _callerMedia : _attempt?.Media;
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Call {Call}: queued as {Interaction} in {Queue} at position {Position}")]
    private static partial void LogQueued(ILogger logger, string call, string interaction, string queue, int position);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Call {Call}: ringing agent {Agent}")]
    private static partial void LogRingingAgent(ILogger logger, string call, string agent);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "Call {Call}: connected to agent {Agent}")]
    private static partial void LogConnected(ILogger logger, string call, string agent);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Call {Call}: agent {Agent} leg failed ({Reason}); the caller keeps their place")]
    private static partial void LogAgentLegFailed(ILogger logger, string call, string agent, string reason);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Call {Call} ended ({Reason}) in phase {Phase}")]
    private static partial void LogCallEnded(ILogger logger, string call, CallEnd reason, VoiceCallPhase phase);

    [LoggerMessage(EventId = 505, Level = LogLevel.Error, Message = "Call {Call} failed")]
    private static partial void LogCallFailed(ILogger logger, string call, Exception exception);

    [LoggerMessage(EventId = 507, Level = LogLevel.Warning, Message = "Call {Call}: queue {Queue} refused the caller: {Why}")]
    private static partial void LogQueueRefused(ILogger logger, string call, string queue, string why);

    [LoggerMessage(EventId = 15200, Level = LogLevel.Debug, Message = "Call {Call}: announcing position {Position}, estimated wait {WaitSeconds} s")]
    private static partial void LogAnnouncing(ILogger logger, string call, int position, double? waitSeconds);

    [LoggerMessage(EventId = 16600, Level = LogLevel.Warning, Message = "Call {Call}: the caller never ACKed our 200 OK (64*T1, at {At}); hanging up with BYE")]
    private static partial void LogNoAck(ILogger logger, string call, DateTimeOffset at);

    [LoggerMessage(EventId = 16601, Level = LogLevel.Warning, Message = "Call {Call}: no RTP for {Silent}; hanging up both legs")]
    private static partial void LogRtpTimeout(ILogger logger, string call, TimeSpan silent);

    [LoggerMessage(EventId = 16602, Level = LogLevel.Information, Message = "Call {Call}: the longest call ({Max}) is reached; hanging up both legs")]
    private static partial void LogMaxDuration(ILogger logger, string call, TimeSpan max);

    [LoggerMessage(EventId = 16603, Level = LogLevel.Error, Message = "Call {Call}: the watch for a vanished peer failed; the call now ends only on BYE")]
    private static partial void LogSupervisionFailed(ILogger logger, string call, Exception exception);

    [LoggerMessage(EventId = 16420, Level = LogLevel.Warning, Message = "Call {Call}: the caller did not refresh its session (RFC 4028, interval {Interval}); hanging up both legs")]
    private static partial void LogSessionExpired(ILogger logger, string call, TimeSpan interval);

    [LoggerMessage(EventId = 16421, Level = LogLevel.Warning, Message = "Call {Call}: the caller no longer holds the dialog (our refresh or probe got 481/408 or no answer); hanging up both legs")]
    private static partial void LogDialogGone(ILogger logger, string call);

    [LoggerMessage(EventId = 16422, Level = LogLevel.Error, Message = "Call {Call}: the session keeper failed; the call now ends on BYE or the other watches")]
    private static partial void LogSessionKeepingFailed(ILogger logger, string call, Exception exception);

    [LoggerMessage(EventId = 508, Level = LogLevel.Information, Message = "Call {Call}: flow ended ({Reason})")]
    private static partial void LogFlowEnded(ILogger logger, string call, string reason);

}

public enum CallEnd
{
    CallerHungUp,
    AgentHungUp,
    FlowEnded,
    CoreEnded,
    Failure,

    /// <summary>The caller never ACKed our 2xx (RFC 3261 §13.3.1.4).</summary>
    NoAck,

    /// <summary>A leg that should send RTP stayed silent for <see cref="VoiceSettings.RtpTimeout"/>.</summary>
    RtpTimeout,

    /// <summary><see cref="VoiceSettings.MaxCallDuration"/> reached.</summary>
    MaxDuration,

    /// <summary>RFC 4028: the session was not refreshed before it expired.</summary>
    SessionExpired,

    /// <summary>Our session refresh or in-dialog OPTIONS got 481/408 or no answer: the caller no longer holds the dialog.</summary>
    DialogGone,
}

/// <summary>Who is calling, as the gateway found out from the trunk's INVITE and the customer store.</summary>
public sealed record CallerIdentity(string? Number, string? CustomerId, string? DisplayName);
