using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Tests;

/// <summary>The client's XEP-0092 answer travels on the interaction (for routing) and reaches the agent's text offer.</summary>
public sealed class ImClientSoftwareTests
{
    [Fact]
    public async Task The_version_answer_is_recorded_on_the_interaction_and_named_in_the_agents_offer()
    {
        var h = new ImHarness();
        await h.GuestQueuedInBilling("jabber:x:data");

        Assert.Equal(new ClientSoftware("slixmpp", "1.8.5", "Linux"), Assert.Single(h.Routing.Submitted).Client);

        await h.Event(new OfferMade(h.Offer()));
        var offerText = Assert.Single(h.Outlet.BodiesTo(ImHarness.Bob));
        Assert.Contains("\nTheir client: slixmpp 1.8.5 (Linux).", offerText);
    }

    [Fact]
    public async Task A_client_that_does_not_answer_the_version_probe_has_no_client_and_no_client_line()
    {
        var h = new ImHarness();
        await h.Say(ImHarness.Guest, ImHarness.Support, "hello");
        h.Clock.Advance(TimeSpan.FromSeconds(5)); // the probe timeout: the menu starts without answers
        await h.Say(ImHarness.Guest, ImHarness.Support, "2");

        Assert.Null(Assert.Single(h.Routing.Submitted).Client);
        await h.Event(new OfferMade(h.Offer()));
        Assert.DoesNotContain("Their client", Assert.Single(h.Outlet.BodiesTo(ImHarness.Bob)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<query xmlns='jabber:iq:version'><name>Gajim</name><version>1.8.4</version></query>", "Gajim", "1.8.4", null)]
    [InlineData("<query xmlns='jabber:iq:version'><name> Psi+ </name></query>", "Psi+", null, null)]
    [InlineData("<query xmlns='jabber:iq:version'><version>1</version></query>", null, null, null)]
    [InlineData("<query xmlns='jabber:iq:version'><name></name><os>Linux</os></query>", null, null, null)]
    public void The_version_result_gives_the_software_only_with_a_name(string query, string? name, string? version, string? os)
    {
        var iq = new XElement(XmppNamespaces.Client + "iq", XElement.Parse(query));

        var software = ImStanzas.VersionSoftware(iq);

        Assert.Equal(name is null ? null : new ClientSoftware(name, version, os), software);
    }
}
