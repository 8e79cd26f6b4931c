using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Xmpp.Routing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// The IM bot and chat relay (CONTRACT §5). Customers write to a queue address (<c>sales@domain</c>: queued directly)
/// or to the general address (<c>support@domain</c>: the configured flow runs as text first). On first contact the
/// gateway asks the client's XEP-0092 version and XEP-0030 features and hands them to routing as capabilities. When
/// nobody is available it tells the estimated wait and offers a call-back (an XEP-0004 form when the client supports
/// forms). An offer opens <c>chat-&lt;id&gt;@domain</c> toward the agent; once the agent answers (or accepts on the
/// console) messages and XEP-0085 chat states are relayed with address translation both ways: the customer only sees
/// the address it wrote to, the agent only the conversation address, and nothing else of either side crosses.
/// Each conversation is an <see cref="ImConversation"/> whose changes are serialised by its own gate.
/// </summary>
public sealed partial class ImGateway : IStanzaService
{
    public const string ConversationPrefix = "chat-";

    private const string ProbeDisco = "-disco";
    private const string ProbeVersion = "-version";

    private readonly ImGatewaySettings _settings;
    private readonly ImTexts _texts;
    private readonly IStanzaOutlet _outlet;
    private readonly IImRouting _routing;
    private readonly IImCallbackBooking _callbacks;
    private readonly ICustomerRepository _customers;
    private readonly IInteractionTranscriptRepository _transcripts;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly FrozenDictionary<string, ImQueueAddress> _queues;
    private readonly FrozenDictionary<string, ImQueueAddress> _queuesById;
    private readonly ConcurrentDictionary<string, ImConversation> _byCustomer = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImConversation> _byId = new(StringComparer.Ordinal);
    private readonly string[] _customerAddresses;
    private readonly string _version = typeof(ImGateway).Assembly.GetName().Version?.ToString(3) ?? "0";

