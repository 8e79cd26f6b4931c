using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ccgw.Core;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Media;
using Ccgw.Media.Playout;
using Ccgw.Media.Sdp;
using Ccgw.Media.Transport;
using Ccgw.Sip;
using Ccgw.Sip.Dialogs;
using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>A registered phone of an agent, ready to be called.</summary>
internal sealed record PhoneTarget(SipUri Uri, SipEndPoint EndPoint);

/// <summary>An outbound call ready to ring: its INVITE built, its media ports open (see <see cref="VoiceGateway.PrepareCall"/>).</summary>
internal sealed record PreparedCall(OutboundLeg Leg, CallMedia Media);

/// <summary>
/// The voice channel adapter (docs/voice.md): takes admitted trunk INVITEs, answers them with the flow the dialled
/// number enters, hands queued callers to the routing core, rings agents' registered phones when the core offers
/// them a caller, and bridges the two legs through the gateway's media relay. It owns the routing of in-dialog
/// requests (BYE, INFO, re-INVITE, ACK) to calls and follows the core's event stream.
/// </summary>
public sealed partial class VoiceGateway : IAsyncDisposable
{
    private readonly SipPeerResolver _peers;
    private readonly RtpPortAllocator _ports;
    private readonly VoiceTrunk? _defaultCallbackTrunk;
    private readonly MediaScheduler _scheduler;
    private readonly FlowCatalog _flows;
    private readonly ICustomerRepository _customers;
    private readonly ICallbackRepository _callbacks;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, VoiceCall> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DialogRoute> _byDialog = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VoiceCall> _byInvite = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OutboundLeg> _legsByCallId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallbackCall> _callbacksById = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallbackRoute> _callbackDialogs = new(StringComparer.Ordinal);
    private readonly Counter<long> _calls;
    private readonly Counter<long> _agentLegs;
    private readonly Counter<long> _customerLegs;

