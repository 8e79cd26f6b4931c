using System.Net;
using System.Xml.Linq;
using Ccgw.Testing;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Server;
using Ccgw.Xmpp.Streams;
using Ccgw.Xmpp.Tests.Streams;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Xmpp.Tests.Server;

/// <summary>The router, presence, roster and XEP-0198 bookkeeping, driven through bound sessions without sockets.</summary>
public sealed class XmppRouterTests
{
    private static readonly XNamespace Roster = "jabber:iq:roster";
    private readonly ManualTimeProvider _time = new();
    private readonly Service _service = new();

    private sealed class Service : IStanzaService
    {
        public List<XElement> Received { get; } = [];

        public bool Handles(Jid to) => to.Local == "support";

        public ValueTask HandleAsync(XElement stanza, CancellationToken cancellationToken = default)
        {
            Received.Add(stanza);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Observer : IXmppPresenceObserver
    {
        public List<(string User, XmppPresenceShow Show)> Seen { get; } = [];

        public ValueTask OnPresenceChangedAsync(XmppAccount account, Jid bare, XmppPresenceShow show, CancellationToken cancellationToken)
        {
            Seen.Add((account.User, show));
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoGate : IAuthFailureGate
    {
        public bool IsAllowed(IPAddress? address) => true;

        public void RecordFailure(IPAddress? address)
        {
        }
    }

    private XmppServer NewServer(Observer? observer = null) => new(
        new XmppServerOptions
        {
            Stream = new C2sSettings { Domain = "localhost" },
            Team = [("alice", "Alice", "Agents"), ("bob", "Bob", "Agents"), ("sup", "Sup", "Supervisors")],
            SoftwareVersion = "1.2.3",
        },
        new ScramTests.Accounts(), new NoGate(), [_service], _time, NullLogger<XmppServer>.Instance, observer);

    private static XmppAccount Agent(string user) => ScramTests.Account(user, "x");

    private static List<XElement> Drain(C2sSession s)
    {
        var list = new List<XElement>();
        while (s.Reader.TryRead(out var item))
            if (item.Stanza is { } stanza) list.Add(stanza);
        return list;
    }

    private static XElement Message(string to, string body) =>
        new(XmppNamespaces.Client + "message", new XAttribute("to", to), new XAttribute("type", "chat"), new XElement(XmppNamespaces.Client + "body", body));

    private static XElement Presence(string? show = null) =>
        new(XmppNamespaces.Client + "presence", show is null ? null : new XElement(XmppNamespaces.Client + "show", show));

    [Fact]
    public async Task Messages_reach_full_and_bare_jids_with_a_verified_from()
    {
        var server = NewServer();
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        var bob = server.Bind(Agent("bob"), "phone", "s2");
        await server.FromClientAsync(bob, Presence(), default);
        Drain(bob);

        var forged = Message("bob@localhost", "hi");
        forged.SetAttributeValue("from", "sup@localhost/x");
        await server.FromClientAsync(alice, forged, default);
        await server.FromClientAsync(alice, Message("bob@localhost/phone", "direct"), default);

        var got = Drain(bob);
        Assert.Equal(["hi", "direct"], got.Select(m => m.Value));
        Assert.All(got, m => Assert.Equal("alice@localhost/desk", (string?)m.Attribute("from")));
    }

    [Fact]
    public async Task A_message_for_an_offline_user_or_unknown_namespace_iq_gets_service_unavailable()
    {
        var server = NewServer();
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        await server.FromClientAsync(alice, Message("bob@localhost", "anyone?"), default);
        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "q1"),
            new XElement(XNamespace.Get("urn:example:nothing") + "query")), default);
        var replies = Drain(alice);
        Assert.Equal(2, replies.Count);
        Assert.All(replies, r => Assert.NotNull(r.Descendants(XmppNamespaces.Stanzas + "service-unavailable").SingleOrDefault()));
        Assert.Equal("q1", (string?)replies[1].Attribute("id"));
    }

