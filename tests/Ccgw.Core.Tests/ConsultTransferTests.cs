using Ccgw.Core.History;
using Ccgw.Core.Repositories;

namespace Ccgw.Core.Tests;

/// <summary>
/// Hand-over of a connected voice call between agents (issue 19): consult reserves a ready target, completing moves
/// the call to it and puts the first agent in wrap-up, cancelling releases the target; blind transfer does both at once.
/// </summary>
public sealed class ConsultTransferTests
{
    private static (TestCentre Centre, string Call) Connected(params AgentDefinition[] more)
    {
        var c = new TestCentre([Agent("alice"), Agent("bob"), .. more], [Queue("sales", wrapUp: TimeSpan.FromSeconds(20))]);
        c.Ready("alice");
        var id = c.Submit(Call("sales")).InteractionId;
        Assert.Equal("alice", c.OfferedTo(id));
        Assert.True(c.Accept("alice", id).IsOk);
        return (c, id);
    }

    [Fact]
    public void Consult_reserves_the_target_so_routing_offers_it_nothing_else()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        c.AdvanceSeconds(3);

        Assert.True(c.Consult("alice", id, "bob").IsOk);
        var started = Assert.Single(c.Log.OfType<InteractionConsultChanged>());
        Assert.Equal((id, "alice", "bob", ConsultPhase.Started, false), (started.Interaction.Id, started.FromAgentId, started.TargetAgentId, started.Phase, started.Blind));
        Assert.Equal(AgentState.Busy, c.Presence("bob").State);
        Assert.Equal(1, c.Presence("bob").Load.Voice);
        var seen = Assert.Single(c.Presence("bob").Consults);
        Assert.Equal(new ConsultView(id, "alice", "bob", c.Now), seen);
        Assert.Equal(seen, Assert.Single(c.Presence("alice").Consults));

