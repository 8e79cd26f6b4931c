using Ccgw.Core;
using Ccgw.Voice;

namespace Ccgw.Voice.Tests;

/// <summary>What a call does when it compares itself with the core after the gateway missed events.</summary>
public sealed class CoreResyncTests
{
    private static InteractionView Core(InteractionState state, string? agent) => new(
        "i-1", new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" }, "sales", state, agent,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(InteractionState.WrapUp)]
    [InlineData(InteractionState.Ended)]
    [InlineData(InteractionState.Abandoned)]
    [InlineData(InteractionState.Failed)]
    public void A_call_the_core_has_finished_hangs_up_whatever_it_was_doing(InteractionState state)
    {
        Assert.Equal(ResyncActions.HangUp, CoreResync.Decide(Core(state, "bob"), ringingAgent: "bob", connectedAgent: null));
        Assert.Equal(ResyncActions.HangUp, CoreResync.Decide(Core(state, "bob"), ringingAgent: null, connectedAgent: "bob"));
    }

    [Fact]
    public void A_call_the_core_no_longer_knows_hangs_up() =>
        Assert.Equal(ResyncActions.HangUp, CoreResync.Decide(null, ringingAgent: null, connectedAgent: "bob"));

    [Theory]
    [InlineData(InteractionState.Offered)]
    [InlineData(InteractionState.Connected)] // our own accept got there first
    public void A_phone_ringing_for_the_offer_the_core_still_holds_rings_on(InteractionState state) =>
        Assert.Equal(ResyncActions.None, CoreResync.Decide(Core(state, "bob"), ringingAgent: "bob", connectedAgent: null));

    [Fact]
    public void A_phone_ringing_for_an_offer_that_timed_out_stops() =>
        Assert.Equal(ResyncActions.StopRinging, CoreResync.Decide(Core(InteractionState.Queued, null), ringingAgent: "bob", connectedAgent: null));

    [Fact]
    public void An_offer_moved_to_another_agent_stops_our_ringing_and_refuses_the_offer_we_never_saw() =>
        Assert.Equal(ResyncActions.StopRinging | ResyncActions.RejectUnseenOffer,
            CoreResync.Decide(Core(InteractionState.Offered, "alice"), ringingAgent: "bob", connectedAgent: null));

    [Fact]
    public void A_queued_caller_offered_while_we_were_not_listening_gets_the_offer_made_again() =>
        Assert.Equal(ResyncActions.RejectUnseenOffer, CoreResync.Decide(Core(InteractionState.Offered, "alice"), ringingAgent: null, connectedAgent: null));

    [Fact]
    public void A_bridged_call_the_core_agrees_with_is_left_alone()
    {
        Assert.Equal(ResyncActions.None, CoreResync.Decide(Core(InteractionState.Connected, "bob"), ringingAgent: null, connectedAgent: "bob"));
        Assert.Equal(ResyncActions.None, CoreResync.Decide(Core(InteractionState.Queued, null), ringingAgent: null, connectedAgent: null));
    }
}