    [Fact]
    public async Task Stanzas_for_service_addresses_go_to_the_service_and_the_service_reaches_users()
    {
        var server = NewServer();
        var carol = server.Bind(ScramTests.Account("carol", "x") with { Kind = XmppAccountKind.Customer }, "app", "s1");
        await server.FromClientAsync(carol, Presence(), default);
        Drain(carol);
        await server.FromClientAsync(carol, Message("support@localhost", "help"), default);
        var handed = Assert.Single(_service.Received);
        Assert.Equal("carol@localhost/app", (string?)handed.Attribute("from"));

        await server.SendAsync(new XElement(XmppNamespaces.Client + "message", new XAttribute("from", "support@localhost"),
            new XAttribute("to", "carol@localhost"), new XElement(XmppNamespaces.Client + "body", "menu")));
        Assert.Equal("menu", Assert.Single(Drain(carol)).Value);

        // The service hears when the customer goes away (RFC 6121 §4.6.3 style).
        await server.EndSessionAsync(carol, default);
        Assert.Equal("unavailable", (string?)_service.Received[^1].Attribute("type"));
    }

    [Fact]
    public async Task Team_members_see_each_others_presence_and_the_observer_hears_agent_state()
    {
        var observer = new Observer();
        var server = NewServer(observer);
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        var bob = server.Bind(Agent("bob"), "phone", "s2");
        await server.FromClientAsync(bob, Presence(), default);
        Drain(bob);

        await server.FromClientAsync(alice, Presence("away"), default);
        var toBob = Drain(bob);
        Assert.Contains(toBob, p => (string?)p.Attribute("from") == "alice@localhost/desk" && p.Value == "away");
        var toAlice = Drain(alice);
        Assert.Contains(toAlice, p => (string?)p.Attribute("from") == "alice@localhost/desk"); // reflected (scansion basic.scs)
        Assert.Contains(toAlice, p => (string?)p.Attribute("from") == "bob@localhost/phone"); // probe answered

        await server.EndSessionAsync(alice, default);
        Assert.Contains(Drain(bob), p => (string?)p.Attribute("type") == "unavailable" && (string?)p.Attribute("from") == "alice@localhost/desk");
        Assert.Equal([("bob", XmppPresenceShow.Available), ("alice", XmppPresenceShow.Away), ("alice", XmppPresenceShow.Unavailable)], observer.Seen);
    }

    [Fact]
    public async Task The_observer_hears_a_guests_presence_too_so_the_agent_serving_the_guest_can_see_it()
    {
        var observer = new Observer();
        var server = NewServer(observer);
        var keys = new ScramCredential([1], 4096, [1], [1]);
        var guest = server.Bind(new XmppAccount("guest-1f3a", XmppAccountKind.Guest, keys, keys), "slix", "s1");

        await server.FromClientAsync(guest, Presence("dnd"), default);
        await server.EndSessionAsync(guest, default);

        Assert.Equal([("guest-1f3a", XmppPresenceShow.DoNotDisturb), ("guest-1f3a", XmppPresenceShow.Unavailable)], observer.Seen);
    }

