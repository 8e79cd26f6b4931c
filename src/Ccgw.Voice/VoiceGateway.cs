using System.Diagnostics.Metrics;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Media;
using Ccgw.Media.Playout;
using Ccgw.Media.Transport;
using Ccgw.Sip;
using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// The voice channel adapter (docs/voice.md), as composition and the two ways in: it makes the parts every call
/// shares (<see cref="CallRegistry"/>, <see cref="InDialogRouter"/>, <see cref="LegDialler"/>, <see cref="QueueAnnouncer"/>,
/// <see cref="CallbackLedger"/>, <see cref="VoiceMetrics"/>), answers admitted trunk INVITEs into the flow the dialled
/// number enters, and follows the core's event stream (offers ring agents, closed offers stop ringing, interactions
/// the core ends hang up). Calls get the parts (<see cref="CallParts"/>), never the gateway.
/// </summary>
public sealed partial class VoiceGateway : IAsyncDisposable
{
    private readonly VoiceSettings _settings;
    private readonly RoutingEngine _engine;
    private readonly FlowCatalog _flows;
    private readonly ICustomerRepository _customers;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly CallRegistry _registry = new();

    // The trunk each call came in through; weak, so an ended call leaves with the registry's reference.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<VoiceCall, string> _trunkOf = [];
    private readonly CallParts _parts;

    public VoiceGateway(VoiceSettings settings, SipStack stack, RoutingEngine engine, FlowCatalog flows, PromptLibrary prompts,
        RtpPortAllocator ports, MediaScheduler scheduler, ICustomerRepository customers, ICallbackRepository callbacks,
        TimeProvider time, ILoggerFactory loggers, IMeterFactory? meters = null, SipPeerResolver? peers = null, CallbackIntake? intake = null,
        Core.Callbacks.DialOut.DialOutMetrics? dialOutMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(loggers);
        _settings = settings;
        _engine = engine;
        _flows = flows;
        _customers = customers;
        _loggers = loggers;
        _log = loggers.CreateLogger<VoiceGateway>();
        var sip = new SipSignalling(stack, settings.Domain);
        // Without the daemon's resolver (tests), port-less names fall back to A/AAAA: no DNS servers to ask for SRV.
        var dialler = new LegDialler(sip, stack.Registrar, ports, scheduler, peers ?? new SipPeerResolver(dns: null), settings, time,
            loggers.CreateLogger<LegDialler>(), new RtpLegOptions { DropMetrics = meters is null ? null : new RtpDropMetrics(meters) });
        Router = new InDialogRouter(_registry, sip);
        _parts = new CallParts(engine, dialler, _registry, new QueueAnnouncer(settings, prompts, loggers.CreateLogger<QueueAnnouncer>()),
            new CallbackLedger(callbacks, intake, time, loggers.CreateLogger<CallbackLedger>()), new VoiceMetrics(_registry, meters, dialOutMetrics), settings, time);
    }

    /// <summary>Where the SIP stack host hands in-dialog requests, ACK, CANCEL and stray 2xx.</summary>
    internal InDialogRouter Router { get; }

    /// <summary>The live calls (tests look at a call's hold and bridge).</summary>
    internal CallRegistry Registry => _registry;

    public int ActiveCalls => _registry.ActiveCalls;

    /// <summary>Calls up now that came in through <paramref name="trunkId"/> (a trunk is not removed under them).</summary>
    public int CallsOnTrunk(string trunkId) =>
        _registry.Calls.Count(c => _trunkOf.TryGetValue(c, out var t) && string.Equals(t, trunkId, StringComparison.Ordinal));

    public int ActiveCallbacks => _registry.ActiveCallbacks;