        // A new call does not go to bob while he is reserved: it waits.
        var next = c.Submit(Call("sales")).InteractionId;
        Assert.Null(c.OfferedTo(next));
        Assert.Equal(InteractionState.Queued, c.Interaction(next)!.Interaction.State);
        c.AssertConsistent();
    }

    [Fact]
    public void Complete_moves_the_call_to_the_target_and_the_first_agent_wraps_up()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        c.AdvanceSeconds(10);

        Assert.True(c.CompleteTransfer("alice", id).IsOk);
        var view = c.Interaction(id)!.Interaction;
        Assert.Equal((InteractionState.Connected, "bob"), (view.State, view.AgentId));
        Assert.Equal(AgentState.Busy, c.Presence("bob").State);
        Assert.Equal(id, Assert.Single(c.Presence("bob").InteractionIds));
        Assert.Equal(AgentState.WrapUp, c.Presence("alice").State);
        Assert.Empty(c.Presence("alice").InteractionIds);
        Assert.Equal(0, c.Presence("alice").Load.Voice);
        Assert.Empty(c.Presence("alice").Consults);
        Assert.Empty(c.Presence("bob").Consults);
        Assert.Equal([ConsultPhase.Started, ConsultPhase.Completed], c.Log.OfType<InteractionConsultChanged>().Select(e => e.Phase));
        var moved = c.Log.OfType<InteractionStateChanged>().Last(e => e.Interaction.Id == id);
        Assert.Equal("transfer from alice to bob", moved.Reason);
        c.AssertConsistent();

        // alice's wrap-up is the queue's (20 s); then she is ready again and takes the next call.
        c.AdvanceSeconds(19);
        Assert.Equal(AgentState.WrapUp, c.Presence("alice").State);
        c.AdvanceSeconds(1);
        Assert.Equal(AgentState.Ready, c.Presence("alice").State);
        var next = c.Submit(Call("sales")).InteractionId;
        Assert.Equal("alice", c.OfferedTo(next));

        // bob hangs up: his wrap-up, as for any call he answered.
        Assert.True(c.End(id).IsOk);
        Assert.Equal(AgentState.WrapUp, c.Presence("bob").State);
        c.AssertConsistent();
    }

    [Fact]
    public void The_first_agent_can_end_the_wrap_up_after_a_hand_over_early()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        Assert.True(c.CompleteTransfer("alice", id).IsOk);
        Assert.Equal(AgentState.WrapUp, c.Presence("alice").State);
        Assert.True(c.WrapUpDone("alice").IsOk);
        Assert.Equal(AgentState.Ready, c.Presence("alice").State);
        Assert.Equal(AgentState.Busy, c.Presence("bob").State);
        c.AssertConsistent();
    }

    [Fact]
    public void Cancel_releases_the_target_and_the_first_agent_keeps_the_caller()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        var waiting = c.Submit(Call("sales")).InteractionId;
        Assert.Null(c.OfferedTo(waiting));

        Assert.True(c.CancelConsult("alice", id).IsOk);
        var cancelled = c.Log.OfType<InteractionConsultChanged>().Last();
        Assert.Equal((ConsultPhase.Cancelled, false), (cancelled.Phase, cancelled.Failed));
        Assert.Equal((InteractionState.Connected, "alice"), (c.Interaction(id)!.Interaction.State, c.Interaction(id)!.Interaction.AgentId));
        Assert.Empty(c.Presence("alice").Consults);
        // bob is free again, so routing gives him the call that waited.
        Assert.Equal("bob", c.OfferedTo(waiting));
        Assert.Equal(CommandStatus.InvalidState, c.CompleteTransfer("alice", id).Status);
        c.AssertConsistent();
    }

    [Fact]
    public void The_channel_cancels_a_consult_the_target_did_not_answer()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        Assert.True(c.CancelConsult(null, id, "target did not answer (480)").IsOk);
        var cancelled = c.Log.OfType<InteractionConsultChanged>().Last();
        Assert.Equal((ConsultPhase.Cancelled, "target did not answer (480)", true), (cancelled.Phase, cancelled.Reason, cancelled.Failed));
        Assert.Equal(AgentState.Ready, c.Presence("bob").State);
        c.AssertConsistent();
    }

    [Fact]
    public void Refusals_name_why_with_a_code()
    {
        var (c, id) = Connected(Agent("carol"), Agent("dave", voice: 0));
        c.Ready("dave");

        Assert.Equal("unknownAgent", c.Consult("alice", id, "zed").Code);
        Assert.Equal("sameAgent", c.Consult("alice", id, "alice").Code);
        var notReady = c.Consult("alice", id, "bob");
        Assert.Equal(("agentNotReady", CommandStatus.InvalidState), (notReady.Code, notReady.Status));
        Assert.Contains("not ready", notReady.Error, StringComparison.Ordinal);
        Assert.Equal("agentBusy", c.Consult("alice", id, "dave").Code); // ready, but no voice capacity
        Assert.Equal(CommandStatus.InvalidState, c.Consult("bob", id, "carol").Status); // not bob's call
        Assert.Equal(CommandStatus.NotFound, c.Consult("alice", "nope", "bob").Status);
        Assert.Equal("noConsult", c.CompleteTransfer("alice", id).Code);
        Assert.Equal("noConsult", c.CancelConsult("alice", id).Code);

        c.Ready("bob");
        c.Ready("carol");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        Assert.Equal("consultInProgress", c.Consult("alice", id, "carol").Code);
        Assert.Equal("consultInProgress", c.Hold("alice", id).Code);
        Assert.Equal(CommandStatus.InvalidState, c.CompleteTransfer("bob", id).Status); // only alice hands over
        Assert.DoesNotContain(c.Log.OfType<InteractionConsultChanged>(), e => e.Phase != ConsultPhase.Started);
        c.AssertConsistent();
    }

    [Fact]
    public void A_chat_cannot_be_consulted()
    {
        var c = new TestCentre([Agent("alice"), Agent("bob")], [Queue("sales")]);
        c.Ready("alice");
        c.Ready("bob");
        var chat = c.Submit(Call("sales", InteractionChannel.Im)).InteractionId;
        var holder = c.OfferedTo(chat)!;
        Assert.True(c.Accept(holder, chat).IsOk);
        var refused = c.Consult(holder, chat, holder == "alice" ? "bob" : "alice");
        Assert.Contains("not a voice call", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Blind_transfer_hands_over_at_once()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        Assert.True(c.TransferToAgent("alice", id, "bob").IsOk);
        Assert.Equal([(ConsultPhase.Started, true), (ConsultPhase.Completed, true)],
            c.Log.OfType<InteractionConsultChanged>().Select(e => (e.Phase, e.Blind)));
        Assert.Equal("bob", c.Interaction(id)!.Interaction.AgentId);
        Assert.Equal(AgentState.WrapUp, c.Presence("alice").State);
        Assert.Equal("agentNotReady", c.TransferToAgent("bob", id, "alice").Code); // alice is in wrap-up
        c.AssertConsistent();
    }

    [Fact]
    public void The_caller_leaving_or_the_target_logging_off_ends_the_consult()
    {
        var (c, id) = Connected(Agent("carol"));
        c.Ready("bob");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        Assert.True(c.Offline("bob").IsOk);
        Assert.Equal(ConsultPhase.Cancelled, c.Log.OfType<InteractionConsultChanged>().Last().Phase);
        Assert.Empty(c.Presence("alice").Consults);
        c.AssertConsistent();

        c.Ready("carol");
        Assert.True(c.Consult("alice", id, "carol").IsOk);
        Assert.True(c.Abandon(id).IsOk); // the caller hung up while on hold
        var last = c.Log.OfType<InteractionConsultChanged>().Last();
        Assert.Equal((ConsultPhase.Cancelled, "carol"), (last.Phase, last.TargetAgentId));
        Assert.Equal(AgentState.Ready, c.Presence("carol").State);
        Assert.Equal(AgentState.WrapUp, c.Presence("alice").State);
        c.AssertConsistent();
    }

    [Fact]
    public void History_records_the_hand_over_with_both_agents()
    {
        var (c, id) = Connected();
        c.Ready("bob");
        Assert.True(c.Consult("alice", id, "bob").IsOk);
        Assert.True(c.CompleteTransfer("alice", id).IsOk);
        var rows = c.Log.Select(HistoryRecorder.ToHistory).OfType<(InteractionHistoryEntry Entry, InteractionHistoryEvent Event)>()
            .Select(r => r.Event).Where(e => e.InteractionId == id).ToList();
        Assert.Contains(rows, e => e.Kind == "consultStarted" && e.AgentId == "bob" && e.Detail == "from alice to bob");
        Assert.Contains(rows, e => e.Kind == "consultCompleted" && e.AgentId == "bob");
        Assert.Contains(rows, e => e.Kind == "stateChanged" && e.AgentId == "bob" && e.Detail == "transfer from alice to bob");
    }
}
