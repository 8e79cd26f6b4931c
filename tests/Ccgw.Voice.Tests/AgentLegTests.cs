using Ccgw.Core;

namespace Ccgw.Voice.Tests;

/// <summary>One agent's phone rung for one offer: what it claims, when it goes on, and that its ports are freed once.</summary>
public sealed class AgentLegTests
{
    private static readonly Offer Offer = new("o-1", "i-1", "alice", "sales", InteractionChannel.Voice, DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch.AddSeconds(20), 0, new InteractionView("i-1", new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" },
            "sales", InteractionState.Offered, "alice", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));

    private static Ccgw.Sip.Message.SipNameAddress From => new(new Ccgw.Sip.Message.SipUri("sip", "5550100", "localhost"));

    [Fact]
    public async Task An_agent_without_a_registered_phone_is_not_rung_and_takes_no_ports()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        var leg = new AgentLeg(Offer);
        var failure = await leg.RingAsync(bed.NewDialler(), From, _ => Assert.Fail("nothing to route"), new Lock(), () => true, default);
        Assert.Equal("no registered phone", failure);
        Assert.Null(leg.Leg);
        Assert.Equal(0, bed.Ports.InUse);
    }

    [Fact]
    public async Task An_offer_closed_before_the_INVITE_leaves_stops_it_and_the_claimed_ports_are_freed_once()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        await bed.RegisterPhoneAsync("alice");
        var leg = new AgentLeg(Offer) { Closed = true };
        OutboundLeg? routed = null;
        var failure = await leg.RingAsync(bed.NewDialler(), From, l => routed = l, new Lock(), () => true, default);

        Assert.Equal("offer closed", failure);
        Assert.Same(routed, leg.Leg);
        Assert.Equal(OutboundLegState.Calling, leg.Leg!.State);
        Assert.Equal(1, bed.Ports.InUse); // claimed: the leg's owner frees them
        await leg.FreeMediaAsync();
        await leg.FreeMediaAsync();
        Assert.Null(leg.Media);
        Assert.Equal(0, bed.Ports.InUse);
    }

    [Fact]
    public async Task A_call_that_no_longer_wants_the_agent_stops_the_ring_before_the_INVITE_leaves()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        await bed.RegisterPhoneAsync("alice");
        var leg = new AgentLeg(Offer);
        Assert.Equal("offer closed", await leg.RingAsync(bed.NewDialler(), From, _ => { }, new Lock(), () => false, default));
        await leg.AbandonAsync();
        Assert.Equal(0, bed.Ports.InUse);
    }

    [Fact]
    public async Task A_busy_phone_is_the_reason_busy_for_the_core()
    {
        await using var bed = await VoiceTestbed.StartAsync();
        await bed.RegisterPhoneAsync("alice");
        var leg = new AgentLeg(Offer);
        var ringing = leg.RingAsync(bed.NewDialler(), From, _ => { }, new Lock(), () => true, default);
        var invite = await bed.NextRequestAsync("INVITE");
        Assert.Equal("sip:alice@localhost", invite.To!.Uri.ToString());
        Assert.Equal("5550100", invite.From!.Uri.User);
        Assert.Equal(1, bed.Ports.InUse);
        await bed.RespondAsync(invite, 486);

        Assert.Equal("busy", await ringing);
        Assert.Equal(OutboundLegState.Failed, leg.Leg!.State);
        await leg.FreeMediaAsync();
        Assert.Equal(0, bed.Ports.InUse);
    }
}