    /// <summary>
    /// Follows the core: offers ring agents, closed offers stop ringing, interactions ended by the core hang up, hold and
    /// resume re-INVITE the agent's phone and play or stop the music on hold. After
    /// falling behind the stream (a starved box), every call compares itself with the core and catches up.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var events = new EventFollower(_engine, cancellationToken);
        try
        {
            while (await events.WaitToReadAsync(cancellationToken))
            {
                if (events.TakeGap(out var gap))
                    await ResyncAsync(gap, cancellationToken);
                while (events.TryRead(out var e))
                    Apply(e);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Apply(CoreEvent e)
    {
        switch (e)
        {
            case OfferMade { Offer: var offer } when _registry.CallOf(offer.Interaction) is { } call:
                call.OnOfferMade(offer);
                break;
            case OfferMade { Offer: var offer } when offer.Interaction.Channel == InteractionChannel.Callback:
                _registry.GetOrAddCallback(offer.InteractionId, _ => NewCallback(offer)).OnOfferMade(offer);
                break;
            case OfferClosed { Offer: var offer, Outcome: var outcome } when _registry.CallOf(offer.Interaction) is { } call:
                call.OnOfferClosed(offer, outcome);
                break;
            case OfferClosed { Offer: var offer, Outcome: var outcome } when _registry.Callback(offer.InteractionId) is { } callback:
                callback.OnOfferClosed(offer, outcome);
                break;
            case InteractionHoldChanged { Interaction: var view, Held: var held } when _registry.CallOf(view) is { } call:
                _ = call.SetHoldAsync(held);
                break;
            case InteractionConsultChanged consult when _registry.CallOf(consult.Interaction) is { } call:
                call.OnConsultChanged(consult);
                break;
            case InteractionStateChanged { Interaction: var view } when _registry.CallOf(view) is { } call:
                call.OnInteractionFinished(view.State);
                break;
            case InteractionStateChanged { Interaction: var view } when _registry.Callback(view.Id) is { } callback:
                callback.OnInteractionFinished(view.State);
                break;
        }
    }

    /// <summary>
    /// Catches every live call and call-back up with the core after missed events, all at once (each is one query to
    /// the core). A call-back whose first offer was missed has no call here yet: its offer times out in the core and
    /// is made again, which is the one case the resync cannot shorten.
    /// </summary>
    private async Task ResyncAsync(EventGap gap, CancellationToken cancellationToken)
    {
        LogResync(_log, gap.Missed, gap.AfterSequence, _registry.ActiveCalls, _registry.ActiveCallbacks);
        var work = new List<Task>(_registry.ActiveCalls + _registry.ActiveCallbacks);
        foreach (var call in _registry.Calls) work.Add(GuardResyncAsync(call.Key, call.ResyncAsync(cancellationToken)));
        foreach (var callback in _registry.Callbacks) work.Add(GuardResyncAsync(callback.Id, callback.ResyncAsync(cancellationToken)));
        await Task.WhenAll(work);
    }

    private async Task GuardResyncAsync(string key, Task resync)
    {
        try
        {
            await resync;
        }
#pragma warning disable CA1031 // One call that cannot catch up must not stop the others or the event loop.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogResyncFailed(_log, key, e);
        }
    }

    /// <summary>
    /// Dials the automated call-backs the scheduler hands over (issue 18, medium <c>ivr</c>): each becomes a call-back
    /// registered under its id before its customer is dialled, so the core's offer finds it if its flow queues.
    /// </summary>
    public async Task RunIvrCallbacksAsync(IvrCallbacks hub, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hub);
        try
        {
            await foreach (var start in hub.Starts.ReadAllAsync(cancellationToken))
            {
                var id = start.Attempt.Id;
                var now = _parts.Time.GetUtcNow();
                if (!_flows.Flows.TryGetValue(start.FlowId, out var flow))
                {
                    // Validated at start (SelfHelp:TopicFlows); a reload may drop the flow under a booked call-back.
                    hub.Report(new IvrCallbackReport(id, IvrCallbackResult.NotReached, "noFlow", now));
                    continue;
                }
                var view = new InteractionView(id, start.Request, start.Attempt.QueueId, InteractionState.Queued, null, now, now);
                var call = new CallbackCall(_parts, view, CallbackDialMode.CustomerFirst, _loggers.CreateLogger<CallbackCall>(),
                    new IvrCallbackRun(hub, flow, start.FlowId, start.Request));
                if (_registry.GetOrAddCallback(id, _ => call) == call) call.StartIvr();
                else hub.Report(new IvrCallbackReport(id, IvrCallbackResult.NotReached, "failed", now)); // already in progress here
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private CallbackCall NewCallback(Offer offer)
    {
        var mode = _settings.CallbackPolicies.ModeFor(offer.QueueId);
        LogCallbackOffered(_log, offer.InteractionId, offer.AgentId, mode);
        return new CallbackCall(_parts, offer.Interaction, mode, _loggers.CreateLogger<CallbackCall>());
    }

    // ---- new calls -------------------------------------------------------------------------------------------------------

    /// <summary>
    /// An INVITE the trunk admission accepted: answer it into the flow of the dialled number. The caller's RTP ports are
    /// the call's from the moment they open; until the call holds them, every way out (no common codec, a customer
    /// store that fails, shut-down) frees them and answers the INVITE.
    /// </summary>
    public async Task AcceptTrunkCallAsync(SipServerInviteTransaction invite, string trunkId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invite);
        var caller = new InboundLeg(_parts.Dialler.Sip, invite);
        var request = invite.Request;
        var did = request.RequestUri.UserUnescaped ?? request.To?.Uri.UserUnescaped ?? string.Empty;
        var trunk = _settings.CurrentTrunks.FirstOrDefault(t => t.Id == trunkId);
        if (trunk is null || !trunk.Dids.TryGetValue(did, out var flowId) || !_flows.Flows.TryGetValue(flowId, out var flow))
        {
            Reject(caller, 404, $"number {did} is not in service");
            return;
        }
        if (!SipSignalling.HasSdp(request) || !SipSignalling.TryParseSdp(SipSignalling.BodyText(request), out var offer))
        {
            // Late offer (INVITE without SDP) would need our offer in the 200 and the answer in the ACK; not supported.
            Reject(caller, 488, "an SDP offer in the INVITE is required");
            return;
        }
        // RFC 4028 §9: an interval below our minimum is refused before any port is taken; the caller may retry.
        var sessionTimer = SessionTimer.Negotiate(request, _settings.SessionTimers);
        if (sessionTimer.Reject)
        {
            caller.RejectTooBrief(sessionTimer.TooBriefMinSe!.Value);
            _parts.Metrics.CountCall("rejected");
            LogRejected(_log, 422, "session interval too small");
            return;
        }
        CallMedia media;
        try
        {
            media = _parts.Dialler.OpenMedia();
        }
        catch (RtpPortsExhaustedException)
        {
            Reject(caller, 503, "no media ports free");
            return;
        }
        // A trunk behind NAT writes its private address into SDP; its RTP comes from where its SIP came from.
        media.TrustSignallingHost(invite.Peer.Address.Address);
        VoiceCall call;
        string answer;
        CallerIdentity identity;
        try
        {
            if (!media.TryAnswer(offer, out var sdp, out var failure))
            {
                await media.DisposeAsync();
                Reject(caller, 488, failure);
                return;
            }
            answer = sdp.ToString();
            identity = await IdentifyAsync(request, cancellationToken);
            call = new VoiceCall(_parts, caller, media, flow, identity, _loggers.CreateLogger<VoiceCall>(), sessionTimer.Agreement);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shut down while the customer store answered: not a call yet, so nobody else would free the ports.
            await media.DisposeAsync();
            Reject(caller, 480, "shutting down");
            throw;
        }
#pragma warning disable CA1031 // Whatever failed (e.g. the customer store), the ports go back and the INVITE gets its answer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await media.DisposeAsync();
            Reject(caller, 500, "the call could not be taken");
            LogAcceptFailed(_log, did, e);
            return;
        }
        _registry.Add(call);
        _trunkOf.AddOrUpdate(call, trunkId);
        // Armed before the 200 leaves, so a test's (or a fast peer's) next step always finds the watch running.
        call.StartSupervision();
        caller.Answer(answer, sessionTimer.Agreement);
        if (caller.State != InboundLegState.Answered)
        {
            // CANCELled while the customer store answered (the INVITE got its 487): the call ends before it began.
            await call.HangupAsync(CallEnd.CallerHungUp);
            return;
        }
        _parts.Metrics.CountCall("answered");
        LogAnswered(_log, call.Key, did, flowId, identity.CustomerId ?? "unknown");
        _ = call.RunFlowAsync();
    }

    private void Reject(InboundLeg caller, int code, string why)
    {
        caller.Reject(code, why);
        _parts.Metrics.CountCall("rejected");
        LogRejected(_log, code, why);
    }

    /// <summary>Caller id from P-Asserted-Identity (RFC 3325, set by a trusted trunk) or From, looked up in the customer store.</summary>
    private async Task<CallerIdentity> IdentifyAsync(SipRequest request, CancellationToken cancellationToken)
    {
        string? number = null;
        if (request.Headers.Get("P-Asserted-Identity") is { } pai)
        {
            try
            {
                number = SipNameAddress.Parse(pai).Uri.UserUnescaped;
            }
            catch (SipParseException)
            {
                // An unparsable P-Asserted-Identity is no identity: fall back to From, as for a trunk that sends none.
            }
        }
        number ??= request.From?.Uri.UserUnescaped;
        if (number is null) return new CallerIdentity(null, null, null);
        var customer = await _customers.FindByPhoneAsync(number, cancellationToken);
        return new CallerIdentity(number, customer?.Id, customer?.Name ?? request.From?.DisplayName);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var call in _registry.Calls) await call.HangupAsync(CallEnd.Failure);
        foreach (var callback in _registry.Callbacks) await callback.HangupAsync(CallbackEnd.Failure, "failed");
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Call {Call} answered: DID {Did} → flow {Flow}, customer {Customer}")]
    private static partial void LogAnswered(ILogger logger, string call, string did, string flow, string customer);

    [LoggerMessage(EventId = 590, Level = LogLevel.Warning,
        Message = "Voice fell behind the core's events (about {Missed} missed after sequence {Sequence}); catching up {Calls} calls and {Callbacks} call-backs")]
    private static partial void LogResync(ILogger logger, long missed, long sequence, int calls, int callbacks);

    [LoggerMessage(EventId = 591, Level = LogLevel.Error, Message = "{Call} could not catch up with the core")]
    private static partial void LogResyncFailed(ILogger logger, string call, Exception exception);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information, Message = "Trunk call rejected with {Code}: {Why}")]
    private static partial void LogRejected(ILogger logger, int code, string why);

    [LoggerMessage(EventId = 524, Level = LogLevel.Information, Message = "Call-back {Callback} offered to {Agent}: dialling {Mode}")]
    private static partial void LogCallbackOffered(ILogger logger, string callback, string agent, Ccgw.Core.Callbacks.CallbackDialMode mode);

    [LoggerMessage(EventId = 14800, Level = LogLevel.Error, Message = "A trunk call to {Did} could not be taken; answered 500 and its media ports freed")]
    private static partial void LogAcceptFailed(ILogger logger, string did, Exception exception);
}