    [Fact]
    public async Task Roster_get_set_push_and_subscription_handshake()
    {
        var server = NewServer();
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        var carol = server.Bind(ScramTests.Account("carol", "x"), "app", "s2");
        await server.FromClientAsync(alice, Presence(), default);
        Drain(alice);
        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "r1"),
            new XElement(Roster + "query")), default);
        var roster = Assert.Single(Drain(alice));
        Assert.Equal(["bob@localhost", "sup@localhost"], roster.Descendants(Roster + "item").Select(i => (string)i.Attribute("jid")!).Order());

        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "set"), new XAttribute("id", "r2"),
            new XElement(Roster + "query", new XElement(Roster + "item", new XAttribute("jid", "carol@localhost"), new XAttribute("name", "Carol")))), default);
        var afterSet = Drain(alice);
        Assert.Contains(afterSet, s => (string?)s.Attribute("id") == "r2" && (string?)s.Attribute("type") == "result");
        Assert.Contains(afterSet, s => (string?)s.Attribute("type") == "set" && s.Descendants(Roster + "item").Any(i => (string?)i.Attribute("subscription") == "none"));

        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "presence", new XAttribute("to", "carol@localhost"), new XAttribute("type", "subscribe")), default);
        await server.FromClientAsync(carol, Presence(), default);
        // carol asks for her roster: the pending request is delivered (RFC 6121 §3.1.3).
        await server.FromClientAsync(carol, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "c1"),
            new XElement(Roster + "query")), default);
        Assert.Contains(Drain(carol), s => (string?)s.Attribute("type") == "subscribe" && (string?)s.Attribute("from") == "alice@localhost");

        await server.FromClientAsync(carol, new XElement(XmppNamespaces.Client + "presence", new XAttribute("to", "alice@localhost"), new XAttribute("type", "subscribed")), default);
        var toAlice = Drain(alice);
        Assert.Contains(toAlice, s => s.Descendants(Roster + "item").Any(i => (string?)i.Attribute("jid") == "carol@localhost" && (string?)i.Attribute("subscription") == "to"));
        Assert.Contains(toAlice, s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "subscribed");
        Assert.Contains(toAlice, s => s.Name.LocalName == "presence" && (string?)s.Attribute("from") == "carol@localhost/app" && s.Attribute("type") is null);
    }

    [Fact]
    public async Task Ping_disco_and_version_are_answered_by_the_server()
    {
        var server = NewServer();
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "p"), new XAttribute("to", "localhost"),
            new XElement(XNamespace.Get("urn:xmpp:ping") + "ping")), default);
        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "d"), new XAttribute("to", "localhost"),
            new XElement(XmppNamespaces.DiscoInfo + "query")), default);
        await server.FromClientAsync(alice, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "v"), new XAttribute("to", "localhost"),
            new XElement(XmppNamespaces.Version + "query")), default);
        var replies = Drain(alice);
        Assert.All(replies, r => Assert.Equal("result", (string?)r.Attribute("type")));
        Assert.Contains("urn:xmpp:ping", replies[1].Descendants(XmppNamespaces.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
        Assert.Equal("1.2.3", replies[2].Descendants(XmppNamespaces.Version + "version").Single().Value);
    }

    [Fact]
    public async Task A_dropped_link_with_stream_management_loses_no_message_and_resumes()
    {
        var server = NewServer();
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        var bob = server.Bind(Agent("bob"), "phone", "sm-bob");
        await server.FromClientAsync(bob, Presence(), default);
        Assert.True(XmppServer.StreamManagement(bob, new XElement(XNamespace.Get("urn:xmpp:sm:3") + "enable", new XAttribute("resume", "true")), out var enabled, out _));
        Assert.Contains("resume='true'", enabled);
        Drain(bob);

        // Two messages written to bob's link, one acknowledged; then the link drops.
        await server.FromClientAsync(alice, Message("bob@localhost", "one"), default);
        await server.FromClientAsync(alice, Message("bob@localhost", "two"), default);
        foreach (var m in Drain(bob)) bob.Written(m);
        Assert.True(bob.Acknowledge(1));
        await server.ConnectionLostAsync(bob, clean: false, default);
        Assert.Equal(2, server.SessionCount);

        // While detached, a third message waits in the session.
        await server.FromClientAsync(alice, Message("bob@localhost/phone", "three"), default);
        Assert.Empty(Drain(alice)); // no error: the session is still there

        var resumed = server.Resume(Agent("bob"), "sm-bob");
        Assert.Same(bob, resumed);
        Assert.Equal(["two"], bob.TakeUnacked().Select(m => m.Value));
        Assert.Equal(["three"], Drain(bob).Select(m => m.Value));
    }

    [Fact]
    public async Task A_session_that_does_not_resume_in_time_ends_and_bounces_what_it_did_not_acknowledge()
    {
        var server = NewServer();
        var alice = server.Bind(Agent("alice"), "desk", "s1");
        var bob = server.Bind(Agent("bob"), "phone", "sm-bob");
        await server.FromClientAsync(bob, Presence(), default);
        XmppServer.StreamManagement(bob, new XElement(XNamespace.Get("urn:xmpp:sm:3") + "enable", new XAttribute("resume", "true")), out _, out _);
        await server.FromClientAsync(alice, Message("bob@localhost", "lost?"), default);
        Drain(alice);
        foreach (var m in Drain(bob)) bob.Written(m);
        await server.ConnectionLostAsync(bob, clean: false, default);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, server.SessionCount);
        Assert.Null(server.Resume(Agent("bob"), "sm-bob"));
        var bounced = Drain(alice).Where(s => s.Name.LocalName == "message").ToList();
        Assert.NotNull(Assert.Single(bounced).Descendants(XmppNamespaces.Stanzas + "recipient-unavailable").SingleOrDefault());
    }
}
