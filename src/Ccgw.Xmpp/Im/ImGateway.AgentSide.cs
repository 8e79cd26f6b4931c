using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Xmpp.Routing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Im;

/// <summary>The agent's side of a conversation and the core's events that drive it (offers, transfers, closes).</summary>
public sealed partial class ImGateway
{
    // ---------------------------------------------------------------- agent side

    private async ValueTask HandleAgentSideAsync(XElement stanza, Jid from, Jid conversationAddress, string id, CancellationToken ct)
    {
        var kind = stanza.Name.LocalName;
        var type = ImStanzas.Type(stanza);
        if (kind == "iq")
        {
            if (type is "get" or "set") await HandleIqAsync(stanza, from, conversationAddress, ct);
            return;
        }
        if (type == "error" && !(kind == "message" && ImStanzas.IsGoneError(stanza))) return;

        if (!_byId.TryGetValue(id, out var c) || c.ConversationAddress != conversationAddress)
        {
            if (kind == "message" && ImStanzas.Body(stanza) is not null)
                await SendAsync(ImStanzas.Error(stanza, conversationAddress, from, "cancel", "item-not-found"), ct);
            return;
        }

        await WithGateAsync(c, async () =>
        {
            if (c.AgentId is null || from.Bare != AgentJid(c.AgentId))
            {
                // Someone else (or an agent whose offer closed) writing to the conversation address learns nothing.
                if (kind == "message" && ImStanzas.Body(stanza) is not null)
                    await SendAsync(ImStanzas.Error(stanza, conversationAddress, from, "auth", "forbidden"), ct);
                return;
            }
            if (type == "error")
            {
                // The agent's client or account is gone: the chat cannot go on.
                if (c.State == ImConversationState.Connected) await EndAsync(c, EndReason.AgentLeft, ct);
                return;
            }
            if (kind == "presence")
            {
                if (type == "unavailable" && c.State == ImConversationState.Connected && (c.Agent is not { IsBare: false } locked || locked == from || from.IsBare))
                    await EndAsync(c, EndReason.AgentLeft, ct);
                return;
            }
            if (kind != "message") return;

            var body = Clip(ImStanzas.Body(stanza));
            var chatState = ImStanzas.ChatState(stanza);
            if (c.State == ImConversationState.Queued && c.OfferOpen && body is not null)
            {
                c.Agent = from;
                var accepted = await _routing.AcceptOfferAsync(c.AgentId, c.InteractionId!, ct);
                if (!accepted.IsOk)
                {
                    await SendAsync(ImStanzas.Message(conversationAddress, from, NewId(), _texts.OfferWithdrawn, "gone"), ct);
                    return;
                }
                await ConnectAsync(c, ct);
            }
            if (c.State != ImConversationState.Connected) return;
            c.Agent = from;
            if (body is not null) c.Record(Now, TranscriptSender.Agent, body);
            if (chatState == "gone")
            {
                if (body is not null) await SendAsync(ImStanzas.Message(c.GatewayAddress, c.Customer, NewId(), body), ct);
                await EndAsync(c, EndReason.AgentLeft, ct);
                return;
            }
            if (body is not null || chatState is not null)
                await SendAsync(ImStanzas.Message(c.GatewayAddress, c.Customer, NewId(), body, chatState), ct);
        }, ct);
    }

    private async ValueTask ConnectAsync(ImConversation c, CancellationToken ct)
    {
        var connected = await _routing.MarkConnectedAsync(c.InteractionId!, ct);
        if (!connected.IsOk) LogMarkConnectedFailed(_log, c.Id, connected.Error ?? connected.Status.ToString());
        c.OfferOpen = false;
        c.Callback = PendingCallback.None;
        c.MoveTo(ImConversationState.Connected);
        LogConnected(_log, c.Id, c.InteractionId!, c.AgentId!);
        await SayAsync(c, _texts.AgentJoined, ct);
    }

    // ---------------------------------------------------------------- core events

