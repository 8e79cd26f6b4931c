namespace Ccgw.Core.Tests;

/// <summary>
/// Console hold and resume in the routing core: only the agent connected to a voice call may do them, once each;
/// presence lists the held call, an event tells the voice adapter, and hold never outlives the connected conversation.
/// </summary>
public sealed class HoldStateTests
{
    [Fact]
    public void Hold_and_resume_show_in_presence_and_emit_one_event_each()
    {
        var c = new TestCentre([Agent("alice"), Agent("bob")], [Queue("sales")]);
        c.Ready("alice");
        var id = c.Submit(Call("sales")).InteractionId;
        Assert.True(c.Accept("alice", id).IsOk);

        Assert.True(c.Hold("alice", id).IsOk);
        Assert.Equal(id, Assert.Single(c.Presence("alice").HeldInteractionIds));
        Assert.Equal(AgentState.Busy, c.Presence("alice").State); // routing does not change: she still has the call
        var held = Assert.Single(c.Log.OfType<InteractionHoldChanged>());
        Assert.Equal((id, "alice", true), (held.Interaction.Id, held.AgentId, held.Held));
        Assert.Contains(c.Log.OfType<AgentStateChanged>(), e => e.Presence.AgentId == "alice" && e.Presence.HeldInteractionIds.Contains(id));

        Assert.Equal(CommandStatus.InvalidState, c.Hold("alice", id).Status);
        Assert.True(c.Hold("alice", id, hold: false).IsOk);
        Assert.Empty(c.Presence("alice").HeldInteractionIds);
        Assert.Equal([true, false], c.Log.OfType<InteractionHoldChanged>().Select(e => e.Held));
        Assert.Equal(CommandStatus.InvalidState, c.Hold("alice", id, hold: false).Status);
        c.AssertConsistent();
    }

    [Fact]
    public void Only_the_connected_agent_holds_only_a_voice_call()
    {
        var c = new TestCentre([Agent("alice"), Agent("bob", voice: 0)], [Queue("sales")]);
        c.Ready("alice");
        var call = c.Submit(Call("sales")).InteractionId;
        Assert.Equal(CommandStatus.InvalidState, c.Hold("alice", call).Status); // offered, not yet connected
        Assert.True(c.Accept("alice", call).IsOk);
        Assert.Equal(CommandStatus.InvalidState, c.Hold("bob", call).Status);
        Assert.Equal(CommandStatus.NotFound, c.Hold("alice", "nope").Status);

        c.Ready("bob");
        var chat = c.Submit(Call("sales", InteractionChannel.Im)).InteractionId;
        Assert.Equal("bob", c.OfferedTo(chat));
        Assert.True(c.Accept("bob", chat).IsOk);
        var refused = c.Hold("bob", chat);
        Assert.Equal(CommandStatus.InvalidState, refused.Status);
        Assert.Contains("not a voice call", refused.Error, StringComparison.Ordinal);
        Assert.Empty(c.Log.OfType<InteractionHoldChanged>());
    }

    [Fact]
    public void A_held_call_that_is_transferred_or_ends_is_no_longer_held()
    {
        var c = new TestCentre([Agent("alice"), Agent("bob")], [Queue("sales"), Queue("support", "sales:1")]);
        c.Ready("alice");
        var id = c.Submit(Call("sales")).InteractionId;
        Assert.True(c.Accept("alice", id).IsOk);
        Assert.True(c.Hold("alice", id).IsOk);

        // Transferred while held: queued again; whoever takes it next has it connected and not on hold.
        Assert.True(c.Transfer(id, "support").IsOk);
        Assert.Empty(c.Presence("alice").HeldInteractionIds);
        c.Ready("bob");
        var next = c.OfferedTo(id);
        Assert.NotNull(next);
        Assert.True(c.Accept(next, id).IsOk);
        Assert.Empty(c.Presence(next).HeldInteractionIds);
        Assert.True(c.Hold(next, id).IsOk);
        Assert.Equal(id, Assert.Single(c.Presence(next).HeldInteractionIds));

        Assert.True(c.End(id).IsOk);
        Assert.Empty(c.Presence(next).HeldInteractionIds);
        Assert.Equal(AgentState.WrapUp, c.Presence(next).State);
        c.AssertConsistent();
    }
}
