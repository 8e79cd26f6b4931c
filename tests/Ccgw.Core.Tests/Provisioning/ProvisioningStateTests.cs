namespace Ccgw.Core.Tests.Provisioning;

/// <summary>The core's apply path for provisioning (issue 20): removals that would strand work are refused, queue changes re-place the queue.</summary>
public sealed class ProvisioningStateTests
{
    [Fact]
    public void An_agent_on_a_call_cannot_be_removed_and_can_once_the_call_ends()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")]);
        c.Ready("a");
        var r = c.Submit(Call("sales"));
        Assert.True(c.Accept("a", r.InteractionId).IsOk);

        var refused = c.State.RemoveAgent("a", c.Now);

        Assert.Equal(CommandStatus.InvalidState, refused.Status);
        Assert.Contains(r.InteractionId, refused.Error);
        Assert.Equal(InteractionState.Connected, c.Interaction(r.InteractionId)!.Interaction.State);
        Assert.True(c.End(r.InteractionId, TimeSpan.FromSeconds(30)).IsOk);
        // In wrap-up the agent holds no customer: removal ends the wrap-up as going offline would.
        Assert.True(c.State.RemoveAgent("a", c.Now).IsOk);
        c.Advance(TimeSpan.Zero);
        Assert.DoesNotContain("a", c.State.Snapshot.Agents.Keys);
        Assert.Equal(0, c.Stats("sales").AgentsReady);
        Assert.Equal(0, c.Stats("sales").AgentsBusy);
        Assert.Equal(CommandStatus.NotFound, c.State.RemoveAgent("a", c.Now).Status);
        c.AssertConsistent();
    }

    [Fact]
    public void A_removed_agent_is_offered_nothing_and_new_agents_after_it_each_take_a_call()
    {
        var c = new TestCentre([Agent("a"), Agent("b")], [Queue("sales")]);
        c.Ready("a");
        Assert.True(c.State.RemoveAgent("a", c.Now).IsOk);
        var first = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, first.State);

        // New agents get fresh indices (the pools break ties by index): two added after a removal are two agents.
        Assert.True(c.State.UpsertAgent(Agent("n1"), c.Now).IsOk);
        Assert.True(c.State.UpsertAgent(Agent("n2"), c.Now).IsOk);
        c.Ready("n1");
        c.Ready("n2");
        var second = c.Submit(Call("sales"));

        Assert.NotNull(c.OfferedTo(first.InteractionId));
        Assert.NotNull(c.OfferedTo(second.InteractionId));
        Assert.NotEqual(c.OfferedTo(first.InteractionId), c.OfferedTo(second.InteractionId));
        Assert.DoesNotContain(c.Offers, o => o.Offer.AgentId == "a");
        c.AssertConsistent();
    }

    [Fact]
    public void Changing_a_queues_skills_offers_its_waiting_call_to_the_newly_qualified_agent_at_once()
    {
        var c = new TestCentre([Agent("billy", "billing:5"), Agent("sally", "sales:5")], [Queue("sales", "sales:1"), Queue("billing", "billing:1")]);
        c.Ready("billy");
        var r = c.Submit(Call("sales"));
        Assert.Equal(InteractionState.Queued, r.State);

        var result = c.State.UpsertQueue(Queue("sales", "billing:3"), c.Now);
        c.Advance(TimeSpan.Zero);

        Assert.True(result.IsOk);
        Assert.Equal("billy", c.OfferedTo(r.InteractionId));
        Assert.Equal(1, c.Stats("sales").AgentsBusy);
        Assert.Equal(new[] { "billing" }, c.State.QueueDefinitions.Single(q => q.Id == "sales").RequiredSkills.Keys);
        c.AssertConsistent();
    }

    [Fact]
    public void The_next_offer_follows_the_new_skills_and_a_call_in_hand_continues()
    {
        var c = new TestCentre([Agent("a", "sales:5"), Agent("b", "sales:2,billing:5")], [Queue("sales", "sales:5"), Queue("billing", "billing:1")]);
        c.Ready("a");
        var first = c.Submit(Call("sales"));
        Assert.True(c.Accept("a", first.InteractionId).IsOk);
        c.Ready("b");

        // a no longer qualifies, b now does: a's call goes on, the next one goes to b.
        Assert.True(c.State.UpsertQueue(Queue("sales", "billing:4"), c.Now).IsOk);
        var second = c.Submit(Call("sales"));

        Assert.Equal(InteractionState.Connected, c.Interaction(first.InteractionId)!.Interaction.State);
        Assert.Equal("b", c.OfferedTo(second.InteractionId));
        Assert.True(c.End(first.InteractionId, TimeSpan.Zero).IsOk);
        c.AssertConsistent();
    }

    [Fact]
    public void Waiting_calls_keep_their_order_and_widening_after_a_queue_change()
    {
        var c = new TestCentre([Agent("low", "sales:2")], [Queue("sales", "sales:5")]);
        c.Ready("low");
        var first = c.Submit(Call("sales"));
        c.AdvanceSeconds(5);
        var second = c.Submit(Call("sales"));

        // The new widening step lets level 2 in after 30 s of waiting, counted from each call's arrival.
        Assert.True(c.State.UpsertQueue(Queue("sales", "sales:5", widening: [new WideningStep(TimeSpan.FromSeconds(30), 2)]), c.Now).IsOk);
        c.AdvanceSeconds(20);
        Assert.Null(c.OfferedTo(first.InteractionId));
        c.AdvanceSeconds(6);

        Assert.Equal("low", c.OfferedTo(first.InteractionId));
        Assert.Null(c.OfferedTo(second.InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void Unknown_and_invalid_queue_changes_are_refused_and_change_nothing()
    {
        var c = new TestCentre([Agent("a")], [Queue("sales")]);

        Assert.Equal(CommandStatus.NotFound, c.State.UpsertQueue(Queue("nope"), c.Now).Status);
        var invalid = c.State.UpsertQueue(Queue("sales", overflow: new OverflowRule(TimeSpan.FromSeconds(10), "nowhere")), c.Now);

        Assert.Equal(CommandStatus.InvalidState, invalid.Status);
        Assert.Contains("nowhere", invalid.Error);
        Assert.Null(c.State.QueueDefinitions.Single().Overflow);
        c.AssertConsistent();
    }

    [Fact]
    public void A_queue_added_at_run_time_routes_to_agents_already_ready_and_to_agents_added_after_it()
    {
        var c = new TestCentre([Agent("a", "sales:5,vip:3"), Agent("b", "sales:5")], [Queue("sales", "sales:1")]);
        c.Ready("a");
        c.Ready("b");

        Assert.True(c.State.AddQueue(Queue("vip", "vip:2"), c.Now).IsOk);
        Assert.Equal(CommandStatus.InvalidState, c.State.AddQueue(Queue("vip", "vip:1"), c.Now).Status);
        c.Advance(TimeSpan.Zero);
        Assert.Equal(1, c.Stats("vip").AgentsReady);
        var first = c.Submit(Call("vip"));
        Assert.Equal("a", c.OfferedTo(first.InteractionId));

        // An agent added after the queue has a score slot for it (indexes grew) and takes the next one.
        Assert.True(c.State.UpsertAgent(Agent("v", "vip:9"), c.Now).IsOk);
        c.Ready("v");
        var second = c.Submit(Call("vip"));
        Assert.Equal("v", c.OfferedTo(second.InteractionId));
        Assert.Equal("b", c.OfferedTo(c.Submit(Call("sales")).InteractionId));
        c.AssertConsistent();
    }

    [Fact]
    public void A_queue_is_removed_only_when_empty_and_not_an_overflow_target()
    {
        var c = new TestCentre([Agent("a", "vip:3")], [Queue("sales", "sales:1")]);
        Assert.True(c.State.AddQueue(Queue("vip", "vip:1"), c.Now).IsOk);
        var waiting = c.Submit(Call("vip"));
        Assert.Equal(InteractionState.Queued, waiting.State);

        var refused = c.State.RemoveQueue("vip", c.Now);
        Assert.Equal(CommandStatus.InvalidState, refused.Status);
        Assert.Contains("1 interaction(s) wait", refused.Error);
        Assert.Contains(waiting.InteractionId, refused.Error);

        // Connected from the queue: still refused (the call's figures belong to it until it ends).
        c.Ready("a");
        Assert.True(c.Accept("a", waiting.InteractionId).IsOk);
        Assert.Contains("in hand", c.State.RemoveQueue("vip", c.Now).Error);
        Assert.True(c.End(waiting.InteractionId, TimeSpan.Zero).IsOk);

        Assert.True(c.State.UpsertQueue(Queue("sales", "sales:1", overflow: new OverflowRule(TimeSpan.FromSeconds(30), "vip")), c.Now).IsOk);
        Assert.Contains("'sales' overflows into 'vip'", c.State.RemoveQueue("vip", c.Now).Error);
        Assert.True(c.State.UpsertQueue(Queue("sales", "sales:1"), c.Now).IsOk);

        Assert.True(c.State.RemoveQueue("vip", c.Now).IsOk);
        c.Advance(TimeSpan.Zero);
        Assert.DoesNotContain("vip", c.State.Snapshot.Queues.Keys);
        Assert.Equal(["sales"], c.State.QueueDefinitions.Select(q => q.Id));
        Assert.Equal(CommandStatus.NotFound, c.State.RemoveQueue("vip", c.Now).Status);
        // The id can be used again; the new queue starts with fresh figures.
        Assert.True(c.State.AddQueue(Queue("vip", "vip:1"), c.Now).IsOk);
        c.Advance(TimeSpan.Zero);
        Assert.Equal(0, c.Stats("vip").Answered);
        Assert.Equal("a", c.OfferedTo(c.Submit(Call("vip")).InteractionId));
        c.AssertConsistent();
    }
}