    internal async ValueTask OnCoreEventAsync(CoreEvent e, CancellationToken ct)
    {
        switch (e)
        {
            case OfferMade { Offer: { Channel: InteractionChannel.Im } offer } when Find(offer.Interaction.ChannelKey) is { } c:
                await WithGateAsync(c, () => OnOfferMadeAsync(c, offer, ct), ct);
                break;
            case OfferClosed { Offer: { Channel: InteractionChannel.Im } offer } closed when Find(offer.Interaction.ChannelKey) is { } c:
                await WithGateAsync(c, () => OnOfferClosedAsync(c, offer, closed.Outcome, ct), ct);
                break;
            case InteractionStateChanged { Interaction: { Channel: InteractionChannel.Im, State: InteractionState.Queued } view, From: InteractionState.Connected }
                when Find(view.ChannelKey) is { } c:
                await WithGateAsync(c, () => OnTransferredAsync(c, view, ct), ct);
                break;
            case InteractionStateChanged { Interaction: { Channel: InteractionChannel.Im } view } when Find(view.ChannelKey) is { } c
                && view.State is InteractionState.WrapUp or InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed:
                await WithGateAsync(c, async () =>
                {
                    if (c.InteractionId == view.Id) await EndAsync(c, EndReason.CoreEnded, ct);
                }, ct);
                break;
        }
    }

    private async ValueTask OnOfferMadeAsync(ImConversation c, Offer offer, CancellationToken ct)
    {
        if (c.State != ImConversationState.Queued || c.InteractionId != offer.InteractionId) return;
        c.AgentId = offer.AgentId;
        c.Agent = AgentJid(offer.AgentId);
        c.OfferOpen = true;
        LogOffered(_log, c.Id, offer.InteractionId, offer.AgentId);
        var queueName = _queuesById.TryGetValue(offer.QueueId, out var q) ? q.DisplayName : offer.QueueId;
        var text = _texts.Offer(queueName, c.CustomerName ?? _texts.Guest, offer.WaitedSeconds);
        if (c.Client is { } client) text += "\n" + _texts.OfferClient(client);
        if (c.Context.Count > 0) text += "\n" + string.Join("\n", c.Context.Select(line => "> " + line));
        await SendAsync(ImStanzas.Message(c.ConversationAddress, c.Agent.Value, NewId(), text), ct);
        await ShowCustomerPresenceAsync(c, ct);
    }

    /// <summary>The console transferred the chat: the agent lets go, the customer waits for the next offer (same addresses).</summary>
    private async ValueTask OnTransferredAsync(ImConversation c, InteractionView view, CancellationToken ct)
    {
        if (c.State != ImConversationState.Connected || c.InteractionId != view.Id) return;
        if (c.AgentId is not null)
        {
            await SendAsync(ImStanzas.Message(c.ConversationAddress, AgentAddress(c), NewId(), _texts.Transferred, "gone"), ct);
            await SendAsync(ImStanzas.Presence(c.ConversationAddress, AgentAddress(c), "unavailable"), ct);
        }
        c.PresenceShown = Server.XmppPresenceShow.Unavailable; // the next agent is shown the customer afresh
        c.AgentId = null;
        c.Agent = null;
        c.QueueId = view.QueueId;
        c.MoveTo(ImConversationState.Queued);
        await SayAsync(c, _texts.BeingTransferred, ct);
    }

    private async ValueTask OnOfferClosedAsync(ImConversation c, Offer offer, OfferOutcome outcome, CancellationToken ct)
    {
        if (c.InteractionId != offer.InteractionId || c.AgentId != offer.AgentId) return;
        if (outcome == OfferOutcome.Accepted)
        {
            // Accepted on the console: connect now (an agent's reply accepts through the same path and is already connected).
            if (c.State == ImConversationState.Queued) await ConnectAsync(c, ct);
            return;
        }
        if (c.State != ImConversationState.Queued) return;
        await SendAsync(ImStanzas.Message(c.ConversationAddress, AgentAddress(c), NewId(), _texts.OfferWithdrawn, "gone"), ct);
        await HideCustomerPresenceAsync(c, ct);
        c.OfferOpen = false;
        c.AgentId = null;
        c.Agent = null;
    }
}
