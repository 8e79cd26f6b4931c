using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Server;

namespace Ccgw.Xmpp.Tests.Server;

/// <summary>
/// Issue 21: the configured team is held once, not copied into every member's roster (members² items), and reads as
/// it did: every other member with subscription both, first and in team order, then what the user added; a change
/// to one member's item stays in that member's roster.
/// </summary>
public sealed class RosterStoreTests
{
    private static readonly Jid Alice = Jid.Parse("alice@localhost");
    private static readonly Jid Bob = Jid.Parse("bob@localhost");
    private static readonly Jid Sup = Jid.Parse("sup@localhost");
    private static readonly Jid Friend = Jid.Parse("friend@example.com");

    private static RosterStore Team()
    {
        var store = new RosterStore();
        store.AddTeam([(Alice, "Alice", "Agents"), (Bob, "Bob", "Agents"), (Sup, "Sam", "Supervisors")]);
        return store;
    }

    [Fact]
    public void A_member_sees_every_other_member_first_then_her_own_contacts()
    {
        var store = Team();
        store.GetOrAdd(Alice, Friend, maxItems: 100).Name = "Friend";

        Assert.Equal([Bob, Sup, Friend], store.Items(Alice).Select(i => i.Jid));
        Assert.All(store.Items(Alice).Take(2), i => Assert.True(i.Fixed && i.Subscription == Subscription.Both));
        Assert.Equal(["Supervisors"], store.Items(Alice).Single(i => i.Jid == Sup).Groups);
        Assert.Equal(3, store.Count(Alice));
        Assert.Equal([Bob, Sup], store.Subscribers(Alice));
        Assert.Equal([Alice, Bob], store.Subscriptions(Sup));
        Assert.Empty(store.Items(Friend));
        Assert.Equal(0, store.Count(Friend));
    }

    [Fact]
    public void A_change_to_a_team_item_stays_in_that_members_roster()
    {
        var store = Team();
        var mine = store.GetOrAdd(Alice, Bob, maxItems: 100);
        mine.PendingIn = true;

        Assert.Same(mine, store.Find(Alice, Bob));
        Assert.True(store.Items(Alice).Single(i => i.Jid == Bob).PendingIn);
        Assert.False(store.Find(Sup, Bob)!.PendingIn);
        Assert.Equal([Bob, Sup], store.Items(Alice).Select(i => i.Jid));
        Assert.Equal(2, store.Count(Alice));
    }

    [Fact]
    public void The_team_counts_towards_the_roster_limit()
    {
        var store = Team();
        Assert.Throws<InvalidOperationException>(() => store.GetOrAdd(Alice, Friend, maxItems: 2));
        Assert.Equal(Bob, store.GetOrAdd(Alice, Bob, maxItems: 2).Jid);
    }
}