    public ImGateway(ImGatewaySettings settings, IStanzaOutlet outlet, IImRouting routing, IImCallbackBooking callbacks,
        ICustomerRepository customers, IInteractionTranscriptRepository transcripts, TimeProvider time, ILogger<ImGateway> log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _texts = new ImTexts(settings.Texts);
        _outlet = outlet;
        _routing = routing;
        _callbacks = callbacks;
        _customers = customers;
        _transcripts = transcripts;
        _time = time;
        _log = log;
        _queues = settings.Queues.ToFrozenDictionary(q => q.LocalPart.ToLowerInvariant(), StringComparer.Ordinal);
        _queuesById = settings.Queues.DistinctBy(q => q.QueueId).ToFrozenDictionary(q => q.QueueId, StringComparer.Ordinal);
        _customerAddresses = [.. _queues.Keys.Append(settings.SupportLocalPart).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Messages held for dialogues that have not started yet, across conversations (each bounded by MaxContextMessages).</summary>
    internal int PendingMessages => _byId.Values.Sum(c => c.Pending.Count);

    /// <summary>Conversations held now (greeting to connected).</summary>
    public int ConversationCount => _byId.Count;

    public bool Handles(Jid to) =>
        to.Local is { } local && string.Equals(to.Domain, _settings.Domain, StringComparison.OrdinalIgnoreCase)
        && (local == _settings.SupportLocalPart || _queues.ContainsKey(local) || local.StartsWith(ConversationPrefix, StringComparison.Ordinal));

    public async ValueTask HandleAsync(XElement stanza, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        if (ImStanzas.From(stanza) is not { } from || ImStanzas.To(stanza) is not { Local: { } local } to) return;
        if (local.StartsWith(ConversationPrefix, StringComparison.Ordinal))
            await HandleAgentSideAsync(stanza, from, to.Bare, local[ConversationPrefix.Length..], cancellationToken);
        else
            await HandleCustomerSideAsync(stanza, from, to.Bare, cancellationToken);
    }

    /// <summary>
    /// Follows the core's events (offers, offer outcomes, interactions ended on the console) until cancelled or the
    /// core stops. After falling behind the stream it goes on with the new events: chats whose events were lost end
    /// by their own sides (the customer or the agent leaving), so there is nothing to catch up.
    /// </summary>
    public async Task RunAsync(EventFollower events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        while (await events.WaitToReadAsync(cancellationToken))
        {
            if (events.TakeGap(out var gap)) LogFellBehind(_log, gap.Missed, gap.AfterSequence);
            while (events.TryRead(out var e))
            {
                try
                {
                    await OnCoreEventAsync(e, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogEventFailed(_log, e.GetType().Name, ex);
                }
            }
        }
    }

    /// <summary>
    /// Delivers a triggered customer alert ("tell me when the wait is short", channel IM) to its address, from the
    /// alert's queue address (the general address when the queue has none).
    /// </summary>
    public async ValueTask SendAlertAsync(Core.Callbacks.CustomerAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Channel != Core.Callbacks.AlertChannel.Im || !Jid.TryParse(alert.Address, out var to)) return;
        var queue = _queuesById.GetValueOrDefault(alert.QueueId);
        var from = Jid.Create(queue?.LocalPart ?? _settings.SupportLocalPart, _settings.Domain);
        var text = _texts.Alert(queue?.DisplayName ?? alert.QueueId, alert.EwtSecondsAtTrigger);
        await SendAsync(ImStanzas.Message(from, to, NewId(), text), cancellationToken);
    }

    // ---------------------------------------------------------------- customer side

    private async ValueTask HandleCustomerSideAsync(XElement stanza, Jid from, Jid gatewayAddress, CancellationToken ct)
    {
        switch (stanza.Name.LocalName)
        {
            case "iq":
                await HandleIqAsync(stanza, from, gatewayAddress, ct);
                break;
            case "presence":
                await HandleCustomerPresenceAsync(stanza, from, gatewayAddress, ct);
                break;
            case "message":
                await HandleCustomerMessageAsync(stanza, from, gatewayAddress, ct);
                break;
        }
    }

    private async ValueTask HandleCustomerMessageAsync(XElement message, Jid from, Jid gatewayAddress, CancellationToken ct)
    {
        if (ImStanzas.Type(message) is "error")
        {
            // A message to the customer bounced because the customer is gone (an anonymous account ends with its
            // session; servers only send unavailable presence to addresses the client sent presence to).
            if (ImStanzas.IsGoneError(message) && _byCustomer.TryGetValue(CustomerKey(from, gatewayAddress), out var gone))
                await WithGateAsync(gone, () => EndAsync(gone, EndReason.CustomerLeft, ct), ct);
            return;
        }
        if (ImStanzas.Type(message) is "groupchat" or "headline") return;
        var body = Clip(ImStanzas.Body(message));
        var chatState = ImStanzas.ChatState(message);
        var form = ImStanzas.CallbackFormAnswer(message);
        var key = CustomerKey(from, gatewayAddress);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var created = false;
            if (!_byCustomer.TryGetValue(key, out var conversation))
            {
                if (body is null) return;
                if (_byId.Count >= _settings.MaxConversations)
                {
                    await SendAsync(ImStanzas.Error(message, gatewayAddress, from, "wait", "resource-constraint"), ct);
                    return;
                }
                var candidate = NewConversation(from, gatewayAddress);
                conversation = _byCustomer.GetOrAdd(key, candidate);
                created = ReferenceEquals(conversation, candidate);
                if (created) _byId[conversation.Id] = conversation;
            }

            await conversation.Gate.WaitAsync(ct);
            try
            {
                if (conversation.IsEnded)
                    continue; // ended meanwhile: a message with a body starts a new conversation
                conversation.Customer = from;
                if (created)
                    await BeginGreetingAsync(conversation, body!, ct);
                else
                    await OnCustomerMessageAsync(conversation, body, chatState, form, ct);
                return;
            }
            finally
            {
                conversation.Gate.Release();
            }
        }
    }

    private async ValueTask OnCustomerMessageAsync(ImConversation c, string? body, string? chatState, (bool Cancelled, string? Phone)? form,
        CancellationToken ct)
    {
        if (body is not null) c.Record(Now, TranscriptSender.Customer, body);
        if (chatState == "gone")
        {
            await EndAsync(c, EndReason.CustomerLeft, ct);
            return;
        }
        switch (c.State)
        {
            case ImConversationState.Greeting:
                // Only the first MaxContextMessages reach the agent (StartDialogueAsync), so more are not kept: a
                // guest sending thousands of messages during the greeting window grows nothing (the transcript has them).
                if (body is not null && c.Pending.Count < _settings.MaxContextMessages) c.Pending.Add(body);
                break;
            case ImConversationState.InFlow when c.Callback == PendingCallback.FromFlow:
                if (body is not null || form is not null) await OnCallbackAnswerAsync(c, body, form, ct);
                break;
            case ImConversationState.InFlow:
                if (body is not null && c.Flow?.Input(body) is { } directive)
                    await ApplyAsync(c, directive, ct);
                break;
            case ImConversationState.Queued:
                if (c.Callback == PendingCallback.WhileQueued && (body is not null || form is not null)
                    && await OnCallbackAnswerAsync(c, body, form, ct))
                    break;
                if (body is null) break;
                if (c.Context.Count < _settings.MaxContextMessages) c.Context.Add(body);
                if (c.OfferOpen) await SendAsync(ImStanzas.Message(c.ConversationAddress, AgentAddress(c), NewId(), body), ct);
                break;
            case ImConversationState.Connected:
                if (body is not null || chatState is not null)
                    await SendAsync(ImStanzas.Message(c.ConversationAddress, AgentAddress(c), NewId(), body, chatState), ct);
                break;
        }
    }

    private async ValueTask HandleCustomerPresenceAsync(XElement presence, Jid from, Jid gatewayAddress, CancellationToken ct)
    {
        switch (ImStanzas.Type(presence))
        {
            case "unavailable":
                // RFC 6121 §4.6.3: the customer's server tells addresses the customer sent directed presence to that it left.
                if (_byCustomer.TryGetValue(CustomerKey(from, gatewayAddress), out var c))
                    await WithGateAsync(c, async () =>
                    {
                        if (from.IsBare || c.Customer == from) await EndAsync(c, EndReason.CustomerLeft, ct);
                    }, ct);
                break;
            case "subscribe":
                // RFC 6121 §3.1.2: a queue address may be put on a roster; it approves and shows itself available.
                await SendAsync(ImStanzas.Presence(gatewayAddress, from.Bare, "subscribed"), ct);
                await SendAsync(ImStanzas.Presence(gatewayAddress, from.Bare, null), ct);
                break;
            case "probe":
                await SendAsync(ImStanzas.Presence(gatewayAddress, from, null), ct);
                break;
            case "unsubscribe":
                await SendAsync(ImStanzas.Presence(gatewayAddress, from.Bare, "unsubscribed"), ct);
                break;
        }
    }

    private async ValueTask HandleIqAsync(XElement iq, Jid from, Jid address, CancellationToken ct)
    {
        var type = ImStanzas.Type(iq);
        if (type is "get" or "set")
        {
            XElement reply;
            var id = (string?)iq.Attribute("id") ?? "";
            if (type == "get" && ImStanzas.IsDiscoInfo(iq))
                reply = ImStanzas.Iq(address, from, "result", id, ImStanzas.DiscoInfoResult(DisplayName(address)));
            else if (type == "get" && ImStanzas.IsVersion(iq))
                reply = ImStanzas.Iq(address, from, "result", id, ImStanzas.VersionResult(_version));
            else if (ImStanzas.IsPing(iq))
                reply = ImStanzas.Iq(address, from, "result", id);
            else
                reply = ImStanzas.Error(iq, address, from, "cancel", "service-unavailable");
            await SendAsync(reply, ct);
            return;
        }

        // A result or error of one of our probes: "<conversation id>-disco" / "<conversation id>-version".
        var probeId = (string?)iq.Attribute("id");
        if (probeId is null || type is not ("result" or "error")) return;
        var isDisco = probeId.EndsWith(ProbeDisco, StringComparison.Ordinal);
        var isVersion = probeId.EndsWith(ProbeVersion, StringComparison.Ordinal);
        if (!isDisco && !isVersion) return;
        var conversationId = probeId[..^(isDisco ? ProbeDisco.Length : ProbeVersion.Length)];
        if (!_byId.TryGetValue(conversationId, out var c) || c.Customer.Bare != from.Bare) return;
        await WithGateAsync(c, async () =>
        {
            if (type == "result")
            {
                foreach (var capability in isDisco ? ImStanzas.DiscoFeatures(iq) : ImStanzas.VersionCapabilities(iq))
                    c.Capabilities.Add(capability);
                if (isDisco && c.Capabilities.Contains(XmppNamespaces.DataForms.NamespaceName)) c.SupportsForms = true;
                if (isVersion) c.Client = ImStanzas.VersionSoftware(iq);
            }
            if (isDisco) c.DiscoAnswered = true;
            else c.VersionAnswered = true;
            if (c.State == ImConversationState.Greeting && c.DiscoAnswered && c.VersionAnswered)
                await StartDialogueAsync(c, ct);
        }, ct);
    }

    // ---------------------------------------------------------------- the dialogue

    private async ValueTask BeginGreetingAsync(ImConversation c, string firstBody, CancellationToken ct)
    {
        LogConversationStarted(_log, c.Id, c.GatewayAddress.Local ?? "");
        c.Record(Now, TranscriptSender.Customer, firstBody);
        c.Pending.Add(firstBody);
        ArmTimer(c, _settings.CapabilityProbeTimeout, TimerPurpose.Probe);
        await SendAsync(ImStanzas.Iq(c.GatewayAddress, c.Customer, "get", c.Id + ProbeDisco, ImStanzas.DiscoInfoQuery()), ct);
        await SendAsync(ImStanzas.Iq(c.GatewayAddress, c.Customer, "get", c.Id + ProbeVersion, ImStanzas.VersionQuery()), ct);
    }

    /// <summary>Greeting is over (both probes answered, or their time ran out): look the customer up, then flow or queue.</summary>
    private async ValueTask StartDialogueAsync(ImConversation c, CancellationToken ct)
    {
        CancelTimer(c);
        try
        {
            if (await _customers.FindByImAddressAsync(c.Customer.Bare.ToString(), ct) is { } customer)
            {
                c.CustomerId = customer.Id;
                c.CustomerName = customer.Name;
                c.KnownPhone = customer.Phones.Count > 0 ? customer.Phones[0] : null;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCustomerLookupFailed(_log, c.Id, e);
        }

        // What the customer wrote before the dialogue started is context for the agent, not an answer to a menu
        // the customer has not seen yet.
        foreach (var text in c.Pending.Take(_settings.MaxContextMessages - c.Context.Count)) c.Context.Add(text);
        c.Pending.Clear();

        if (c.QueueAddress is { } queue)
        {
            await SayAsync(c, _texts.QueueGreeting(queue.DisplayName), ct);
            await SubmitAsync(c, queue.QueueId, ct);
            return;
        }
        // The flow as provisioned now; the run keeps it, so a change later leaves this conversation in the flow it entered.
        var flow = _settings.SupportFlowId is { } id && _settings.Catalog.Flows.TryGetValue(id, out var current) ? current : _settings.SupportFlow;
        c.Flow = new FlowRun(flow);
        c.MoveTo(ImConversationState.InFlow);
        await ApplyAsync(c, c.Flow.Start(), ct);
    }

    private async ValueTask ApplyAsync(ImConversation c, FlowDirective directive, CancellationToken ct)
    {
        switch (directive)
        {
            case AwaitInput wait:
                await SayPromptsAsync(c, wait.Prompts, ct);
                ArmTimer(c, wait.Expect.Timeout > _settings.MinimumInputTimeout ? wait.Expect.Timeout : _settings.MinimumInputTimeout, TimerPurpose.Input);
                break;
            case EnterQueue queue:
                await SayPromptsAsync(c, queue.Prompts, ct);
                await SubmitAsync(c, queue.QueueId, ct, queue);
                break;
            case RequestCallback callback:
                // The flow's prompts ("we will call you back") are rendered once the call-back is booked.
                c.Callback = PendingCallback.FromFlow;
                c.CallbackQueue = callback.QueueId;
                c.CallbackPrompts = callback.Prompts;
                c.CallbackAttempts = 0;
                await AskForPhoneAsync(c, _texts.AskPhone, ct);
                ArmTimer(c, _settings.CallbackNumberTimeout, TimerPurpose.CallbackNumber);
                break;
            case EndConversation end:
                await SayPromptsAsync(c, end.Prompts, ct);
                await EndAsync(c, EndReason.FlowEnded, ct);
                break;
        }
    }

    /// <param name="fromFlow">The flow's hand-over, with the product and variables it gathered; null for a queue address.</param>
    private async ValueTask SubmitAsync(ImConversation c, string queueId, CancellationToken ct, EnterQueue? fromFlow = null)
    {
        CancelTimer(c);
        c.MoveTo(ImConversationState.Queued);
        c.QueueId = queueId;
        var result = await _routing.SubmitAsync(new InteractionRequest
        {
            Channel = InteractionChannel.Im,
            QueueId = queueId,
            CustomerId = c.CustomerId,
            Address = c.Customer.Bare.ToString(),
            Capabilities = c.Capabilities.ToFrozenSet(StringComparer.Ordinal),
            Client = c.Client,
            ChannelKey = c.Id,
            Product = fromFlow?.Product,
            Variables = fromFlow is { Variables.Count: > 0 } ? fromFlow.Variables : null,
        }, ct);
        c.InteractionId = result.InteractionId;
        LogQueued(_log, c.Id, result.InteractionId, queueId, result.State);
        if (result.State != InteractionState.Queued) return;

        // Nobody took it at once: the place in the queue, then the estimated wait with a call-back instead (the
        // offer stays one message of its own, the one a reply answers); later the place whenever it changes materially.
        c.Callback = PendingCallback.WhileQueued;
        c.CallbackQueue = queueId;
        c.Told = new QueuePlace(result.Position, result.Ewt.Seconds);
        if (_texts.Position(result.Position) is { Length: > 0 } place) await SayAsync(c, place, ct);
        var text = _texts.Waiting(result.Ewt) + " " + _texts.CallbackOffer(c.KnownPhone);
        await AskForPhoneAsync(c, text, ct);
        if (_settings.QueueUpdateEvery > TimeSpan.Zero) ArmTimer(c, _settings.QueueUpdateEvery, TimerPurpose.QueueUpdate);
    }

    /// <summary>
    /// The periodic look at a waiting chat's place: told when it changed materially since last told (see
    /// <see cref="QueuePlace.IsMaterialChangeFrom"/>), so at most one update per <see cref="ImGatewaySettings.QueueUpdateEvery"/>.
    /// Runs under the conversation's gate; looks again while the chat waits (an offer that is declined or times out
    /// puts it back in line, and the looks go on), and stops once an agent has it or the core no longer knows it.
    /// </summary>
    private async ValueTask UpdateQueuePlaceAsync(ImConversation c, CancellationToken ct)
    {
        if (c.InteractionId is not { } id || c.State != ImConversationState.Queued) return;
        if (await _routing.GetStatusAsync(id, ct) is not { } status) return;
        var now = new QueuePlace(status.Position, status.Ewt.Seconds);
        // Offered: an agent's phone or console shows it and the customer is about to be answered; no news then.
        if (status.Interaction.State == InteractionState.Queued && !c.OfferOpen && now.IsMaterialChangeFrom(c.Told, _settings.QueueUpdateWaitChange))
        {
            c.Told = now;
            var text = _texts.Position(now.Position) is { Length: > 0 } place ? place + " " + _texts.Waiting(status.Ewt) : _texts.Waiting(status.Ewt);
            LogPlaceTold(_log, c.Id, now.Position, now.WaitSeconds);
            await SayAsync(c, text, ct);
        }
        ArmTimer(c, _settings.QueueUpdateEvery, TimerPurpose.QueueUpdate);
    }

    private async ValueTask AskForPhoneAsync(ImConversation c, string text, CancellationToken ct)
    {
        c.Record(Now, TranscriptSender.Gateway, text);
        var form = c.SupportsForms ? ImStanzas.CallbackForm(text, c.KnownPhone, _texts.CallbackFormTitle, _texts.CallbackFormField) : null;
        await SendAsync(ImStanzas.Message(c.GatewayAddress, c.Customer, NewId(), text, extra: form), ct);
    }

    /// <summary>
    /// A phone number (typed or in the submitted form) answers a pending call-back question. Returns false when the
    /// message was not an answer (while queued, any other text is an ordinary message for the agent).
    /// </summary>
    private async ValueTask<bool> OnCallbackAnswerAsync(ImConversation c, string? body, (bool Cancelled, string? Phone)? form, CancellationToken ct)
    {
        var whileQueued = c.Callback == PendingCallback.WhileQueued;
        if (form is { Cancelled: true })
        {
            if (whileQueued)
            {
                c.Callback = PendingCallback.None;
                return true;
            }
            await SayAsync(c, _texts.PhoneGiveUp, ct);
            await EndAsync(c, EndReason.FlowEnded, ct);
            return true;
        }

        var typed = form?.Phone ?? body;
        if (whileQueued && c.KnownPhone is not null && typed is not null && _texts.IsYes(typed)) typed = c.KnownPhone;
        var phone = PhoneNumbers.ToE164(typed);
        if (phone is null)
        {
            if (whileQueued && form is null) return false;
            if (!whileQueued && ++c.CallbackAttempts >= 3)
            {
                await SayAsync(c, _texts.PhoneGiveUp, ct);
                await EndAsync(c, EndReason.FlowEnded, ct);
                return true;
            }
            await AskForPhoneAsync(c, _texts.PhoneInvalid, ct);
            return true;
        }

        ImCallbackReceipt receipt;
        try
        {
            receipt = await _callbacks.BookAsync(new ImCallbackRequest(c.CallbackQueue ?? c.QueueId ?? "", phone, c.Customer.Bare.ToString(),
                c.CustomerId, c.CustomerName, c.StartedAt, Now), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCallbackFailed(_log, c.Id, e);
            receipt = new ImCallbackReceipt(false, null, _texts.CallbackFailed);
        }

        c.Callback = PendingCallback.None;
        if (!receipt.Booked)
        {
            await SayAsync(c, receipt.Refusal ?? _texts.CallbackFailed, ct);
            if (!whileQueued) await EndAsync(c, EndReason.FlowEnded, ct);
            return true;
        }
        LogCallbackBooked(_log, c.Id, receipt.CallbackId ?? "");
        if (whileQueued)
        {
            await SayAsync(c, _texts.CallbackBooked(phone), ct);
            await EndAsync(c, EndReason.CallbackBooked, ct);
            return true;
        }
        CancelTimer(c);
        await SayPromptsAsync(c, c.CallbackPrompts, ct);
        if (c.Flow?.Continue() is { } next) await ApplyAsync(c, next, ct);
        else await EndAsync(c, EndReason.FlowEnded, ct);
        return true;
    }

    // ---------------------------------------------------------------- ending

    private enum EndReason
    {
        CustomerLeft,
        AgentLeft,
        FlowEnded,
        CallbackBooked,
        CoreEnded,
    }

    private async ValueTask EndAsync(ImConversation c, EndReason reason, CancellationToken ct)
    {
        if (c.IsEnded) return;
        var wasConnected = c.State == ImConversationState.Connected;
        c.MoveTo(ImConversationState.Ended);
        CancelTimer(c);
        _byId.TryRemove(c.Id, out _);
        _byCustomer.TryRemove(new KeyValuePair<string, ImConversation>(CustomerKey(c.Customer, c.GatewayAddress), c));
        LogEnded(_log, c.Id, reason);

        if (c.InteractionId is { } interactionId && reason != EndReason.CoreEnded)
        {
            var result = wasConnected
                ? await _routing.EndAsync(interactionId, ct)
                : await _routing.AbandonAsync(interactionId, reason == EndReason.CallbackBooked ? "callback" : "customerLeft", ct);
            if (!result.IsOk) LogEndRefused(_log, c.Id, result.Error ?? result.Status.ToString());
        }

        // The customer hears it from the address it wrote to; the agent from the conversation address, which then goes away.
        var toCustomer = reason switch
        {
            EndReason.AgentLeft => _texts.AgentLeft,
            EndReason.CoreEnded => _texts.ChatEnded,
            _ => null,
        };
        if (toCustomer is not null) c.Record(Now, TranscriptSender.Gateway, toCustomer);

        // Stored before either side is told, so whoever reads the history after the end finds the whole chat.
        if (c.InteractionId is { } id && c.Transcript.Count > 0)
        {
            try
            {
                await _transcripts.AppendAsync([.. c.Transcript.Select(l => l with { InteractionId = id })], ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTranscriptFailed(_log, c.Id, e);
            }
        }

        if (reason != EndReason.CustomerLeft)
            await SendAsync(ImStanzas.Message(c.GatewayAddress, c.Customer, NewId(), toCustomer, "gone"), ct);
        if (c.AgentId is not null)
        {
            if (reason != EndReason.AgentLeft)
                await SendAsync(ImStanzas.Message(c.ConversationAddress, AgentAddress(c), NewId(),
                    reason == EndReason.CoreEnded ? _texts.ChatClosed : _texts.CustomerLeft, "gone"), ct);
            await SendAsync(ImStanzas.Presence(c.ConversationAddress, AgentAddress(c), "unavailable"), ct);
        }
    }

    // ---------------------------------------------------------------- helpers

    private enum TimerPurpose
    {
        Probe,
        Input,
        CallbackNumber,
        QueueUpdate,
    }

    private void ArmTimer(ImConversation c, TimeSpan due, TimerPurpose purpose)
    {
        var generation = ++c.TimerGeneration;
        c.Timer?.Dispose();
        c.Timer = _time.CreateTimer(_ => _ = OnTimerAsync(c, generation, purpose), null, due, Timeout.InfiniteTimeSpan);
    }

    private static void CancelTimer(ImConversation c)
    {
        c.TimerGeneration++;
        c.Timer?.Dispose();
        c.Timer = null;
    }

    private async Task OnTimerAsync(ImConversation c, int generation, TimerPurpose purpose)
    {
        try
        {
            await WithGateAsync(c, async () =>
            {
                if (generation != c.TimerGeneration || c.IsEnded) return;
                c.Timer?.Dispose();
                c.Timer = null;
                switch (purpose)
                {
                    case TimerPurpose.Probe when c.State == ImConversationState.Greeting:
                        await StartDialogueAsync(c, CancellationToken.None);
                        break;
                    case TimerPurpose.Input when c.State == ImConversationState.InFlow && c.Callback == PendingCallback.None:
                        if (c.Flow?.Timeout() is { } directive) await ApplyAsync(c, directive, CancellationToken.None);
                        break;
                    case TimerPurpose.CallbackNumber when c.State == ImConversationState.InFlow && c.Callback == PendingCallback.FromFlow:
                        await SayAsync(c, _texts.PhoneGiveUp, CancellationToken.None);
                        await EndAsync(c, EndReason.FlowEnded, CancellationToken.None);
                        break;
                    case TimerPurpose.QueueUpdate when c.State == ImConversationState.Queued:
                        await UpdateQueuePlaceAsync(c, CancellationToken.None);
                        break;
                }
            }, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogTimerFailed(_log, c.Id, e);
        }
    }

    private static async ValueTask WithGateAsync(ImConversation c, Func<ValueTask> action, CancellationToken ct)
    {
        await c.Gate.WaitAsync(ct);
        try
        {
            await action();
        }
        finally
        {
            c.Gate.Release();
        }
    }

    private ImConversation NewConversation(Jid customer, Jid gatewayAddress)
    {
        var id = RandomNumberGenerator.GetHexString(20, lowercase: true);
        var queue = gatewayAddress.Local is { } local && _queues.TryGetValue(local, out var q) ? q : null;
        return new ImConversation(id, customer, gatewayAddress, Jid.Create(ConversationPrefix + id, _settings.Domain), queue, Now,
            _settings.MaxTranscriptLines);
    }

    private ImConversation? Find(string? channelKey) =>
        channelKey is not null && _byId.TryGetValue(channelKey, out var c) ? c : null;

    private static string CustomerKey(Jid customer, Jid gatewayAddress) => customer.Bare + "|" + gatewayAddress.Local;

    private Jid AgentJid(string agentId) => Jid.Create(agentId, _settings.AgentDomain);

    private Jid AgentAddress(ImConversation c) => c.Agent ?? AgentJid(c.AgentId!);

    private string DisplayName(Jid address) =>
        address.Local is { } local && _queues.TryGetValue(local, out var q) ? q.DisplayName : "Contact centre";

    private DateTimeOffset Now => _time.GetUtcNow();

    private static string NewId() => RandomNumberGenerator.GetHexString(16, lowercase: true);

    private string? Clip(string? body) =>
        body is null ? null : body.Length > _settings.MaxBodyLength ? body[.._settings.MaxBodyLength] : body;

    private ValueTask SayPromptsAsync(ImConversation c, IReadOnlyList<string> prompts, CancellationToken ct) =>
        prompts.Count == 0 ? ValueTask.CompletedTask : SayAsync(c, string.Join("\n", prompts.Select(_settings.Catalog.TextOf)), ct);

    private async ValueTask SayAsync(ImConversation c, string text, CancellationToken ct)
    {
        c.Record(Now, TranscriptSender.Gateway, text);
        await SendAsync(ImStanzas.Message(c.GatewayAddress, c.Customer, NewId(), text), ct);
    }

    private async ValueTask SendAsync(XElement stanza, CancellationToken ct)
    {
        try
        {
            await _outlet.SendAsync(stanza, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSendFailed(_log, (string?)stanza.Attribute("to") ?? "", e);
        }
    }

    [LoggerMessage(EventId = 760, Level = LogLevel.Information, Message = "IM conversation {ConversationId} started at {LocalPart}")]
    private static partial void LogConversationStarted(ILogger logger, string conversationId, string localPart);

    [LoggerMessage(EventId = 761, Level = LogLevel.Information, Message = "IM conversation {ConversationId} is interaction {InteractionId} in queue {QueueId} ({State})")]
    private static partial void LogQueued(ILogger logger, string conversationId, string interactionId, string queueId, InteractionState state);

    [LoggerMessage(EventId = 762, Level = LogLevel.Information, Message = "IM conversation {ConversationId} (interaction {InteractionId}) offered to {AgentId}")]
    private static partial void LogOffered(ILogger logger, string conversationId, string interactionId, string agentId);

    [LoggerMessage(EventId = 763, Level = LogLevel.Information, Message = "IM conversation {ConversationId} (interaction {InteractionId}) connected to {AgentId}")]
    private static partial void LogConnected(ILogger logger, string conversationId, string interactionId, string agentId);

    [LoggerMessage(EventId = 764, Level = LogLevel.Information, Message = "IM conversation {ConversationId} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string conversationId, EndReason reason);

    [LoggerMessage(EventId = 765, Level = LogLevel.Information, Message = "IM conversation {ConversationId} booked call-back {CallbackId}")]
    private static partial void LogCallbackBooked(ILogger logger, string conversationId, string callbackId);

    [LoggerMessage(EventId = 766, Level = LogLevel.Error, Message = "IM conversation {ConversationId}: the call-back could not be booked")]
    private static partial void LogCallbackFailed(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(EventId = 767, Level = LogLevel.Warning, Message = "IM gateway: a stanza to {To} could not be sent")]
    private static partial void LogSendFailed(ILogger logger, string to, Exception exception);

    [LoggerMessage(EventId = 768, Level = LogLevel.Error, Message = "IM gateway: handling core event {Event} failed")]
    private static partial void LogEventFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(EventId = 790, Level = LogLevel.Warning, Message = "IM gateway fell behind the core's events (about {Missed} missed after sequence {Sequence}); following on")]
    private static partial void LogFellBehind(ILogger logger, long missed, long sequence);

    [LoggerMessage(EventId = 769, Level = LogLevel.Error, Message = "IM conversation {ConversationId}: a timer failed")]
    private static partial void LogTimerFailed(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(EventId = 770, Level = LogLevel.Error, Message = "IM conversation {ConversationId}: the transcript could not be stored")]
    private static partial void LogTranscriptFailed(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(EventId = 771, Level = LogLevel.Warning, Message = "IM conversation {ConversationId}: customer lookup failed")]
    private static partial void LogCustomerLookupFailed(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(EventId = 772, Level = LogLevel.Warning, Message = "IM conversation {ConversationId}: the core refused to mark it connected: {Error}")]
    private static partial void LogMarkConnectedFailed(ILogger logger, string conversationId, string error);

    [LoggerMessage(EventId = 773, Level = LogLevel.Warning, Message = "IM conversation {ConversationId}: the core refused to end it: {Error}")]
    private static partial void LogEndRefused(ILogger logger, string conversationId, string error);

    [LoggerMessage(EventId = 15210, Level = LogLevel.Debug, Message = "IM conversation {ConversationId}: told position {Position}, estimated wait {WaitSeconds} s")]
    private static partial void LogPlaceTold(ILogger logger, string conversationId, int position, double? waitSeconds);
}
