using System.Collections.Concurrent;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Server;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// Customer presence to agents (issue 15): while an agent holds a chat (offered or connected; the conversation ends at
/// wrap-up), the agent's client receives the customer's presence, merged over the customer's resources (best show, as
/// the server computes it for <see cref="IXmppPresenceObserver"/>), as directed presence FROM the conversation address,
/// the way Prosody's MUC or a transport presents a contact it relays. The customer's JID, resource, status text and
/// priority never cross: the stanza is built anew with the show only. Unavailable follows when the chat ends, the
/// offer is withdrawn, the chat is transferred away, or the customer goes offline.
/// </summary>
public sealed partial class ImGateway
{
    // Bare JID → best show of the customers (and guests) online now; offline ones are removed, so it holds at most one
    // entry per online account. Kept because the customer's presence usually arrives before the chat is offered.
    private readonly ConcurrentDictionary<string, XmppPresenceShow> _customerShows = new(StringComparer.Ordinal);

    /// <summary>
    /// A customer's (or guest's) presence over all its resources changed. Every chat of that customer held by an agent
    /// passes the change on to the agent from its conversation address.
    /// </summary>
    public async ValueTask OnCustomerPresenceAsync(Jid customer, XmppPresenceShow show, CancellationToken cancellationToken = default)
    {
        var bare = customer.Bare.ToString();
        if (show == XmppPresenceShow.Unavailable) _customerShows.TryRemove(bare, out _);
        else _customerShows[bare] = show;

        // A customer has at most one conversation per gateway address: probe those keys instead of scanning every chat.
        foreach (var local in _customerAddresses)
        {
            if (_byCustomer.TryGetValue(bare + "|" + local, out var c))
                await WithGateAsync(c, () => ShowCustomerPresenceAsync(c, cancellationToken), cancellationToken);
        }
    }

    /// <summary>
    /// Brings what the agent sees of the customer in line with the customer's presence now (under the conversation's
    /// gate). Reads the latest show rather than a passed one, so of two racing updates the last to take the gate wins.
    /// </summary>
    private async ValueTask ShowCustomerPresenceAsync(ImConversation c, CancellationToken ct)
    {
        var held = c.AgentId is not null && (c.State == ImConversationState.Connected || (c.State == ImConversationState.Queued && c.OfferOpen));
        var show = held && _customerShows.TryGetValue(c.Customer.Bare.ToString(), out var known) ? known : XmppPresenceShow.Unavailable;
        if (show == c.PresenceShown) return;
        c.PresenceShown = show;
        LogCustomerPresenceShown(_log, c.Id, c.AgentId ?? "", show);
        await SendAsync(ImStanzas.Presence(c.ConversationAddress, AgentAddress(c), show), ct);
    }

    /// <summary>The agent lets go of the chat (offer withdrawn): unavailable from the conversation address if presence was shown.</summary>
    private async ValueTask HideCustomerPresenceAsync(ImConversation c, CancellationToken ct)
    {
        if (c.PresenceShown == XmppPresenceShow.Unavailable || c.AgentId is null) return;
        c.PresenceShown = XmppPresenceShow.Unavailable;
        await SendAsync(ImStanzas.Presence(c.ConversationAddress, AgentAddress(c), XmppPresenceShow.Unavailable), ct);
    }

    [LoggerMessage(EventId = 15450, Level = LogLevel.Debug, Message = "IM conversation {ConversationId}: customer presence {Show} shown to {AgentId}")]
    private static partial void LogCustomerPresenceShown(ILogger logger, string conversationId, string agentId, XmppPresenceShow show);
}
