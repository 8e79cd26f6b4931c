using Ccgw.Core;
using Ccgw.Xmpp.Im;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>
/// Issue 15, "every channel hears its place": a waiting chat customer is told position and wait on entry and again
/// whenever they change materially, at most once per <see cref="ImGatewaySettings.QueueUpdateEvery"/>.
/// </summary>
public sealed class ImQueueUpdateTests
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(30);

    private static InteractionStatus Place(ImHarness h, int position, double? waitSeconds, InteractionState state = InteractionState.Queued) =>
        new(h.View(1, state), position, new WaitEstimate(waitSeconds, null, null, position, 10));

    private static async Task<ImHarness> QueuedThirdAsync(Func<ImGatewaySettings, ImGatewaySettings>? adjust = null)
    {
        var h = new ImHarness(adjust: adjust);
        h.Routing.SubmitPosition = 3;
        h.Routing.Ewt = new WaitEstimate(250, null, null, 3, 10);
        await h.GuestQueuedInBilling();
        return h;
    }

    [Fact]
    public async Task Entry_tells_the_place_then_the_wait_with_the_call_back_offer()
    {
        var h = await QueuedThirdAsync();
        var bodies = h.Outlet.BodiesTo(ImHarness.Guest);
        Assert.Equal("You are number 3 in the queue.", bodies[^2]);
        Assert.StartsWith("The estimated wait is about 5 minutes. To be called back instead", bodies[^1]);
    }

    [Fact]
    public async Task A_better_place_is_told_at_the_next_look_and_not_before()
    {
        var h = await QueuedThirdAsync();
        var told = h.Outlet.BodiesTo(ImHarness.Guest).Count;
        h.Routing.Status = Place(h, 2, 170);

        h.Clock.Advance(Every - TimeSpan.FromSeconds(1));
        Assert.Equal(told, h.Outlet.BodiesTo(ImHarness.Guest).Count); // rate limit: nothing before the interval
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("You are number 2 in the queue. The estimated wait is about 3 minutes.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
        Assert.Equal(told + 1, h.Outlet.BodiesTo(ImHarness.Guest).Count);
    }

    [Fact]
    public async Task An_unchanged_place_or_a_small_drift_of_the_wait_says_nothing_but_a_large_change_does()
    {
        var h = await QueuedThirdAsync();
        var told = h.Outlet.BodiesTo(ImHarness.Guest).Count;

        h.Routing.Status = Place(h, 3, 250);
        h.Clock.Advance(Every);
        h.Routing.Status = Place(h, 3, 290); // 40 s more: under the 60 s threshold
        h.Clock.Advance(Every);
        h.Routing.Status = Place(h, 4, 300); // a worse place alone is no news
        h.Clock.Advance(Every);
        Assert.Equal(told, h.Outlet.BodiesTo(ImHarness.Guest).Count);
        Assert.Equal(3, h.Routing.StatusQueries);

        h.Routing.Status = Place(h, 4, 400); // 150 s over what was told
        h.Clock.Advance(Every);
        Assert.Equal("You are number 4 in the queue. The estimated wait is about 7 minutes.", h.Outlet.BodiesTo(ImHarness.Guest)[^1]);
    }

    [Fact]
    public async Task While_offered_nothing_is_told_and_once_an_agent_has_the_chat_the_looks_stop()
    {
        var h = await QueuedThirdAsync();
        await h.Event(new OfferMade(h.Offer()));
        var told = h.Outlet.BodiesTo(ImHarness.Guest).Count;
        h.Routing.Status = Place(h, 1, 10, InteractionState.Offered);
        h.Clock.Advance(Every);
        // Offered: the customer is about to be answered; the place is not told, but the looks go on in case it comes back.
        Assert.Equal(told, h.Outlet.BodiesTo(ImHarness.Guest).Count);
        Assert.Equal(1, h.Routing.StatusQueries);

        await h.Say(ImHarness.BobFull, h.ConversationAddress(), "Hello, Bob from billing here.");
        told = h.Outlet.BodiesTo(ImHarness.Guest).Count;
        h.Clock.Advance(Every);
        h.Clock.Advance(Every);
        Assert.Equal(1, h.Routing.StatusQueries); // connected: the core is not asked again and nothing more is armed
        Assert.Equal(told, h.Outlet.BodiesTo(ImHarness.Guest).Count);
    }

    [Fact]
    public async Task Zero_interval_tells_the_place_only_on_entry()
    {
        var h = await QueuedThirdAsync(s => s with { QueueUpdateEvery = TimeSpan.Zero });
        h.Routing.Status = Place(h, 1, 30);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, h.Routing.StatusQueries);
    }

    [Theory]
    [InlineData(3, 250.0, 2, 250.0, true)]   // better place
    [InlineData(3, 250.0, 4, 250.0, false)]  // worse place alone
    [InlineData(3, 250.0, 3, 309.0, false)]  // drift under the threshold
    [InlineData(3, 250.0, 3, 190.0, true)]   // wait shorter by the threshold
    [InlineData(3, null, 3, 120.0, true)]    // an estimate appears
    [InlineData(0, null, 2, null, true)]     // a place becomes known
    public void Material_change(int toldPosition, double? toldWait, int position, double? wait, bool material) =>
        Assert.Equal(material, new QueuePlace(position, wait).IsMaterialChangeFrom(new QueuePlace(toldPosition, toldWait), TimeSpan.FromSeconds(60)));
}
