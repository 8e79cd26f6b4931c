using System.Xml.Linq;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Server;

/// <summary>RFC 6121 §2.1.2.5 subscription states.</summary>
[Flags]
internal enum Subscription
{
    None = 0,

    /// <summary>The user receives the contact's presence.</summary>
    To = 1,

    /// <summary>The contact receives the user's presence.</summary>
    From = 2,

    Both = To | From,
}

internal sealed class RosterItem(Jid jid)
{
    public Jid Jid { get; } = jid;
    public string? Name { get; set; }
    public Subscription Subscription { get; set; }

    /// <summary>The user asked to subscribe and the contact has not answered (RFC 6121 §2.1.2.2 ask='subscribe').</summary>
    public bool AskSubscribe { get; set; }

    /// <summary>The contact asked to subscribe to the user (pending inbound, not shown as an item attribute).</summary>
    public bool PendingIn { get; set; }

    /// <summary>The user pre-approved the contact's subscription (RFC 6121 §3.4).</summary>
    public bool PreApproved { get; set; }

    public List<string> Groups { get; set; } = [];

    /// <summary>Part of the configured team: cannot be removed by the user.</summary>
    public bool Fixed { get; init; }

    public XElement ToElement(XNamespace ns)
    {
        var e = new XElement(ns + "item", new XAttribute("jid", Jid.ToString()),
            new XAttribute("subscription", Subscription switch
            {
                Subscription.Both => "both",
                Subscription.To => "to",
                Subscription.From => "from",
                _ => "none",
            }));
        if (Name is not null) e.SetAttributeValue("name", Name);
        if (AskSubscribe) e.SetAttributeValue("ask", "subscribe");
        foreach (var g in Groups) e.Add(new XElement(ns + "group", g));
        return e;
    }
}

/// <summary>
/// Rosters (RFC 6121 §2) kept in memory. The configured team (agents and supervisors) is in every member's roster with
/// mutual subscriptions, so they see each other's presence without asking; what users add is kept until restart.
/// Why memory and not SQLite: the team part is derived from the configuration at every start anyway, customers talk to
/// queue addresses (which are services, not roster contacts) and guests vanish with their stream, so nothing a restart
/// loses is needed to route or relay. Not thread-safe: the server calls it under its own lock.
/// The team is held once and shared: a member's own copy of a team item is made only when something asks for the item
/// itself (to change it). Written into every roster at start it was members² items, 220 KB of heap per agent with
/// 1,000 agents and gigabytes with 10,000 (issue 21). Rosters read as before: team items first, in team order.
/// </summary>
internal sealed class RosterStore
{
    private readonly Dictionary<Jid, Dictionary<Jid, RosterItem>> _rosters = [];
    private readonly Dictionary<Jid, (string Name, string Group)> _team = [];

    /// <summary>The roster version (RFC 6121 §2.6): one counter for all rosters is enough to tell a client it changed.</summary>
    public long Version { get; private set; } = 1;

    public void AddTeam(IReadOnlyList<(Jid Jid, string Name, string Group)> members)
    {
        foreach (var (jid, name, group) in members)
            _team[jid] = (name, group);
    }

    /// <summary>Every item of <paramref name="user"/>'s roster: the team's (but the user), then the user's own, in the order added.</summary>
    public IEnumerable<RosterItem> Items(Jid user)
    {
        _rosters.TryGetValue(user, out var own);
        if (_team.ContainsKey(user))
        {
            foreach (var (contact, entry) in _team)
            {
                if (contact == user) continue;
                yield return own is not null && own.TryGetValue(contact, out var changed) ? changed : TeamItem(contact, entry);
            }
        }
        if (own is null) yield break;
        foreach (var item in own.Values)
            if (!IsTeamItem(user, item.Jid)) yield return item;
    }

    public RosterItem? Find(Jid user, Jid contact) =>
        _rosters.TryGetValue(user, out var roster) && roster.TryGetValue(contact, out var item) ? item
        : IsTeamItem(user, contact) ? Own(user, contact) : null;

    /// <summary>The item for <paramref name="contact"/>, added when new; throws InvalidOperationException when the roster already holds <paramref name="maxItems"/>.</summary>
    public RosterItem GetOrAdd(Jid user, Jid contact, int maxItems)
    {
        if (Find(user, contact) is { } item) return item;
        if (Count(user) >= maxItems) throw new InvalidOperationException("roster full");
        var roster = RosterOf(user);
        roster[contact] = item = new RosterItem(contact);
        return item;
    }

    /// <summary>Forgets a whole roster (a guest's, when its last resource ended).</summary>
    public void Drop(Jid user) => _rosters.Remove(user);

    /// <summary>Items in <paramref name="user"/>'s roster (0 when it has none), without creating one.</summary>
    public int Count(Jid user)
    {
        var team = _team.ContainsKey(user) ? _team.Count - 1 : 0;
        if (!_rosters.TryGetValue(user, out var own)) return team;
        return team + own.Keys.Count(contact => !IsTeamItem(user, contact));
    }

    public bool Remove(Jid user, Jid contact) => _rosters.TryGetValue(user, out var roster) && roster.Remove(contact);

    public string Bump() => (++Version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Contacts that receive the user's presence (subscription from/both).</summary>
    public IEnumerable<Jid> Subscribers(Jid user) => Items(user).Where(i => (i.Subscription & Subscription.From) != 0).Select(i => i.Jid);

    /// <summary>Contacts whose presence the user receives (subscription to/both).</summary>
    public IEnumerable<Jid> Subscriptions(Jid user) => Items(user).Where(i => (i.Subscription & Subscription.To) != 0).Select(i => i.Jid);

    private bool IsTeamItem(Jid user, Jid contact) => contact != user && _team.ContainsKey(user) && _team.ContainsKey(contact);

    private static RosterItem TeamItem(Jid contact, (string Name, string Group) entry) =>
        new(contact) { Name = entry.Name, Subscription = Subscription.Both, Groups = [entry.Group], Fixed = true };

    /// <summary>The user's own copy of a team item, made the first time it is asked for so that changes to it stay the user's.</summary>
    private RosterItem Own(Jid user, Jid contact)
    {
        var item = TeamItem(contact, _team[contact]);
        RosterOf(user)[contact] = item;
        return item;
    }

    private Dictionary<Jid, RosterItem> RosterOf(Jid bare)
    {
        if (!_rosters.TryGetValue(bare, out var roster)) _rosters[bare] = roster = [];
        return roster;
    }
}
