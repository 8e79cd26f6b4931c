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

/// <summary>
/// Anonymous guests reach only the service addresses and the server (issue 16, "Guests and caps"), and what any session
/// can make the server hold is bounded: roster items, directed presence, the XEP-0198 unacknowledged queue.
/// </summary>
public sealed class GuestLimitsTests
{
    private static readonly XNamespace Roster = "jabber:iq:roster";
    private readonly ManualTimeProvider _time = new();
    private readonly Service _service = new();

    private sealed class Service : IStanzaService
    {
        public List<XElement> Received { get; } = [];

        public bool Handles(Jid to) => to.Local == "support" || to.Local!.StartsWith("conv-", StringComparison.Ordinal);

        public ValueTask HandleAsync(XElement stanza, CancellationToken cancellationToken = default)
        {
            Received.Add(stanza);
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

    private XmppServer NewServer(int guestRoster = 10, int directed = 100) => new(
        new XmppServerOptions
        {
            Stream = new C2sSettings { Domain = "localhost" },
            Team = [("alice", "Alice", "Agents"), ("bob", "Bob", "Agents")],
            GuestMaxRosterItems = guestRoster,
            MaxDirectedPresence = directed,
        },
        new ScramTests.Accounts(), new NoGate(), [_service], _time, NullLogger<XmppServer>.Instance);

    private static XmppAccount Guest(string user) => ScramTests.Account(user, "x") with { Kind = XmppAccountKind.Guest };

    private static List<XElement> Drain(C2sSession s)
    {
        var list = new List<XElement>();
        while (s.Reader.TryRead(out var item))
            if (item.Stanza is { } stanza) list.Add(stanza);
        return list;
    }

    private static XElement Message(string to, string body) =>
        new(XmppNamespaces.Client + "message", new XAttribute("to", to), new XAttribute("type", "chat"), new XElement(XmppNamespaces.Client + "body", body));

    private static XElement Presence(string? to = null, string? type = null) =>
        new(XmppNamespaces.Client + "presence", to is null ? null : new XAttribute("to", to), type is null ? null : new XAttribute("type", type));

    private static XElement Iq(string? to, string id, XElement payload) =>
        new(XmppNamespaces.Client + "iq", to is null ? null : new XAttribute("to", to), new XAttribute("type", "get"), new XAttribute("id", id), payload);

    private static XElement RosterSet(string id, string jid) =>
        new(XmppNamespaces.Client + "iq", new XAttribute("type", "set"), new XAttribute("id", id),
            new XElement(Roster + "query", new XElement(Roster + "item", new XAttribute("jid", jid))));

    private static string? Condition(XElement reply) =>
        (string?)reply.Attribute("type") == "error" ? reply.Element(XmppNamespaces.Client + "error")?.Elements().First().Name.LocalName : null;

    [Fact]
    public async Task A_guest_cannot_reach_local_accounts_but_reaches_the_service_and_the_server()
    {
        var server = NewServer();
        var alice = server.Bind(ScramTests.Account("alice", "x"), "desk", "s1");
        await server.FromClientAsync(alice, Presence(), default);
        var otherGuest = server.Bind(Guest("guest-2"), "r", "s3");
        await server.FromClientAsync(otherGuest, Presence(), default);
        Drain(alice);
        Drain(otherGuest);
        var guest = server.Bind(Guest("guest-1"), "web", "s2");

        await server.FromClientAsync(guest, Message("alice@localhost", "bare"), default);
        await server.FromClientAsync(guest, Message("alice@localhost/desk", "full"), default);
        await server.FromClientAsync(guest, Presence("alice@localhost/desk"), default);
        await server.FromClientAsync(guest, Presence("alice@localhost", "subscribe"), default);
        await server.FromClientAsync(guest, Iq("alice@localhost/desk", "v1", new XElement(XmppNamespaces.Version + "query")), default);
        await server.FromClientAsync(guest, Message("guest-2@localhost", "hello other guest"), default);
        await server.FromClientAsync(guest, Message("nobody@localhost", "unknown account"), default);

        Assert.Empty(Drain(alice));
        Assert.Empty(Drain(otherGuest));
        var replies = Drain(guest);
        Assert.Equal(7, replies.Count);
        // The same condition for existing and unknown accounts: the refusal tells nothing about who exists.
        Assert.All(replies, r => Assert.Equal("service-unavailable", Condition(r)));
        Assert.Equal("v1", (string?)replies[4].Attribute("id"));

        await server.FromClientAsync(guest, Message("support@localhost", "help"), default);
        await server.FromClientAsync(guest, Iq(null, "p1", new XElement(XNamespace.Get("urn:xmpp:ping") + "ping")), default);
        await server.FromClientAsync(guest, Iq("localhost", "p2", new XElement(XNamespace.Get("urn:xmpp:ping") + "ping")), default);
        Assert.Equal("guest-1@localhost/web", (string?)Assert.Single(_service.Received).Attribute("from"));
        var pongs = Drain(guest);
        Assert.Equal(["p1", "p2"], pongs.Select(p => (string?)p.Attribute("id")));
        Assert.All(pongs, p => Assert.Equal("result", (string?)p.Attribute("type")));

        // The gateway (a service) still reaches the guest, and so does staff: the restriction is on what guests send.
        var fromQueue = Message("guest-1@localhost/web", "from the queue");
        fromQueue.SetAttributeValue("from", "support@localhost");
        await server.SendAsync(fromQueue);
        await server.FromClientAsync(alice, Message("guest-1@localhost/web", "from alice"), default);
        Assert.Equal(["from the queue", "from alice"], Drain(guest).Select(m => m.Value));
    }

    [Fact]
    public async Task Registered_accounts_still_talk_to_each_other()
    {
        var server = NewServer();
        var alice = server.Bind(ScramTests.Account("alice", "x"), "desk", "s1");
        var carol = server.Bind(ScramTests.Account("carol", "x") with { Kind = XmppAccountKind.Customer }, "app", "s2");
        await server.FromClientAsync(alice, Presence(), default);
        Drain(alice);
        await server.FromClientAsync(carol, Message("alice@localhost/desk", "hi"), default);
        Assert.Equal("hi", Assert.Single(Drain(alice)).Value);
    }

    [Fact]
    public async Task A_guest_roster_is_small_and_forgotten_when_the_guest_leaves()
    {
        var server = NewServer(guestRoster: 2);
        var guest = server.Bind(Guest("guest-1"), "web", "s1");
        await server.FromClientAsync(guest, RosterSet("r1", "support@localhost"), default);
        await server.FromClientAsync(guest, RosterSet("r2", "conv-1@localhost"), default);
        await server.FromClientAsync(guest, RosterSet("r3", "conv-2@localhost"), default);
        var replies = Drain(guest).Where(r => ((string?)r.Attribute("id"))!.StartsWith('r')).ToList();
        Assert.Equal(["result", "result", "error"], replies.Select(r => (string?)r.Attribute("type")));
        Assert.Equal("resource-constraint", Condition(replies[2]));

        // An agent's roster is not held to the guest bound.
        var alice = server.Bind(ScramTests.Account("alice", "x"), "desk", "s2");
        for (var i = 0; i < 5; i++) await server.FromClientAsync(alice, RosterSet($"a{i}", $"contact{i}@example.org"), default);
        Assert.All(Drain(alice).Where(r => ((string?)r.Attribute("id"))!.StartsWith('a')), r => Assert.Equal("result", (string?)r.Attribute("type")));

        await server.EndSessionAsync(guest, default);
        var again = server.Bind(Guest("guest-1"), "web", "s3");
        await server.FromClientAsync(again, new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", "g"), new XElement(Roster + "query")), default);
        Assert.Empty(Assert.Single(Drain(again)).Element(Roster + "query")!.Elements());
    }

    [Fact]
    public async Task Directed_presence_beyond_the_bound_is_refused_and_not_remembered()
    {
        var server = NewServer(directed: 2);
        var alice = server.Bind(ScramTests.Account("alice", "x"), "desk", "s1");
        await server.FromClientAsync(alice, Presence("a@example.org"), default);
        await server.FromClientAsync(alice, Presence("b@example.org"), default);
        await server.FromClientAsync(alice, Presence("a@example.org"), default); // already remembered: fine
        Drain(alice);
        await server.FromClientAsync(alice, Presence("c@example.org"), default);
        Assert.Equal("resource-constraint", Condition(Assert.Single(Drain(alice))));
        // An agent's presence to the gateway's conversation addresses is not held to it (the gateway needs its unavailable).
        await server.FromClientAsync(alice, Presence("conv-a@localhost"), default);
        Assert.Empty(Drain(alice));
        Assert.Single(_service.Received);
        _service.Received.Clear();

        // A guest naming endless conversation addresses does not grow what the server remembers for it.
        var guest = server.Bind(Guest("guest-1"), "web", "s2");
        for (var i = 0; i < 10; i++) await server.FromClientAsync(guest, Message($"conv-{i}@localhost", "x"), default);
        Assert.Equal(10, _service.Received.Count);
        _service.Received.Clear();
        await server.FromClientAsync(guest, Presence(type: "unavailable"), default);
        Assert.Equal(2, _service.Received.Count);
    }

    [Fact]
    public void The_unacknowledged_queue_reports_going_over_its_bound_and_acks_make_room()
    {
        var session = new C2sSession(Jid.Create("guest-1", "localhost", "web"), Guest("guest-1"), "s1") { MaxUnacked = 3 };
        var stanza = Message("guest-1@localhost", "x");
        Assert.True(session.Written(stanza)); // without stream management nothing is kept
        session.EnableStreamManagement(resumable: true);
        Assert.True(session.Written(stanza));
        Assert.True(session.Written(stanza));
        Assert.True(session.Written(stanza));
        Assert.False(session.Written(stanza));
        Assert.True(session.Acknowledge(4));
        Assert.True(session.Written(stanza));
        Assert.Equal(1, session.UnackedCount);
    }
}
