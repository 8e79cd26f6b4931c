using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Testing;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>
/// Issue 15, "customer presence to agents" (XMPP desk): while an agent holds a chat, the agent's client receives the
/// customer's presence from the conversation address (never the customer's JID), each change of show, and unavailable
/// when the agent no longer holds the chat.
/// </summary>
public sealed class ImCustomerPresenceTests
{
    private static readonly Jid GuestBare = Jid.Parse(ImHarness.GuestBare);

    /// <summary>Presence stanzas the agent received at the bare JID or any resource (once locked), as (from, type, show).</summary>
    private static List<(string From, string? Type, string? Show)> PresenceTo(ImHarness h, string agent = ImHarness.Bob) =>
        [.. h.Outlet.Sent.Where(s => s.Name.LocalName == "presence" && ((string?)s.Attribute("to"))?.Split('/')[0] == agent)
            .Select(s => ((string)s.Attribute("from")!, (string?)s.Attribute("type"), (string?)s.Element(XmppNamespaces.Client + "show")))];

    [Fact]
    public async Task The_offer_brings_the_customers_presence_from_the_conversation_address_and_nothing_of_the_customer()
    {
        var h = new ImHarness();
        await h.Gateway.OnCustomerPresenceAsync(Jid.Parse(ImHarness.Guest), XmppPresenceShow.Away);
        await h.GuestQueuedInBilling();
        Assert.Empty(PresenceTo(h)); // nobody holds the chat yet

        await h.Event(new OfferMade(h.Offer()));

        var chat = h.ConversationAddress();
        Assert.Equal([(chat, null, "away")], PresenceTo(h));
        var stanza = h.Outlet.To(ImHarness.Bob).Single(s => s.Name.LocalName == "presence");
        Assert.DoesNotContain(ImHarness.GuestBare, stanza.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["show"], stanza.Elements().Select(e => e.Name.LocalName)); // no status, priority or anything else of the customer's
    }

    [Fact]
    public async Task Changes_of_show_reach_the_agent_once_each_and_the_end_of_the_chat_sends_unavailable()
    {
        var h = new ImHarness();
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Available);
        var chat = await h.Connected();
        Assert.Equal([(chat, null, null)], PresenceTo(h));

        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.DoNotDisturb);
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.DoNotDisturb); // no change: nothing sent
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Chat);
        Assert.Equal([(chat, null, null), (chat, null, "dnd"), (chat, null, "chat")], PresenceTo(h));

        await h.Say(ImHarness.Guest, ImHarness.Support, null, "gone");
        Assert.Equal((chat, "unavailable", null), PresenceTo(h)[^1]);

        // The chat is over: later changes of the customer's presence reach nobody.
        var sent = h.Outlet.Sent.Count;
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Away);
        Assert.Equal(sent, h.Outlet.Sent.Count);
    }

    [Fact]
    public async Task Presence_that_arrives_while_offered_is_shown_and_a_withdrawn_offer_takes_it_back()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();
        await h.Event(new OfferMade(h.Offer()));
        Assert.Empty(PresenceTo(h)); // the customer's presence is not known: nothing is made up

        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.ExtendedAway);
        var chat = h.ConversationAddress();
        Assert.Equal([(chat, null, "xa")], PresenceTo(h));

        await h.Event(new OfferClosed(h.Offer(), OfferOutcome.TimedOut));
        Assert.Equal([(chat, null, "xa"), (chat, "unavailable", null)], PresenceTo(h));

        // Back in the queue with no agent: changes reach nobody.
        var sent = h.Outlet.To(ImHarness.Bob).Count;
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Available);
        Assert.Equal(sent, h.Outlet.To(ImHarness.Bob).Count);
    }

    [Fact]
    public async Task The_customer_going_offline_is_unavailable_and_a_transfer_shows_the_presence_to_the_next_agent_only()
    {
        var h = new ImHarness();
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Available);
        var chat = await h.Connected();

        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Unavailable);
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.Away);
        Assert.Equal([(chat, null, null), (chat, "unavailable", null), (chat, null, "away")], PresenceTo(h));

        await h.Event(new InteractionStateChanged(h.View(state: InteractionState.Queued), InteractionState.Connected, "transfer"));
        await h.Event(new OfferMade(h.Offer(agent: "alice")));
        Assert.Equal((chat, null, "away"), PresenceTo(h, "alice@localhost").Single());

        var toBob = PresenceTo(h).Count;
        await h.Gateway.OnCustomerPresenceAsync(GuestBare, XmppPresenceShow.DoNotDisturb);
        Assert.Equal(toBob, PresenceTo(h).Count);
        Assert.Equal((chat, null, "dnd"), PresenceTo(h, "alice@localhost")[^1]);
    }

    [Fact]
    public async Task The_bridge_passes_customers_and_guests_presence_to_the_gateway_but_not_staff()
    {
        var h = new ImHarness();
        using var stop = new CancellationTokenSource();
        var engine = new RoutingEngine(new ContactCenterDefinition(
            [new AgentDefinition("alice", "Alice", new Dictionary<string, int> { ["sales"] = 5 }, new ChannelCapacity(1, 1, 1))],
            [new QueueDefinition("sales", new Dictionary<string, int> { ["sales"] = 1 })], new RoutingOptions()), new ManualTimeProvider());
        var run = engine.RunAsync(stop.Token);
        var bridge = new XmppPresenceBridge(false, engine, NullLogger<XmppPresenceBridge>.Instance, h.Gateway);
        var keys = new ScramCredential([1], 4096, [1], [1]);
        await h.GuestQueuedInBilling();
        await h.Event(new OfferMade(h.Offer()));

        await bridge.OnPresenceChangedAsync(new XmppAccount("bob", XmppAccountKind.Agent, keys, keys), GuestBare, XmppPresenceShow.Away, default);
        Assert.Empty(PresenceTo(h));
        await bridge.OnPresenceChangedAsync(new XmppAccount("guest-1f3a", XmppAccountKind.Guest, keys, keys), GuestBare, XmppPresenceShow.Away, default);
        Assert.Equal("away", PresenceTo(h).Single().Show);

        await stop.CancelAsync();
        await run;
    }
}
