using Ccgw.Core.Flows;
using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Tests;

public sealed class ImGatewayTests
{
    private static readonly XNamespace Client = XmppNamespaces.Client;

    [Fact]
    public async Task First_contact_asks_the_client_for_disco_and_version_before_the_menu()
    {
        var h = new ImHarness();

        await h.Say(ImHarness.Guest, ImHarness.Support, "hello");

        var iqs = h.Outlet.To(ImHarness.Guest);
        Assert.Equal(2, iqs.Count);
        Assert.All(iqs, iq => Assert.Equal(("iq", "get", ImHarness.Support), (iq.Name.LocalName, (string?)iq.Attribute("type"), (string?)iq.Attribute("from"))));
        Assert.Contains(iqs, iq => iq.Element(XmppNamespaces.DiscoInfo + "query") is not null);
        Assert.Contains(iqs, iq => iq.Element(XmppNamespaces.Version + "query") is not null);
        Assert.Empty(h.Outlet.BodiesTo(ImHarness.Guest));

        await h.AnswerProbes(ImHarness.Guest, "http://jabber.org/protocol/chatstates");

        var menu = Assert.Single(h.Outlet.BodiesTo(ImHarness.Guest));
        Assert.Equal("Welcome to the demo contact centre.\nFor sales, press 1. For billing, press 2. To be called back, press 9.", menu);
    }

    [Fact]
    public async Task Messages_during_the_greeting_are_held_only_up_to_what_reaches_the_agent()
    {
        var h = new ImHarness();
        await h.Say(ImHarness.Guest, "sales@localhost", "message 0");
        for (var i = 1; i < 1000; i++) await h.Say(ImHarness.Guest, "sales@localhost", $"message {i}");

        Assert.Equal(h.Settings.MaxContextMessages, h.Gateway.PendingMessages);
        await h.AnswerProbes(ImHarness.Guest);
        Assert.Equal(0, h.Gateway.PendingMessages);
        Assert.Equal("sales", Assert.Single(h.Routing.Submitted).QueueId);
    }

    [Fact]
    public async Task Without_answers_to_the_probes_the_menu_starts_after_the_probe_timeout()
    {
        var h = new ImHarness();
        await h.Say(ImHarness.Guest, ImHarness.Support, "hello");

        h.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(h.Outlet.BodiesTo(ImHarness.Guest));
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Contains("For billing, press 2", Assert.Single(h.Outlet.BodiesTo(ImHarness.Guest)));
    }