    public VoiceGateway(VoiceSettings settings, SipStack stack, RoutingEngine engine, FlowCatalog flows, PromptLibrary prompts,
        RtpPortAllocator ports, MediaScheduler scheduler, ICustomerRepository customers, ICallbackRepository callbacks,
        TimeProvider time, ILoggerFactory loggers, IMeterFactory? meters = null, SipPeerResolver? peers = null)
    {
        // Without the daemon's resolver (tests), port-less names fall back to A/AAAA: no DNS servers to ask for SRV.
        _peers = peers ?? new SipPeerResolver(dns: null);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggers);
        Settings = settings;
        Sip = new SipSignalling(stack, settings.Domain);
        Engine = engine;
        _flows = flows;
        Prompts = prompts;
        _ports = ports;
        _scheduler = scheduler;
        _customers = customers;
        _callbacks = callbacks;
        Time = time;
        _loggers = loggers;
        _log = loggers.CreateLogger<VoiceGateway>();
        var meter = meters?.Create("Ccgw.Voice") ?? new Meter("Ccgw.Voice");
        _calls = meter.CreateCounter<long>("ccgw.voice.calls", "{call}", "Trunk calls taken, by result (answered, rejected)");
        _agentLegs = meter.CreateCounter<long>("ccgw.voice.agent_legs", "{leg}", "Calls placed to agents' phones, by outcome");
        _customerLegs = meter.CreateCounter<long>("ccgw.voice.callback_dials", "{call}", "Call-back customers dialled through the trunk, by outcome (answered, busy, noAnswer, rejected, failed)");
        meter.CreateObservableGauge("ccgw.voice.active_calls", () => _byKey.Count, "{call}", "Calls in progress (flow, queue or connected)");
        meter.CreateObservableGauge("ccgw.voice.active_callbacks", () => _callbacksById.Count, "{call}", "Call-backs being dialled or connected");
        _defaultCallbackTrunk = settings.Trunks.FirstOrDefault(t => t.Outbound is not null);
    }

    public VoiceSettings Settings { get; }

    public RoutingEngine Engine { get; }

    public PromptLibrary Prompts { get; }

    public TimeProvider Time { get; }

    internal SipSignalling Sip { get; }

    public int ActiveCalls => _byKey.Count;

    public int ActiveCallbacks => _callbacksById.Count;

    /// <summary>
    /// The trunk a queue's call-backs go out through: the queue's own (<see cref="VoiceSettings.CallbackTrunks"/>), else
    /// the first with an outbound peer; null when there is none.
    /// </summary>
    public VoiceTrunk? CallbackTrunkFor(string queueId) =>
        Settings.CallbackTrunks.TryGetValue(queueId, out var id) && Settings.Trunks.FirstOrDefault(t => t.Id == id && t.Outbound is not null) is { } own
            ? own
            : _defaultCallbackTrunk;

    /// <summary>Where to send to a trunk's peer now, preferring the address family our listener for its transport has.</summary>
    internal Task<SipEndPoint?> ResolveAsync(SipPeer peer, CancellationToken cancellationToken) =>
        _peers.ResolveAsync(peer, Sip.LocalEndPoint(peer.Transport).AddressFamily, cancellationToken);

    /// <summary>Wires the stack's hooks for ACK, CANCEL and stray 2xx retransmissions to this gateway.</summary>
    public void AttachTo(SipStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        stack.AckHandler = OnAck;
        stack.CancelHandler = OnCancel;
        stack.StrayResponseHandler = OnStrayResponse;
    }

    /// <summary>
    /// Follows the core: offers ring agents, closed offers stop ringing, interactions ended by the core hang up. After
    /// falling behind the stream (a starved box), every call compares itself with the core and catches up.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var events = new EventFollower(Engine, cancellationToken);
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
            case OfferMade { Offer: var offer } when CallOf(offer.Interaction) is { } call:
                call.OnOfferMade(offer);
                break;
            case OfferMade { Offer: var offer } when offer.Interaction.Channel == InteractionChannel.Callback:
                _callbacksById.GetOrAdd(offer.InteractionId, static (_, a) => a.Gateway.NewCallback(a.Offer), (Gateway: this, Offer: offer))
                    .OnOfferMade(offer);
                break;
            case OfferClosed { Offer: var offer, Outcome: var outcome } when CallOf(offer.Interaction) is { } call:
                call.OnOfferClosed(offer, outcome);
                break;
            case OfferClosed { Offer: var offer, Outcome: var outcome } when _callbacksById.TryGetValue(offer.InteractionId, out var callback):
                callback.OnOfferClosed(offer, outcome);
                break;
            case InteractionStateChanged { Interaction: var view } when CallOf(view) is { } call:
                call.OnInteractionFinished(view.State);
                break;
            case InteractionStateChanged { Interaction: var view } when _callbacksById.TryGetValue(view.Id, out var callback):
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
        LogResync(_log, gap.Missed, gap.AfterSequence, _byKey.Count, _callbacksById.Count);
        var work = new List<Task>(_byKey.Count + _callbacksById.Count);
        foreach (var call in _byKey.Values) work.Add(GuardResyncAsync(call.Key, call.ResyncAsync(cancellationToken)));
        foreach (var callback in _callbacksById.Values) work.Add(GuardResyncAsync(callback.Id, callback.ResyncAsync(cancellationToken)));
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

    private CallbackCall NewCallback(Offer offer)
    {
        var mode = Settings.CallbackPolicies.ModeFor(offer.QueueId);
        LogCallbackOffered(_log, offer.InteractionId, offer.AgentId, mode);
        return new CallbackCall(this, offer.Interaction, mode, _loggers.CreateLogger<CallbackCall>());
    }

    private VoiceCall? CallOf(InteractionView view) =>
        view.Channel == InteractionChannel.Voice && view.ChannelKey is { } key && _byKey.TryGetValue(key, out var call) ? call : null;

    // ---- new calls -------------------------------------------------------------------------------------------------------

    /// <summary>An INVITE the trunk admission accepted: answer it into the flow of the dialled number.</summary>
    public async Task AcceptTrunkCallAsync(SipServerInviteTransaction invite, string trunkId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invite);
        var caller = new InboundLeg(Sip, invite);
        var request = invite.Request;
        var did = request.RequestUri.UserUnescaped ?? request.To?.Uri.UserUnescaped ?? string.Empty;
        var trunk = Settings.Trunks.FirstOrDefault(t => t.Id == trunkId);
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
        CallMedia media;
        try
        {
            media = OpenMedia();
        }
        catch (RtpPortsExhaustedException)
        {
            Reject(caller, 503, "no media ports free");
            return;
        }
        if (!media.TryAnswer(offer, out var answer, out var failure))
        {
            await media.DisposeAsync();
            Reject(caller, 488, failure);
            return;
        }
        var identity = await IdentifyAsync(request, cancellationToken);
        var call = new VoiceCall(this, caller, media, flow, identity, _loggers.CreateLogger<VoiceCall>());
        _byKey[call.Key] = call;
        _byInvite[invite.Key] = call;
        _byDialog[caller.DialogId] = new DialogRoute(call, null);
        caller.Answer(answer.ToString());
        _calls.Add(1, new KeyValuePair<string, object?>("result", "answered"));
        LogAnswered(_log, call.Key, did, flowId, identity.CustomerId ?? "unknown");
        _ = call.RunFlowAsync();
    }

    private void Reject(InboundLeg caller, int code, string why)
    {
        caller.Reject(code, why);
        _calls.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
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
            }
        }
        number ??= request.From?.Uri.UserUnescaped;
        if (number is null) return new CallerIdentity(null, null, null);
        var customer = await _customers.FindByPhoneAsync(number, cancellationToken);
        return new CallerIdentity(number, customer?.Id, customer?.Name ?? request.From?.DisplayName);
    }

    // ---- in-dialog requests --------------------------------------------------------------------------------------------

    /// <summary>BYE, INFO, re-INVITE, UPDATE or OPTIONS inside one of our dialogs. False: not ours (the stack answers 481).</summary>
    public bool TakeInDialogRequest(SipServerTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = transaction.Request;
        if (SipDialog.IdOf(request) is not { } id) return false;
        if (_callbackDialogs.TryGetValue(id, out var callback)) return callback.Call.TakeInDialogRequest(transaction, callback.Leg);
        if (!_byDialog.TryGetValue(id, out var route)) return false;
        var call = route.Call;
        var fromCaller = route.AgentLeg is null;
        var inSequence = fromCaller ? call.Caller.Accept(request) : route.AgentLeg!.Accept(request);
        if (!inSequence)
        {
            Respond(transaction, 500);
            return true;
        }
        switch (request.Method)
        {
            case SipMethods.Bye:
                Respond(transaction, 200);
                _ = fromCaller ? call.OnCallerByeAsync() : call.OnAgentByeAsync(route.AgentLeg!);
                break;
            case SipMethods.Info:
                Respond(transaction, call.OnInfo(request, fromCaller) ? 200 : 415);
                break;
            case SipMethods.Invite or SipMethods.Update or SipMethods.Options:
                AnswerInDialog(transaction, call.MediaOf(fromCaller));
                break;
            default:
                return false;
        }
        return true;
    }

    internal static void Respond(SipServerTransaction transaction, int code) =>
        transaction.SendResponse(SipResponseFactory.Create(transaction.Request, code));

    /// <summary>
    /// OPTIONS → 200. A re-INVITE or UPDATE with SDP is answered from the same leg's media (hold, codec change; 488 if
    /// it cannot be); without SDP it is a session refresh, answered without changing media.
    /// </summary>
    internal void AnswerInDialog(SipServerTransaction transaction, CallMedia? media)
    {
        var request = transaction.Request;
        if (request.Method == SipMethods.Options)
        {
            Respond(transaction, 200);
            return;
        }
        string? sdp = null;
        if (SipSignalling.HasSdp(request))
        {
            if (media is null || !SipSignalling.TryParseSdp(SipSignalling.BodyText(request), out var offer) || !media.TryAnswer(offer, out var answer, out _))
            {
                Respond(transaction, 488);
                return;
            }
            sdp = answer.ToString();
        }
        var ok = SipResponseFactory.Create(request, 200);
        ok.Contact.Add(Sip.Contact(transaction.Peer.Transport));
        if (sdp is not null) SipSignalling.SetSdp(ok, sdp);
        transaction.SendResponse(ok);
    }

    private void OnAck(SipRequest ack, SipEndPoint source)
    {
        if (SipDialog.IdOf(ack) is { } id && _byDialog.TryGetValue(id, out var route) && route.AgentLeg is null)
            route.Call.Caller.OnAck();
    }

    private void OnCancel(SipServerInviteTransaction invite, SipRequest cancel)
    {
        if (!_byInvite.TryGetValue(invite.Key, out var call))
        {
            invite.SendResponse(SipResponseFactory.Create(invite.Request, 487, toTag: SipSignalling.NewTag()));
            return;
        }
        call.Caller.Reject(487);
        _ = call.OnCallerByeAsync();
    }

    private void OnStrayResponse(SipResponse response, SipEndPoint source)
    {
        if (response.CallId is { } callId && _legsByCallId.TryGetValue(callId, out var leg)) leg.TryAcknowledgeRetransmission(response);
    }

    // ---- services for calls -----------------------------------------------------------------------------------------------

    internal CallMedia OpenMedia() => CallMedia.Open(_ports, _scheduler, Time, Settings.MediaAddress);

    private async Task<PhoneTarget?> FindPhoneAsync(string agentId, CancellationToken cancellationToken)
    {
        foreach (var binding in await Sip.Stack.Registrar.GetContactsAsync(agentId, cancellationToken))
        {
            if (!SipUri.TryParse(binding.ContactUri, out var uri) || uri is null) continue;
            if (SipSignalling.TryResolve(binding.ReceivedFrom, uri, out var endPoint)) return new PhoneTarget(uri, endPoint);
        }
        return null;
    }

    /// <summary>
    /// Places a call (an agent's phone, or a customer through the trunk) and waits until it is answered with an SDP
    /// answer we accept, fails, or has rung for <paramref name="ringTimeout"/> (then CANCEL, §9.1). Before the INVITE
    /// leaves, <paramref name="route"/> registers the leg for in-dialog requests and <paramref name="claim"/> hands the
    /// leg and its media to the caller (who owns the media from then on, and frees it) and says whether to go on.
    /// Returns null once answered, else the core's reason (busy, noAnswer, rejected, failed, no media ports, offer closed).
    /// </summary>
    internal async Task<string?> PlaceCallAsync(SipUri target, SipEndPoint destination, SipNameAddress from, SipNameAddress to,
        TimeSpan ringTimeout, Action<OutboundLeg> route, Func<OutboundLeg, CallMedia, bool> claim) =>
        PrepareCall(target, destination, from, to) is { } call
            ? await RingAsync(call, ringTimeout, route, claim, sendBeforeReturning: false)
            : "no media ports";

    /// <summary>
    /// The first half of <see cref="PlaceCallAsync"/>: media ports and the INVITE, ready to go; null when no RTP ports
    /// are free. Nothing has left; the caller owns the media until <see cref="RingAsync"/> hands it to its claim.
    /// </summary>
    internal PreparedCall? PrepareCall(SipUri target, SipEndPoint destination, SipNameAddress from, SipNameAddress to)
    {
        CallMedia media;
        try
        {
            media = OpenMedia();
        }
        catch (RtpPortsExhaustedException)
        {
            return null;
        }
        return new PreparedCall(new OutboundLeg(Sip, target, destination, from, to, media.CreateOffer().ToString()), media);
    }

    /// <summary>
    /// The second half of <see cref="PlaceCallAsync"/>: route, claim and send run without awaiting, so with
    /// <paramref name="sendBeforeReturning"/> a UDP INVITE has left before the first await.
    /// </summary>
    internal async Task<string?> RingAsync(PreparedCall call, TimeSpan ringTimeout, Action<OutboundLeg> route,
        Func<OutboundLeg, CallMedia, bool> claim, bool sendBeforeReturning)
    {
        var (leg, media) = call;
        route(leg);
        if (!claim(leg, media)) return "offer closed";
        var start = leg.StartAsync(sendBeforeReturning);
        using (var timeout = new CancellationTokenSource(ringTimeout, Time))
        await using (timeout.Token.Register(leg.Cancel))
        {
            await start;
        }
        var outcome = await leg.Outcome;
        if (!outcome.Answered) return outcome.FailureReason;
        var failure = "no SDP";
        if (outcome.AnswerSdp is { } sdp && SipSignalling.TryParseSdp(sdp, out var answer) && media.TryAcceptAnswer(answer, out failure)) return null;
        LogAnswerRefused(_log, leg.Target.ToString(), failure);
        leg.Hangup();
        return "failed";
    }

    /// <summary>Rings an agent's registered phone (see <see cref="PlaceCallAsync"/>); "no registered phone" when there is none.</summary>
    internal async Task<string?> CallAgentAsync(string agentId, SipNameAddress from, Action<OutboundLeg> route,
        Func<OutboundLeg, CallMedia, bool> claim, CancellationToken cancellationToken)
    {
        if (await FindPhoneAsync(agentId, cancellationToken) is not { } target) return "no registered phone";
        return await PlaceCallAsync(target.Uri, target.EndPoint, from, Sip.OnDomain(agentId), Settings.AgentRingTimeout, route, claim);
    }

    internal void RouteAgentLeg(OutboundLeg leg, VoiceCall call)
    {
        _legsByCallId[leg.CallId] = leg;
        leg.DialogEstablished += l => _byDialog[l.DialogId!] = new DialogRoute(call, l);
    }

    internal void Forget(VoiceCall call, OutboundLeg? lastAgentLeg)
    {
        _byKey.TryRemove(call.Key, out _);
        _byInvite.TryRemove(call.Caller.Transaction.Key, out _);
        _byDialog.TryRemove(call.Caller.DialogId, out _);
        foreach (var (id, route) in _byDialog)
            if (route.Call == call)
            {
                _byDialog.TryRemove(id, out _);
                if (route.AgentLeg is { } leg) _legsByCallId.TryRemove(leg.CallId, out _);
            }
        if (lastAgentLeg is not null) _legsByCallId.TryRemove(lastAgentLeg.CallId, out _);
    }

    internal void CountAgentLeg(string outcome) => _agentLegs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    internal void CountCustomerLeg(string outcome) => _customerLegs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    internal void RouteCallbackLeg(OutboundLeg leg, CallbackCall call)
    {
        _legsByCallId[leg.CallId] = leg;
        leg.DialogEstablished += l => _callbackDialogs[l.DialogId!] = new CallbackRoute(call, l);
    }

    internal void ForgetCallback(CallbackCall call, params ReadOnlySpan<OutboundLeg?> legs)
    {
        _callbacksById.TryRemove(new KeyValuePair<string, CallbackCall>(call.Id, call));
        foreach (var (id, route) in _callbackDialogs)
            if (route.Call == call)
            {
                _callbackDialogs.TryRemove(id, out _);
                _legsByCallId.TryRemove(route.Leg.CallId, out _);
            }
        foreach (var leg in legs)
            if (leg is not null) _legsByCallId.TryRemove(leg.CallId, out _);
    }

    /// <summary>
    /// The durable mark before a call-back's customer is dialled. A call-back the core holds that is not in the
    /// stored list (submitted directly, e.g. by a test or an integration) has nothing to mark and may be dialled.
    /// </summary>
    internal async Task RecordCallbackConnectedAsync(string callbackId) =>
        await _callbacks.RecordOutcomeAsync(callbackId, CallbackStatus.Connected, "connected");

    internal async Task<bool> BeginDiallingAsync(string callbackId, CancellationToken cancellationToken) =>
        await _callbacks.BeginDiallingAsync(callbackId, cancellationToken) || await _callbacks.GetAsync(callbackId, cancellationToken) is null;

    /// <summary>"You are number 3 in the queue. Your estimated waiting time is 2 minutes." as prompt ids.</summary>
    internal IReadOnlyList<string> Announcement(int position, WaitEstimate ewt)
    {
        var s = Settings;
        var prompts = new List<string>();
        if (position > 0 && s.PositionPrompt is { } pos && Prompts.SpeakNumber(position) is { Count: > 0 } number)
        {
            prompts.Add(pos);
            prompts.AddRange(number);
        }
        if (s.WaitPrompt is { } wait && ewt.Seconds is { } seconds)
        {
            if (seconds < 60 && s.UnderAMinutePrompt is { } under)
            {
                prompts.Add(wait);
                prompts.Add(under);
            }
            else if (Prompts.SpeakNumber((int)Math.Ceiling(seconds / 60)) is { Count: > 0 } minutes && s.MinutesPrompt is { } unit)
            {
                prompts.Add(wait);
                prompts.AddRange(minutes);
                prompts.Add(unit);
            }
        }
        return prompts;
    }

    /// <summary>"9 for a call back": the caller's number goes into the persisted call-back list for the queue.</summary>
    internal async Task RecordCallbackAsync(VoiceCall call, string queueId, CancellationToken cancellationToken)
    {
        if (call.Identity.Number is not { } number)
        {
            LogCallbackWithoutNumber(_log, call.Key);
            return;
        }
        var now = Time.GetUtcNow();
        await _callbacks.AddAsync(new CallbackRequest(
            Id: "cb-" + Guid.NewGuid().ToString("N"),
            QueueId: queueId,
            Channel: InteractionChannel.Callback,
            Address: number,
            ScheduledAt: now,
            Priority: 0,
            OriginalStartedAt: now,
            Status: CallbackStatus.Scheduled,
            CustomerId: call.Identity.CustomerId,
            Topic: queueId,
            Name: call.Identity.DisplayName), cancellationToken);
        LogCallbackRecorded(_log, call.Key, queueId);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var call in _byKey.Values) await call.HangupAsync(CallEnd.Failure);
        foreach (var callback in _callbacksById.Values) await callback.HangupAsync(CallbackEnd.Failure, "failed");
    }

    private sealed record DialogRoute(VoiceCall Call, OutboundLeg? AgentLeg);

    private sealed record CallbackRoute(CallbackCall Call, OutboundLeg Leg);

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Call {Call} answered: DID {Did} → flow {Flow}, customer {Customer}")]
    private static partial void LogAnswered(ILogger logger, string call, string did, string flow, string customer);

    [LoggerMessage(EventId = 590, Level = LogLevel.Warning,
        Message = "Voice fell behind the core's events (about {Missed} missed after sequence {Sequence}); catching up {Calls} calls and {Callbacks} call-backs")]
    private static partial void LogResync(ILogger logger, long missed, long sequence, int calls, int callbacks);

    [LoggerMessage(EventId = 591, Level = LogLevel.Error, Message = "{Call} could not catch up with the core")]
    private static partial void LogResyncFailed(ILogger logger, string call, Exception exception);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information, Message = "Trunk call rejected with {Code}: {Why}")]
    private static partial void LogRejected(ILogger logger, int code, string why);

    [LoggerMessage(EventId = 522, Level = LogLevel.Information, Message = "Call {Call}: call-back requested for queue {Queue}")]
    private static partial void LogCallbackRecorded(ILogger logger, string call, string queue);

    [LoggerMessage(EventId = 525, Level = LogLevel.Warning, Message = "The SDP answer of {Target} was refused: {Why}; hung up")]
    private static partial void LogAnswerRefused(ILogger logger, string target, string why);

    [LoggerMessage(EventId = 524, Level = LogLevel.Information, Message = "Call-back {Callback} offered to {Agent}: dialling {Mode}")]
    private static partial void LogCallbackOffered(ILogger logger, string callback, string agent, Ccgw.Core.Callbacks.CallbackDialMode mode);

    [LoggerMessage(EventId = 523, Level = LogLevel.Warning, Message = "Call {Call}: a call-back was asked for but the caller's number is unknown")]
    private static partial void LogCallbackWithoutNumber(ILogger logger, string call);
}
