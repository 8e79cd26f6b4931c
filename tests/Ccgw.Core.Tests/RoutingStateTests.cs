using Ccgw.Core;

namespace Ccgw.Core.Tests;

public sealed class RoutingStateTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Arrival_is_offered_to_the_ready_agent_and_follows_the_lifecycle_to_ended()
    {
        var c = new TestCentre([Agent("alice")], [Queue("sales", wrapUp: TimeSpan.FromSeconds(10))]);
        c.Ready("alice");

        var r = c.Submit(Call("sales"));

        Assert.Equal(InteractionState.Offered, r.State);
        Assert.Equal("alice", r.AgentId);
        Assert.Equal(AgentState.Busy, c.Presence("alice").State);
        Assert.True(c.Accept("alice", r.InteractionId).IsOk);
        Assert.Equal(InteractionState.Connected, c.Interaction(r.InteractionId)!.Interaction.State);
        Assert.True(c.End(r.InteractionId).IsOk);
        Assert.Equal(AgentState.WrapUp, c.Presence("alice").State);
        c.AdvanceSeconds(10);
        Assert.Null(c.Interaction(r.InteractionId));
        Assert.Equal(AgentState.Ready, c.Presence("alice").State);
        var states = c.Log.OfType<InteractionStateChanged>().Where(e => e.Interaction.Id == r.InteractionId).Select(e => e.Interaction.State);
        Assert.Equal([InteractionState.Queued, InteractionState.Offered, InteractionState.Connected, InteractionState.WrapUp, InteractionState.Ended], states);
        c.AssertConsistent();
    }

    [Fact]
    public void Waiting_interaction_goes_to_the_agent_who_becomes_ready()
    {
        var c = new TestCentre([Agent("alice")], [Queue("sales")]);
        var r = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, r.State);
        Assert.Equal(1, r.Position);
        Assert.Null(r.Ewt.Seconds); // nobody staffed: the wait is unbounded

        c.Ready("alice");

        Assert.Equal("alice", c.OfferedTo(r.InteractionId));
    }

    [Fact]
    public void Equal_agents_are_chosen_longest_idle_first()
    {
        var c = new TestCentre([Agent("a"), Agent("b"), Agent("c")], [Queue("sales")]);
        c.Ready("b");
        c.AdvanceSeconds(5);
        c.Ready("c");
        c.AdvanceSeconds(5);
        c.Ready("a");

        var first = c.Submit(Call("sales"));
        var second = c.Submit(Call("sales"));
        var third = c.Submit(Call("sales"));

        Assert.Equal(new string?[] { "b", "c", "a" }, new[] { first.AgentId, second.AgentId, third.AgentId });
    }

    [Fact]
    public void Most_skilled_agent_is_preferred_over_a_longer_idle_one()
    {
        var c = new TestCentre([Agent("junior", "sales:3"), Agent("senior", "sales:9")], [Queue("sales")]);
        c.Ready("junior");
        c.AdvanceSeconds(60);
        c.Ready("senior");

        Assert.Equal("senior", c.Submit(Call("sales")).AgentId);
    }

    [Fact]
    public void Longest_idle_selection_ignores_skill_level_once_eligible()
    {
        var c = new TestCentre([Agent("junior", "sales:3"), Agent("senior", "sales:9")], [Queue("sales")],
            new RoutingOptions { AgentSelection = AgentSelection.LongestIdle });
        c.Ready("junior");
        c.AdvanceSeconds(60);
        c.Ready("senior");

        Assert.Equal("junior", c.Submit(Call("sales")).AgentId);
    }

    [Fact]
    public void Agent_without_the_required_skill_level_is_never_offered()
    {
        var c = new TestCentre([Agent("low", "billing:2"), Agent("other", "sales:9")], [Queue("billing", "billing:4")]);
        c.Ready("low");
        c.Ready("other");

        var r = c.Submit(Call("billing"));

        Assert.Equal(InteractionState.Queued, r.State);
        Assert.Empty(c.Offers);
        c.AssertConsistent();
    }

    [Fact]
    public void Offer_timeout_requeues_to_the_next_agent_and_sets_the_silent_agent_not_ready()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")], new RoutingOptions { OfferTimeout = TimeSpan.FromSeconds(15) });
        c.Ready("a");
        c.AdvanceSeconds(1);
        c.Ready("b");
        var r = c.Submit(Call("sales"));
        Assert.Equal("a", r.AgentId);

        c.AdvanceSeconds(15);

        var closed = Assert.Single(c.Log.OfType<OfferClosed>());
        Assert.Equal(OfferOutcome.TimedOut, closed.Outcome);
        Assert.Equal("b", c.OfferedTo(r.InteractionId));
        Assert.Equal(AgentState.NotReady, c.Presence("a").State);
        Assert.Equal("offerTimeout", c.Presence("a").Reason);
        c.AssertConsistent();
    }

    [Fact]
    public void Rejected_interaction_goes_to_the_next_agent_keeping_its_place()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")]);
        c.Ready("a");
        var first = c.Submit(Call("sales"));
        c.AdvanceSeconds(1);
        var second = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, second.State);

        c.Reject("a", first.InteractionId);

        // a is free again but skips the one it rejected; the queue's order is otherwise unchanged.
        Assert.Equal("a", c.OfferedTo(second.InteractionId));
        Assert.Null(c.OfferedTo(first.InteractionId));
        Assert.Equal(1, c.Interaction(first.InteractionId)!.Position);
        c.Ready("b");
        Assert.Equal("b", c.OfferedTo(first.InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void Rejecting_agent_gets_the_interaction_again_after_the_cooldown_when_nobody_else_can()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")], new RoutingOptions { RejectCooldown = TimeSpan.FromSeconds(30) });
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        c.Reject("a", r.InteractionId);
        Assert.Null(c.OfferedTo(r.InteractionId));

        c.AdvanceSeconds(29);
        Assert.Null(c.OfferedTo(r.InteractionId));
        c.AdvanceSeconds(1);

        Assert.Equal("a", c.OfferedTo(r.InteractionId));
    }

    [Fact]
    public void Callback_is_ordered_by_its_original_start_between_live_callers()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")]);
        var start = c.Now;
        var early = c.Submit(Call("sales"));
        c.AdvanceSeconds(60);
        var late = c.Submit(Call("sales"));
        c.AdvanceSeconds(60);
        var callback = c.Submit(Call("sales", InteractionChannel.Callback, originalStart: start + TimeSpan.FromSeconds(30)));
        Assert.Equal(1, callback.Position); // positions count per capacity slot: it is the first call-back
        var transferred = c.Submit(Call("sales", originalStart: start + TimeSpan.FromSeconds(45)));
        Assert.Equal(2, transferred.Position); // a voice interaction started at 45 s ranks between early and late
        c.Abandon(transferred.InteractionId);

        c.Ready("a");
        Assert.Equal("a", c.OfferedTo(early.InteractionId));
        c.Accept("a", early.InteractionId);
        c.End(early.InteractionId, TimeSpan.Zero);
        Assert.Equal("a", c.OfferedTo(callback.InteractionId));
        c.Accept("a", callback.InteractionId);
        c.End(callback.InteractionId, TimeSpan.Zero);
        Assert.Equal("a", c.OfferedTo(late.InteractionId));
    }

    [Fact]
    public void Widening_admits_lower_levels_as_the_wait_grows()
    {
        var widening = new[] { new WideningStep(TimeSpan.FromSeconds(60), 3), new WideningStep(TimeSpan.FromSeconds(120), 1) };
        var c = new TestCentre([Agent("l3", "sales:3"), Agent("l1", "sales:1")], [Queue("sales", "sales:7", widening: widening)]);
        c.Ready("l1");
        c.Ready("l3");
        var r = c.Submit(Call("sales"));
        c.Reject("l3", r.InteractionId); // no offer can exist yet: this must fail
        Assert.Empty(c.Offers);

        c.AdvanceSeconds(59);
        Assert.Empty(c.Offers);
        c.AdvanceSeconds(1);
        Assert.Equal("l3", c.OfferedTo(r.InteractionId));

        c.NotReady("l3"); // withdraws; at 120 s anyone with the skill qualifies
        Assert.Null(c.OfferedTo(r.InteractionId));
        c.AdvanceSeconds(60);
        Assert.Equal("l1", c.OfferedTo(r.InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void Overflow_moves_the_interaction_to_the_target_queue_after_the_delay()
    {
        var c = new TestCentre([Agent("b", "billing:5")],
            [Queue("sales", "sales:1", overflow: new OverflowRule(TimeSpan.FromSeconds(90), "billing")), Queue("billing", "billing:1")]);
        c.Ready("b");
        var r = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, r.State);

        c.AdvanceSeconds(90);

        Assert.Equal("b", c.OfferedTo(r.InteractionId));
        Assert.Equal("billing", c.Interaction(r.InteractionId)!.Interaction.QueueId);
        Assert.Equal(0, c.Stats("sales").Waiting);
    }

    [Fact]
    public void Im_capacity_allows_parallel_chats_up_to_the_limit_only()
    {
        var c = new TestCentre([Agent("a", im: 2)], [Queue("sales")]);
        c.Ready("a");
        var chats = Enumerable.Range(0, 3).Select(_ => c.Submit(Call("sales", InteractionChannel.Im))).ToList();

        Assert.Equal(new string?[] { "a", "a", null }, chats.Select(x => x.AgentId));
        Assert.Equal(2, c.Presence("a").Load.Im);
        c.Accept("a", chats[0].InteractionId);
        c.End(chats[0].InteractionId, TimeSpan.Zero);
        Assert.Equal("a", c.OfferedTo(chats[2].InteractionId));
    }

    [Fact]
    public void Voice_is_exclusive_unless_blending_allows_mixing()
    {
        var c = new TestCentre([Agent("strict", im: 2), Agent("mixer", im: 2, voiceExclusive: false)], [Queue("sales")]);
        c.Ready("strict");
        c.Ready("mixer");
        c.Submit(Call("sales", InteractionChannel.Im)); // strict is longer idle → takes the chat
        Assert.Equal(1, c.Presence("strict").Load.Im);

        var voice = c.Submit(Call("sales"));
        Assert.Equal("mixer", voice.AgentId);
        var voice2 = c.Submit(Call("sales"));
        Assert.Null(voice2.AgentId);
        var chat = c.Submit(Call("sales", InteractionChannel.Im));
        Assert.Equal("strict", chat.AgentId); // mixer has voice: only strict with room for IM, mixer capacity is mixed
    }

    [Fact]
    public void Required_agent_capabilities_restrict_the_pool()
    {
        var c = new TestCentre([Agent("plain"), Agent("video", caps: "video,screen")], [Queue("sales")]);
        c.Ready("plain");
        c.AdvanceSeconds(10);
        c.Ready("video");

        Assert.Equal("video", c.Submit(Call("sales", requires: "video")).AgentId);
        Assert.Null(c.Submit(Call("sales", requires: "video")).AgentId);
        Assert.Equal("plain", c.Submit(Call("sales")).AgentId);
    }

    [Fact]
    public void Higher_priority_queue_is_served_first_when_an_agent_frees_up()
    {
        var c = new TestCentre([Agent("a", "sales:5,vip:5")], [Queue("sales", "sales:1"), Queue("vip", "vip:1", priority: 10)]);
        var normal = c.Submit(Call("sales"));
        c.AdvanceSeconds(30);
        var vip = c.Submit(Call("vip"));

        c.Ready("a");

        Assert.Equal("a", c.OfferedTo(vip.InteractionId));
        Assert.Null(c.OfferedTo(normal.InteractionId));
    }

    [Fact]
    public void Going_not_ready_withdraws_the_ringing_offer_and_requeues_it()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")]);
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        c.NotReady("a", "lunch");

        Assert.Equal(OfferOutcome.Withdrawn, Assert.Single(c.Log.OfType<OfferClosed>()).Outcome);
        Assert.Equal(InteractionState.Queued, c.Interaction(r.InteractionId)!.Interaction.State);
        Assert.Equal(AgentState.NotReady, c.Presence("a").State);
        Assert.Equal("lunch", c.Presence("a").Reason);
        c.Ready("b");
        Assert.Equal("b", c.OfferedTo(r.InteractionId));
    }

    [Fact]
    public void Lost_device_logs_the_agent_off_after_the_grace_period_unless_restored()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")], new RoutingOptions { DeviceLostGrace = TimeSpan.FromSeconds(30) });
        c.Ready("a");
        c.Ready("b");
        c.DeviceLost("a", "console");
        Assert.Equal(["console"], c.Presence("a").LostDevices.ToArray());
        c.AdvanceSeconds(20);
        c.DeviceRestored("a", "console");
        c.AdvanceSeconds(20);
        Assert.Equal(AgentState.Ready, c.Presence("a").State);

        c.DeviceLost("b", "phone");
        var r = c.Submit(Call("sales"));
        Assert.Equal("a", r.AgentId);
        c.AdvanceSeconds(30);

        Assert.Equal(AgentState.Offline, c.Presence("b").State);
        Assert.Equal("deviceLost:phone", c.Presence("b").Reason);
    }

    [Fact]
    public void Lost_device_withdraws_an_offer_ringing_at_expiry_of_the_grace()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")],
            new RoutingOptions { DeviceLostGrace = TimeSpan.FromSeconds(5), OfferTimeout = TimeSpan.FromSeconds(20) });
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        c.DeviceLost("a");
        c.AdvanceSeconds(5);

        Assert.Equal(AgentState.Offline, c.Presence("a").State);
        Assert.Equal(InteractionState.Queued, c.Interaction(r.InteractionId)!.Interaction.State);
        c.AssertConsistent();
    }

    [Fact]
    public void Logging_off_in_wrap_up_ends_the_wrap_up()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales", wrapUp: TimeSpan.FromMinutes(5))]);
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        c.Accept("a", r.InteractionId);
        c.End(r.InteractionId);
        Assert.Equal(AgentState.WrapUp, c.Presence("a").State);

        c.Offline("a");

        Assert.Equal(AgentState.Offline, c.Presence("a").State);
        Assert.Null(c.Interaction(r.InteractionId));
    }

    [Fact]
    public void Wrap_up_done_frees_the_agent_before_the_timer()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales", wrapUp: TimeSpan.FromMinutes(5))]);
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        c.Accept("a", r.InteractionId);
        c.End(r.InteractionId);
        var next = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, next.State);

        c.WrapUpDone("a");

        Assert.Equal("a", c.OfferedTo(next.InteractionId));
    }

    [Fact]
    public void Abandon_while_queued_removes_it_and_counts_it()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales", sl: new ServiceLevelTarget(TimeSpan.FromSeconds(20), 0.8))]);
        var r = c.Submit(Call("sales"));
        c.AdvanceSeconds(30);
        c.Abandon(r.InteractionId);

        Assert.Null(c.Interaction(r.InteractionId));
        var stats = c.Stats("sales");
        Assert.Equal(0, stats.Waiting);
        Assert.Equal(1, stats.Abandoned);
        Assert.Equal(0.0, stats.ServiceLevel); // abandoned after the threshold counts against the target
        c.Ready("a");
        Assert.Empty(c.Offers);
    }

    [Fact]
    public void Commands_for_unknown_or_wrong_targets_are_refused_without_change()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")]);
        c.Ready("a");
        var r = c.Submit(Call("sales"));

        Assert.Equal(CommandStatus.NotFound, c.Ready("nobody").Status);
        Assert.Equal(CommandStatus.InvalidState, c.Accept("b", r.InteractionId).Status);
        Assert.Equal(CommandStatus.NotFound, c.End("nope").Status);
        Assert.Throws<ArgumentException>(() => c.Submit(Call("nosuchqueue")));
        Assert.Equal("a", c.OfferedTo(r.InteractionId));
    }

    [Fact]
    public void Estimated_wait_uses_position_staffing_and_handle_time()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")], new RoutingOptions { DefaultHandleTime = TimeSpan.FromSeconds(200) });
        c.Ready("a");
        c.Ready("b");
        c.Submit(Call("sales"));
        c.Submit(Call("sales"));

        var third = c.Submit(Call("sales"));
        var fourth = c.Submit(Call("sales"));

        Assert.Equal(1, third.Position);
        Assert.Equal(100, third.Ewt.Seconds); // 1 × 200 s / 2 agents
        Assert.Equal(200, fourth.Ewt.Seconds);
        Assert.True(third.Ewt.LowSeconds < 100 && third.Ewt.HighSeconds > 100);
        Assert.True(fourth.Ewt.HighSeconds - fourth.Ewt.LowSeconds < 2 * (third.Ewt.HighSeconds - third.Ewt.LowSeconds));
        Assert.Equal(300, c.Stats("sales").Ewt.Seconds); // the next arrival would be third in line
    }

    [Fact]
    public void Estimated_wait_learns_handle_time_from_completed_interactions()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales", wrapUp: TimeSpan.Zero)], new RoutingOptions { DefaultHandleTime = TimeSpan.FromSeconds(500) });
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        c.Accept("a", r.InteractionId);
        c.AdvanceSeconds(60);
        c.End(r.InteractionId);
        c.Submit(Call("sales"));

        var waiting = c.Submit(Call("sales"));

        Assert.Equal(60, waiting.Ewt.Seconds);
        Assert.Equal(1, waiting.Ewt.Samples);
    }

    [Fact]
    public void Events_are_numbered_in_order_and_presence_changes_are_published()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")]);
        c.Ready("a");
        c.Submit(Call("sales"));

        Assert.Equal(Enumerable.Range(1, c.Log.Count).Select(i => (long)i), c.Log.Select(e => e.Sequence).Select(s => s - c.Log[0].Sequence + 1));
        var states = c.Log.OfType<AgentStateChanged>().Select(e => e.Presence.State);
        Assert.Equal([AgentState.Ready, AgentState.Busy], states);
        Assert.Contains(c.Log, e => e is QueueStatsChanged { Stats.Waiting: 1, Stats.AgentsBusy: 1 });
        Assert.Equal(c.Log[^1].Sequence, c.State.Snapshot.Version);
    }

    [Fact]
    public void Queue_figures_are_refreshed_periodically_only_while_someone_waits()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")], new RoutingOptions { StatsRefreshInterval = TimeSpan.FromSeconds(5) });
        var r = c.Submit(Call("sales"));
        c.AdvanceSeconds(12);

        var waits = c.Log.OfType<QueueStatsChanged>().Select(e => e.Stats.LongestWaitSeconds).ToList();
        Assert.Equal([0, 5, 10], waits);
        Assert.Equal(10, c.Stats("sales").LongestWaitSeconds);

        c.Abandon(r.InteractionId);
        c.Log.Clear();
        c.AdvanceSeconds(60);
        Assert.DoesNotContain(c.Log, e => e is QueueStatsChanged);
        Assert.Null(c.State.NextDueAt);
    }

    [Fact]
    public void Arrival_position_counts_higher_and_equal_priority_ahead()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")]);
        c.Submit(Call("sales", priority: 0));
        c.Submit(Call("sales", priority: 2));
        c.Submit(Call("sales", priority: 1));

        Assert.Equal(3, c.Submit(Call("sales", priority: 1)).Position);
        Assert.Equal(2, c.Submit(Call("sales", priority: 2)).Position);
        Assert.Equal(6, c.Submit(Call("sales", priority: 0)).Position);
        var late = c.State.LiveInteractionViews.Single(v => v.Request.Priority == 0 && v.Id == "t-1");
        Assert.Equal(5, c.Interaction(late.Id)!.Position); // walks the sets: four of higher priority are ahead
    }

    [Fact]
    public void Transfer_of_a_connected_interaction_frees_the_agent_and_queues_it_in_the_target_keeping_its_place()
    {
        var c = new TestCentre([Agent("s", "sales:5"), Agent("b", "billing:5")], [Queue("sales"), Queue("billing", "billing:1")]);
        c.Ready("s");
        var r = c.Submit(Call("sales"));
        c.Accept("s", r.InteractionId);
        c.AdvanceSeconds(30);
        var later = c.Submit(Call("billing"));

        Assert.True(c.State.Transfer(r.InteractionId, "billing", c.Now).IsOk);
        c.Advance(TimeSpan.Zero);

        Assert.Equal(AgentState.Ready, c.Presence("s").State);
        var status = c.Interaction(r.InteractionId)!;
        Assert.Equal("billing", status.Interaction.QueueId);
        Assert.Equal(1, status.Position); // ahead of the billing call that arrived after it
        c.Ready("b");
        Assert.Equal("b", c.OfferedTo(r.InteractionId));
        Assert.Null(c.OfferedTo(later.InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void Reprioritised_interaction_moves_ahead_and_offered_ones_cannot_be_transferred_in_wrap_up()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales", wrapUp: TimeSpan.FromSeconds(30))]);
        var first = c.Submit(Call("sales"));
        var second = c.Submit(Call("sales"));
        Assert.True(c.State.Reprioritise(second.InteractionId, 5, c.Now).IsOk);

        c.Ready("a");

        Assert.Equal("a", c.OfferedTo(second.InteractionId));
        c.Accept("a", second.InteractionId);
        c.End(second.InteractionId);
        Assert.Equal(CommandStatus.InvalidState, c.State.Transfer(second.InteractionId, "sales", c.Now).Status);
        Assert.Equal(CommandStatus.InvalidState, c.State.Reprioritise(second.InteractionId, 1, c.Now).Status);
        Assert.Equal(1, c.Interaction(first.InteractionId)!.Position);
    }

    [Fact]
    public void Customer_leaving_a_connected_conversation_ends_it_with_wrap_up()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales", wrapUp: TimeSpan.FromSeconds(20))]);
        c.Ready("a");
        var r = c.Submit(Call("sales", InteractionChannel.Im));
        c.Accept("a", r.InteractionId);

        Assert.True(c.Abandon(r.InteractionId).IsOk);

        Assert.Equal(InteractionState.WrapUp, c.Interaction(r.InteractionId)!.Interaction.State);
        Assert.Equal(0, c.Stats("sales").Abandoned);
        Assert.True(c.Abandon(r.InteractionId).IsOk);
        c.AdvanceSeconds(20);
        Assert.Equal(AgentState.Ready, c.Presence("a").State);
    }

    [Fact]
    public void Agents_can_be_added_and_redefined_while_running()
    {
        var c = new TestCentre([Agent("a", "sales:2")], [Queue("sales", "sales:5")]);
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, r.State);

        Assert.True(c.State.UpsertAgent(Agent("n", "sales:7"), c.Now).IsOk);
        c.Advance(TimeSpan.Zero);
        Assert.Equal(AgentState.Offline, c.Presence("n").State);
        Assert.True(c.State.UpsertAgent(Agent("a", "sales:6"), c.Now).IsOk);
        c.Advance(TimeSpan.Zero);

        Assert.Equal("a", c.OfferedTo(r.InteractionId));
        Assert.Equal(1, c.Stats("sales").AgentsBusy);
        c.Ready("n");
        Assert.Equal(1, c.Stats("sales").AgentsReady);
        c.AssertConsistent();
    }

    [Fact]
    public void Invalid_agent_definition_is_refused_with_its_problems()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")]);

        var result = c.State.UpsertAgent(Agent("a", "sales:0", im: -1), c.Now);

        Assert.Equal(CommandStatus.InvalidState, result.Status);
        Assert.Contains("Agent.Skills.sales", result.Error);
        Assert.Contains("Agent.Capacity.Im", result.Error);
    }
}