    [Fact]
    public async Task Typed_digit_queues_with_the_clients_capabilities_an_opaque_key_and_the_bare_address()
    {
        var h = new ImHarness();

        await h.GuestQueuedInBilling("http://jabber.org/protocol/chatstates", "jabber:x:data");

        var request = Assert.Single(h.Routing.Submitted);
        Assert.Equal(InteractionChannel.Im, request.Channel);
        Assert.Equal("billing", request.QueueId);
        Assert.Equal(ImHarness.GuestBare, request.Address);
        Assert.Null(request.CustomerId);
        Assert.NotNull(request.ChannelKey);
        Assert.DoesNotContain("guest", request.ChannelKey, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(
            new HashSet<string> { "software:slixmpp 1.8.5", "os:Linux", "http://jabber.org/protocol/chatstates", "jabber:x:data" },
            request.Capabilities!.ToHashSet());
    }

    [Theory]
    [InlineData("Billing!")]
    [InlineData(" billing ")]
    public async Task Menu_words_stand_for_their_keys(string answer)
    {
        var h = new ImHarness();
        await h.GuestAtMenu();

        await h.Say(ImHarness.Guest, ImHarness.Support, answer);

        Assert.Equal("billing", Assert.Single(h.Routing.Submitted).QueueId);
    }

    [Fact]
    public async Task Wrong_answers_and_silence_retry_then_the_flow_says_goodbye_and_ends()
    {
        var h = new ImHarness();
        await h.GuestAtMenu();

        await h.Say(ImHarness.Guest, ImHarness.Support, "7");
        Assert.StartsWith("Sorry, that is not an option.\nFor sales", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);

        // A typed chat gets at least a minute per answer even though the flow's menu times out after 5 s on a keypad.
        h.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(2, h.Outlet.BodiesTo(ImHarness.Guest).Count);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("For sales", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        h.Clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal("Goodbye.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        Assert.Equal("gone", h.Outlet.To(ImHarness.Guest)[^1].Elements().Single(e => e.Name.Namespace == XmppNamespaces.ChatStates).Name.LocalName);
        Assert.Empty(h.Routing.Submitted);
        Assert.Equal(0, h.Gateway.ConversationCount);
    }

    [Fact]
    public async Task A_queue_address_skips_the_menu_and_queues_in_its_queue()
    {
        var h = new ImHarness();
        await h.Say(ImHarness.Guest, "sales@localhost", "I want to buy");
        await h.AnswerProbes(ImHarness.Guest);

        Assert.Equal("sales", Assert.Single(h.Routing.Submitted).QueueId);
        Assert.Equal("Welcome to Sales. You will be connected to an agent.", h.Outlet.BodiesTo(ImHarness.Guest)[0]);
        Assert.All(h.Outlet.To(ImHarness.Guest), s => Assert.Equal("sales@localhost", (string?)s.Attribute("from")));
    }

    [Fact]
    public async Task The_sites_own_texts_replace_the_english_ones()
    {
        var h = new ImHarness(texts: new GatewayTexts(new Dictionary<string, string>
        {
            ["QueueGreeting"] = "Willkommen bei {queue}. Sie werden gleich verbunden.",
        }));
        await h.Say(ImHarness.Guest, "sales@localhost", "Ich möchte kaufen");
        await h.AnswerProbes(ImHarness.Guest);

        Assert.Equal("Willkommen bei Sales. Sie werden gleich verbunden.", h.Outlet.BodiesTo(ImHarness.Guest)[0]);
    }

    [Fact]
    public async Task The_sites_own_yes_words_accept_the_call_back_on_the_known_number()
    {
        var h = new ImHarness(texts: new GatewayTexts(new Dictionary<string, string>
        {
            ["CallbackOfferKnownPhone"] = "Sollen wir Sie unter {phone} zurückrufen? Antworten Sie \"ja\".",
            ["CallbackYesWords"] = "ja, Rückruf",
        }));
        h.Routing.Ewt = new WaitEstimate(null, null, null, 1, 0);
        h.Customers.ByIm[ImHarness.GuestBare] = new Customer("dora", "Dora Diaz", ["+4930999000"], [ImHarness.GuestBare], [], []);
        await h.GuestQueuedInBilling();
        Assert.EndsWith("Sollen wir Sie unter +4930999000 zurückrufen? Antworten Sie \"ja\".", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);

        await h.Say(ImHarness.Guest, ImHarness.Support, "yes");
        Assert.Empty(h.Booking.Booked); // the English word is not one of this site's
        await h.Say(ImHarness.Guest, ImHarness.Support, "Ja!");

        Assert.Equal("+4930999000", Assert.Single(h.Booking.Booked).Phone);
    }

    [Fact]
    public async Task A_known_customer_is_named_by_id()
    {
        var h = new ImHarness();
        h.Customers.ByIm["carol@localhost"] = new Customer("carol", "Carol Clark", ["+15550100"], ["carol@localhost"], [], []);

        await h.Say("carol@localhost/phone", ImHarness.Support, "hi");
        await h.AnswerProbes("carol@localhost/phone");
        await h.Say("carol@localhost/phone", ImHarness.Support, "1");

        Assert.Equal("carol", Assert.Single(h.Routing.Submitted).CustomerId);
    }

    [Fact]
    public async Task Nobody_available_tells_the_wait_and_a_typed_phone_number_books_a_call_back()
    {
        var h = new ImHarness();
        h.Routing.Ewt = new WaitEstimate(null, null, null, 1, 0);
        await h.GuestQueuedInBilling();

        var offer = h.Outlet.To(ImHarness.Guest)[^1];
        Assert.StartsWith("No agent is available at the moment. To be called back instead, reply with your phone number", offer.Element(Client + "body")!.Value);
        Assert.Null(offer.Element(XmppNamespaces.DataForms + "x"));

        await h.Say(ImHarness.Guest, ImHarness.Support, "+49 (30) 123-4567");

        var booked = Assert.Single(h.Booking.Booked);
        Assert.Equal(("billing", "+49301234567", ImHarness.GuestBare), (booked.QueueId, booked.Phone, booked.ImAddress));
        Assert.Contains("abandon i1 callback", h.Routing.Calls);
        Assert.Equal("Thank you. We will call you back on +49301234567 as soon as an agent is free.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        Assert.Equal(0, h.Gateway.ConversationCount);
    }

    [Fact]
    public async Task The_wait_is_told_in_minutes_and_other_text_while_waiting_is_kept_for_the_agent()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();
        Assert.StartsWith("The estimated wait is about 3 minutes.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);

        await h.Say(ImHarness.Guest, ImHarness.Support, "it is about invoice 42");
        await h.Event(new OfferMade(h.Offer()));

        Assert.Empty(h.Booking.Booked);
        var offerText = Assert.Single(h.Outlet.BodiesTo(ImHarness.Bob));
        Assert.StartsWith("New chat in Billing from a guest (waited 12 s). Reply here to accept it.", offerText);
        Assert.Contains("> hello, my invoice is wrong", offerText);
        Assert.Contains("> it is about invoice 42", offerText);
    }

    [Fact]
    public async Task Clients_with_data_forms_get_a_call_back_form_and_its_submission_books()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling("jabber:x:data");

        var form = h.Outlet.To(ImHarness.Guest)[^1].Element(XmppNamespaces.DataForms + "x");
        Assert.NotNull(form);
        Assert.Equal("form", (string?)form.Attribute("type"));
        Assert.Contains(form.Elements(XmppNamespaces.DataForms + "field"), f => (string?)f.Attribute("var") == "phone");

        var x = XmppNamespaces.DataForms;
        await h.Send(ImHarness.Message(ImHarness.Guest, ImHarness.Support, null, extra: new XElement(x + "x", new XAttribute("type", "submit"),
            new XElement(x + "field", new XAttribute("var", "FORM_TYPE"), new XElement(x + "value", "urn:xmpp:ccgw:callback:0")),
            new XElement(x + "field", new XAttribute("var", "phone"), new XElement(x + "value", "+4930555000")))));

        Assert.Equal("+4930555000", Assert.Single(h.Booking.Booked).Phone);
    }

    [Fact]
    public async Task Menu_option_9_asks_for_a_number_books_and_the_flow_continues()
    {
        var h = new ImHarness();
        await h.GuestAtMenu();
        await h.Say(ImHarness.Guest, ImHarness.Support, "call back");
        Assert.StartsWith("Please reply with the phone number", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);

        await h.Say(ImHarness.Guest, ImHarness.Support, "tomorrow");
        Assert.StartsWith("That does not look like a phone number", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        await h.Say(ImHarness.Guest, ImHarness.Support, "+44 20 7946 0000");

        Assert.Equal(("sales", "+442079460000"), (Assert.Single(h.Booking.Booked).QueueId, h.Booking.Booked[0].Phone));
        Assert.Equal(["Thank you. We will call you back as soon as an agent is free.", "Goodbye."], h.Outlet.BodiesTo(ImHarness.Guest)[^2..]);
        Assert.Empty(h.Routing.Submitted);
    }

    [Fact]
    public async Task The_agent_gets_the_chat_from_a_conversation_address_and_a_reply_accepts_and_connects()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();
        await h.Event(new OfferMade(h.Offer()));

        var chat = h.ConversationAddress();
        Assert.Matches("^chat-[0-9a-f]{20}@localhost$", chat);
        Assert.True(h.Gateway.Handles(Jid.Parse(chat)));

        await h.Say(ImHarness.BobFull, chat, "Hello, Bob from billing here.");

        Assert.Equal(["accept bob i1", "connected i1"], h.Routing.Calls.Where(c => c.StartsWith("accept") || c.StartsWith("connected")));
        Assert.Equal(["An agent has joined the chat.", "Hello, Bob from billing here."], h.Outlet.BodiesTo(ImHarness.Guest)[^2..]);
        Assert.All(h.Outlet.To(ImHarness.Guest), s => Assert.Equal(ImHarness.Support, (string?)s.Attribute("from")));
    }

    [Fact]
    public async Task A_console_accept_connects_without_a_reply()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();
        await h.Event(new OfferMade(h.Offer()));

        await h.Event(new OfferClosed(h.Offer(), OfferOutcome.Accepted));

        Assert.Contains("connected i1", h.Routing.Calls);
        Assert.DoesNotContain(h.Routing.Calls, c => c.StartsWith("accept"));
        Assert.Equal("An agent has joined the chat.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
    }

    [Fact]
    public async Task Relay_passes_bodies_and_chat_states_and_nothing_else_of_either_side()
    {
        var h = new ImHarness();
        var chat = await h.Connected();
        h.Outlet.Clear();

        await h.Send(ImHarness.Message(ImHarness.Guest, ImHarness.Support, "Invoice 42 is wrong", id: "guest-1f3a@localhost-msg",
            extra: [new XElement(Client + "thread", "guest-1f3a@localhost-thread"), new XElement((XNamespace)"urn:xmpp:receipts" + "request"),
                new XElement(XmppNamespaces.ChatStates + "active")]));
        await h.Say(ImHarness.Guest, ImHarness.Support, null, "composing");
        await h.Send(ImHarness.Message(ImHarness.BobFull, chat, "Let me check.", id: "bob@localhost/desk-1",
            extra: new XElement(Client + "thread", "bob@localhost/desk")));
        await h.Say(ImHarness.BobFull, chat, null, "paused");

        var toBob = h.Outlet.To(ImHarness.BobFull);
        Assert.Equal(2, toBob.Count);
        Assert.Equal("Invoice 42 is wrong", toBob[0].Element(Client + "body")!.Value);
        Assert.Equal(["body", "active"], toBob[0].Elements().Select(e => e.Name.LocalName));
        Assert.Equal("composing", Assert.Single(toBob[1].Elements()).Name.LocalName);
        var toGuest = h.Outlet.To(ImHarness.Guest);
        Assert.Equal("Let me check.", toGuest[0].Element(Client + "body")!.Value);
        Assert.Single(toGuest[0].Elements());
        Assert.Equal("paused", Assert.Single(toGuest[1].Elements()).Name.LocalName);

        foreach (var s in toBob) AssertNothingOf(s, "guest-1f3a", "slix");
        foreach (var s in toGuest) AssertNothingOf(s, "bob", "desk");
        Assert.All(toBob, s => Assert.Equal(chat, (string?)s.Attribute("from")));
        Assert.All(toGuest, s => Assert.Equal(ImHarness.Support, (string?)s.Attribute("from")));
    }

    [Fact]
    public async Task The_customer_leaving_ends_the_chat_tells_the_agent_and_stores_the_transcript()
    {
        var h = new ImHarness();
        var chat = await h.Connected();
        await h.Say(ImHarness.Guest, ImHarness.Support, "Thanks, bye");

        await h.Say(ImHarness.Guest, ImHarness.Support, null, "gone");

        Assert.Contains("end i1", h.Routing.Calls);
        var toBob = h.Outlet.To(ImHarness.BobFull);
        Assert.Equal("The customer has left the chat.", toBob[^2].Element(Client + "body")!.Value);
        Assert.NotNull(toBob[^2].Element(XmppNamespaces.ChatStates + "gone"));
        Assert.Equal(("presence", "unavailable", chat), (toBob[^1].Name.LocalName, (string?)toBob[^1].Attribute("type"), (string?)toBob[^1].Attribute("from")));
        Assert.Equal(0, h.Gateway.ConversationCount);

        var lines = h.Transcripts.Lines;
        Assert.All(lines, l => Assert.Equal("i1", l.InteractionId));
        Assert.Equal(Enumerable.Range(1, lines.Count), lines.Select(l => l.Sequence));
        Assert.Equal("hello, my invoice is wrong", lines[0].Body);
        Assert.Contains(lines, l => l is { Sender: TranscriptSender.Agent, AgentId: "bob", Body: "Hello, Bob from billing here." });
        Assert.Equal(("Thanks, bye", TranscriptSender.Customer), (lines[^1].Body, lines[^1].Sender));

        // Writing to the conversation address afterwards finds nothing.
        await h.Say(ImHarness.BobFull, chat, "Hello?");
        Assert.Equal("item-not-found", h.Outlet.To(ImHarness.BobFull)[^1].Element(Client + "error")!.Elements().Single().Name.LocalName);
    }

    [Fact]
    public async Task The_customer_going_offline_ends_the_chat()
    {
        var h = new ImHarness();
        await h.Connected();

        await h.Send(new XElement(Client + "presence", new XAttribute("from", ImHarness.Guest), new XAttribute("to", ImHarness.Support), new XAttribute("type", "unavailable")));

        Assert.Contains("end i1", h.Routing.Calls);
        Assert.Equal("The customer has left the chat.", h.Outlet.BodiesTo(ImHarness.BobFull)[^1]);
    }

    [Theory]
    [InlineData("service-unavailable")]
    [InlineData("item-not-found")]
    public async Task A_bounced_message_to_the_vanished_customer_ends_the_chat(string condition)
    {
        var h = new ImHarness();
        await h.Connected();

        await h.Send(new XElement(Client + "message", new XAttribute("from", ImHarness.Guest), new XAttribute("to", ImHarness.Support), new XAttribute("type", "error"),
            new XElement(Client + "error", new XAttribute("type", "cancel"), new XElement(XmppNamespaces.Stanzas + condition))));

        Assert.Contains("end i1", h.Routing.Calls);
        Assert.Equal("The customer has left the chat.", h.Outlet.BodiesTo(ImHarness.BobFull)[^1]);
    }

    [Fact]
    public async Task Other_errors_from_the_customer_change_nothing()
    {
        var h = new ImHarness();
        await h.Connected();

        await h.Send(new XElement(Client + "message", new XAttribute("from", ImHarness.Guest), new XAttribute("to", ImHarness.Support), new XAttribute("type", "error"),
            new XElement(Client + "error", new XAttribute("type", "modify"), new XElement(XmppNamespaces.Stanzas + "bad-request"))));

        Assert.DoesNotContain("end i1", h.Routing.Calls);
        Assert.Equal(1, h.Gateway.ConversationCount);
    }

    [Fact]
    public async Task A_bounced_message_to_the_agent_ends_the_chat_as_the_agent_leaving()
    {
        var h = new ImHarness();
        var chat = await h.Connected();

        await h.Send(new XElement(Client + "message", new XAttribute("from", ImHarness.BobFull), new XAttribute("to", chat), new XAttribute("type", "error"),
            new XElement(Client + "error", new XAttribute("type", "cancel"), new XElement(XmppNamespaces.Stanzas + "recipient-unavailable"))));

        Assert.Contains("end i1", h.Routing.Calls);
        Assert.Equal("The agent has left the chat. Thank you for contacting us.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
    }

    [Fact]
    public async Task The_agent_leaving_ends_the_chat_and_the_customer_is_told_from_the_queue_address()
    {
        var h = new ImHarness();
        var chat = await h.Connected();

        await h.Send(new XElement(Client + "presence", new XAttribute("from", ImHarness.BobFull), new XAttribute("to", chat), new XAttribute("type", "unavailable")));

        Assert.Contains("end i1", h.Routing.Calls);
        var last = h.Outlet.To(ImHarness.Guest)[^1];
        Assert.Equal((ImHarness.Support, "The agent has left the chat. Thank you for contacting us."), ((string?)last.Attribute("from"), last.Element(Client + "body")!.Value));
        Assert.NotNull(last.Element(XmppNamespaces.ChatStates + "gone"));
    }

    [Fact]
    public async Task A_hang_up_on_the_console_ends_the_chat_on_both_sides()
    {
        var h = new ImHarness();
        await h.Connected();

        await h.Event(new InteractionStateChanged(h.View(state: InteractionState.WrapUp, agent: "bob"), InteractionState.Connected, null));

        Assert.DoesNotContain(h.Routing.Calls, c => c.StartsWith("end") || c.StartsWith("abandon"));
        Assert.Equal("The chat has ended. Thank you for contacting us.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        Assert.Equal("This chat has ended.", h.Outlet.BodiesTo(ImHarness.BobFull)[^1]);
        Assert.Equal(0, h.Gateway.ConversationCount);
    }

    [Fact]
    public async Task A_console_transfer_releases_the_agent_and_the_next_agent_gets_the_chat_from_the_same_address()
    {
        var h = new ImHarness();
        var chat = await h.Connected();

        await h.Event(new InteractionStateChanged(h.View(state: InteractionState.Queued), InteractionState.Connected, "transfer"));

        Assert.Equal("This chat was transferred.", h.Outlet.BodiesTo(ImHarness.BobFull)[^1]);
        Assert.Equal("unavailable", (string?)h.Outlet.To(ImHarness.BobFull)[^1].Attribute("type"));
        Assert.Equal("You are being transferred; another agent will join the chat.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);

        await h.Event(new OfferMade(h.Offer("alice")));
        Assert.Equal(chat, (string?)h.Outlet.To("alice@localhost").Single().Attribute("from"));
        await h.Say("alice@localhost/web", chat, "Alice here, I take over.");
        Assert.Equal("Alice here, I take over.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        Assert.Contains("accept alice i1", h.Routing.Calls);

        // Bob can no longer write to the customer.
        await h.Say(ImHarness.BobFull, chat, "still there?");
        Assert.DoesNotContain("still there?", h.Outlet.BodiesTo(ImHarness.Guest));
    }

    [Fact]
    public async Task A_withdrawn_offer_is_told_to_the_agent_who_then_can_no_longer_write_to_the_customer()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();
        await h.Event(new OfferMade(h.Offer()));
        var chat = h.ConversationAddress();

        await h.Event(new OfferClosed(h.Offer(), OfferOutcome.TimedOut));
        Assert.Equal("This chat is no longer offered to you.", h.Outlet.BodiesTo(ImHarness.Bob)[^1]);

        h.Outlet.Clear();
        await h.Say(ImHarness.BobFull, chat, "Hello?");
        Assert.Empty(h.Outlet.To(ImHarness.Guest));
        Assert.Equal("forbidden", h.Outlet.To(ImHarness.BobFull)[^1].Element(Client + "error")!.Elements().Single().Name.LocalName);
        Assert.DoesNotContain(h.Routing.Calls, c => c.StartsWith("accept"));
    }

    [Fact]
    public async Task Someone_other_than_the_offered_agent_gets_forbidden()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();
        await h.Event(new OfferMade(h.Offer()));

        await h.Say("mallory@localhost/x", h.ConversationAddress(), "give me the customer");

        Assert.Equal("forbidden", h.Outlet.To("mallory@localhost/x").Single().Element(Client + "error")!.Elements().Single().Name.LocalName);
        Assert.DoesNotContain(h.Outlet.To(ImHarness.Guest), s => s.Element(Client + "body")?.Value == "give me the customer");
    }

    [Fact]
    public async Task The_customer_leaving_while_queued_abandons()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling();

        await h.Say(ImHarness.Guest, ImHarness.Support, null, "gone");

        Assert.Contains("abandon i1 customerLeft", h.Routing.Calls);
        Assert.Equal(0, h.Gateway.ConversationCount);
    }

    [Fact]
    public async Task Gateway_addresses_answer_disco_version_and_ping_and_refuse_other_queries()
    {
        var h = new ImHarness();
        XElement Iq(string id, XElement payload) => new(Client + "iq", new XAttribute("from", ImHarness.Guest), new XAttribute("to", ImHarness.Billing),
            new XAttribute("type", "get"), new XAttribute("id", id), payload);

        await h.Send(Iq("d", new XElement(XmppNamespaces.DiscoInfo + "query")));
        await h.Send(Iq("v", new XElement(XmppNamespaces.Version + "query")));
        await h.Send(Iq("p", new XElement((XNamespace)"urn:xmpp:ping" + "ping")));
        await h.Send(Iq("r", new XElement((XNamespace)"jabber:iq:roster" + "query")));

        var replies = h.Outlet.To(ImHarness.Guest);
        Assert.Equal(["result", "result", "result", "error"], replies.Select(r => (string?)r.Attribute("type")));
        Assert.Equal(["d", "v", "p", "r"], replies.Select(r => (string?)r.Attribute("id")));
        Assert.Contains(replies[0].Descendants(XmppNamespaces.DiscoInfo + "feature"), f => (string?)f.Attribute("var") == "http://jabber.org/protocol/chatstates");
        Assert.Equal("Billing", (string?)replies[0].Descendants(XmppNamespaces.DiscoInfo + "identity").Single().Attribute("name"));
        Assert.NotNull(replies[3].Descendants(XmppNamespaces.Stanzas + "service-unavailable").SingleOrDefault());
        Assert.Equal(0, h.Gateway.ConversationCount);
    }

    [Fact]
    public async Task A_triggered_im_alert_is_sent_from_the_queue_address_and_web_alerts_are_not()
    {
        var h = new ImHarness();
        var at = h.Clock.GetUtcNow();

        await h.Gateway.SendAlertAsync(new Core.Callbacks.CustomerAlert("a1", "sales", TimeSpan.FromMinutes(5), Core.Callbacks.AlertChannel.Im,
            "carol@localhost", at, Core.Callbacks.CustomerAlertStatus.Triggered, at, 90));
        await h.Gateway.SendAlertAsync(new Core.Callbacks.CustomerAlert("a2", "sales", TimeSpan.FromMinutes(5), Core.Callbacks.AlertChannel.Web,
            "dave@localhost", at, Core.Callbacks.CustomerAlertStatus.Triggered, at, 90));

        var alert = Assert.Single(h.Outlet.Sent);
        Assert.Equal(("sales@localhost", "carol@localhost"), ((string?)alert.Attribute("from"), (string?)alert.Attribute("to")));
        Assert.Equal("The wait for Sales is now about 2 minutes. Write to us here to be connected.", alert.Element(Client + "body")!.Value);
    }

    [Fact]
    public void Handles_only_its_own_addresses()
    {
        var h = new ImHarness("help.localhost");

        Assert.True(h.Gateway.Handles(Jid.Parse("support@help.localhost")));
        Assert.True(h.Gateway.Handles(Jid.Parse("sales@help.localhost/x")));
        Assert.False(h.Gateway.Handles(Jid.Parse("support@localhost")));
        Assert.False(h.Gateway.Handles(Jid.Parse("bob@help.localhost")));
        Assert.False(h.Gateway.Handles(Jid.Parse("help.localhost")));
    }

    [Fact]
    public async Task Two_customers_have_separate_conversations_and_chat_states_alone_start_none()
    {
        var h = new ImHarness();
        await h.Say("other@localhost/a", ImHarness.Support, null, "composing");
        Assert.Equal(0, h.Gateway.ConversationCount);

        await h.GuestQueuedInBilling();
        await h.Say("other@localhost/a", ImHarness.Support, "hi");
        await h.AnswerProbes("other@localhost/a");
        await h.Say("other@localhost/a", ImHarness.Support, "1");

        Assert.Equal(["billing", "sales"], h.Routing.Submitted.Select(r => r.QueueId));
        Assert.NotEqual(h.Routing.Submitted[0].ChannelKey, h.Routing.Submitted[1].ChannelKey);
    }

    private static void AssertNothingOf(XElement stanza, params string[] fragments)
    {
        var text = stanza.ToString(SaveOptions.DisableFormatting);
        foreach (var f in fragments) Assert.DoesNotContain(f, text, StringComparison.OrdinalIgnoreCase);
    }
}
