using System.Threading.Channels;
using Ccgw.Core;
using Ccgw.Testing;

namespace Ccgw.Core.Tests;

public sealed class EngineTests
{
    private static ContactCenterDefinition Definition(int agents = 2, RoutingOptions? options = null) => new(
        [.. Enumerable.Range(0, agents).Select(i => Agent("a" + i, im: 2))],
        [Queue("sales")],
        options ?? new RoutingOptions());

    [Fact]
    public async Task A_completed_command_is_already_in_the_published_snapshot()
    {
        var engine = new RoutingEngine(Definition(agents: 8), new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var run = engine.RunAsync(cts.Token);

        // Readers (admin API, consoles) read Snapshot right after awaiting a command; it must never be the old state.
        for (var i = 0; i < 8; i++)
        {
            Assert.True((await engine.SetAgentStateAsync("a" + i, AgentStateRequest.Ready)).IsOk);
            Assert.Equal(AgentState.Ready, engine.Snapshot.Agents["a" + i].State);
            Assert.True((await engine.SetAgentStateAsync("a" + i, AgentStateRequest.NotReady, "break")).IsOk);
            Assert.Equal(AgentState.NotReady, engine.Snapshot.Agents["a" + i].State);
        }

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Commands_route_and_subscribers_see_every_event_in_order()
    {
        var time = new ManualTimeProvider();
        var engine = new RoutingEngine(Definition(), time);
        using var cts = new CancellationTokenSource();
        var events = engine.Subscribe(cts.Token);
        var run = engine.RunAsync(cts.Token);

        Assert.True((await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready)).IsOk);
        var submitted = await engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales", ChannelKey = "dialog-1" });
        Assert.Equal("a0", submitted.AgentId);
        Assert.True((await engine.AcceptOfferAsync("a0", submitted.InteractionId)).IsOk);
        Assert.True((await engine.EndInteractionAsync(submitted.InteractionId, TimeSpan.Zero)).IsOk);
        var snapshot = await engine.GetSnapshotAsync();
        await cts.CancelAsync();
        await run;

        var log = new List<CoreEvent>();
        await foreach (var e in events.ReadAllAsync())
            log.Add(e);
        Assert.Equal(log.Select(e => e.Sequence).Order(), log.Select(e => e.Sequence));
        Assert.Equal(log.Count, log[^1].Sequence - log[0].Sequence + 1);
        var made = Assert.Single(log.OfType<OfferMade>());
        Assert.Equal("dialog-1", made.Offer.Interaction.ChannelKey);
        Assert.Contains(log, e => e is InteractionStateChanged { Interaction.State: InteractionState.Ended });
        Assert.Equal(AgentState.Ready, snapshot.Agents["a0"].State);
        Assert.Equal(snapshot, engine.Snapshot);
    }

    [Fact]
    public async Task Timers_of_the_injected_clock_time_out_offers()
    {
        var time = new ManualTimeProvider();
        var engine = new RoutingEngine(Definition(options: new RoutingOptions { OfferTimeout = TimeSpan.FromSeconds(10) }), time);
        using var cts = new CancellationTokenSource();
        var run = engine.RunAsync(cts.Token);
        await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready);
        var r = await engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "sales" });

        time.Advance(TimeSpan.FromSeconds(10));
        var snapshot = await engine.GetSnapshotAsync();
        var status = await engine.GetInteractionAsync(r.InteractionId);
        await cts.CancelAsync();
        await run;

        Assert.Equal(AgentState.NotReady, snapshot.Agents["a0"].State);
        Assert.Equal(InteractionState.Queued, status!.Interaction.State);
    }

    [Fact]
    public async Task Slow_subscriber_is_cut_off_with_an_overflow_error_instead_of_stalling_routing()
    {
        var engine = new RoutingEngine(Definition(), new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var slow = engine.Subscribe(capacity: 2);
        var run = engine.RunAsync(cts.Token);

        await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready);
        await engine.SetAgentStateAsync("a1", AgentStateRequest.Ready);
        var r = await engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Im, QueueId = "sales" });
        await cts.CancelAsync();
        await run;

        Assert.NotNull(r.AgentId);
        await Assert.ThrowsAsync<EventStreamOverflowException>(async () =>
        {
            await foreach (var _ in slow.ReadAllAsync())
            {
            }
        });
    }

    [Fact]
    public async Task A_follower_that_fell_behind_reads_what_it_had_then_reports_the_gap_once_and_follows_on()
    {
        var engine = new RoutingEngine(Definition(), new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var follower = new EventFollower(engine, cts.Token, capacity: 2);
        var run = engine.RunAsync(cts.Token);

        // Four agent-state changes while nobody reads: two fit, the rest overflow the buffer.
        for (var i = 0; i < 2; i++)
        {
            await engine.SetAgentStateAsync("a" + i, AgentStateRequest.Ready);
            await engine.SetAgentStateAsync("a" + i, AgentStateRequest.NotReady, "break");
        }
        var read = new List<CoreEvent>();
        Assert.True(await follower.WaitToReadAsync(cts.Token));
        while (follower.TryRead(out var e)) read.Add(e);
        Assert.Equal(2, read.Count);
        Assert.False(follower.TakeGap(out _)); // the buffered events come first; the gap only once they are read

        Assert.True(await follower.WaitToReadAsync(cts.Token));
        Assert.True(follower.TakeGap(out var gap));
        Assert.Equal(read[^1].Sequence, gap.AfterSequence);
        Assert.Equal(engine.Snapshot.Version, gap.UpToSequence);
        Assert.True(gap.Missed > 0);
        Assert.False(follower.TakeGap(out _));
        Assert.Equal(1, follower.Gaps);

        // Subscribed again: the next change reaches the follower.
        await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready);
        await cts.CancelAsync();
        await run;
        var after = new List<CoreEvent>();
        while (await follower.WaitToReadAsync(CancellationToken.None)) // false once the stopped engine's last event is read
            while (follower.TryRead(out var e)) after.Add(e);
        Assert.All(after, e => Assert.True(e.Sequence > gap.UpToSequence));
        Assert.Contains(after, e => e is AgentStateChanged { Presence: { AgentId: "a0", State: AgentState.Ready } });
    }

    [Fact]
    public async Task Invalid_definition_is_refused_with_every_problem()
    {
        var bad = new ContactCenterDefinition([Agent("a", "sales:11")], [Queue("q", overflow: new OverflowRule(TimeSpan.FromSeconds(5), "nowhere"))], new RoutingOptions());
        var e = Assert.Throws<ArgumentException>(() => new RoutingEngine(bad, new ManualTimeProvider()));
        Assert.Contains("Agents[0].Skills.sales", e.Message);
        Assert.Contains("Queues[0].Overflow.Queue", e.Message);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Concurrent_submitters_agents_and_clock_never_break_the_invariants()
    {
        const int agents = 12;
        const int submitters = 8;
        const int perSubmitter = 60;
        var time = new ManualTimeProvider();
        var engine = new RoutingEngine(Definition(agents, new RoutingOptions { DefaultWrapUp = TimeSpan.FromSeconds(3), OfferTimeout = TimeSpan.FromSeconds(10) }), time);
        using var cts = new CancellationTokenSource();
        using var agentsDone = new CancellationTokenSource();
        var events = engine.Subscribe(cts.Token, capacity: 1_000_000);
        var run = engine.RunAsync(cts.Token);

        var submitted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var submitTasks = Enumerable.Range(0, submitters).Select(s => Task.Run(async () =>
        {
            for (var n = 0; n < perSubmitter; n++)
            {
                var channel = n % 3 == 0 ? InteractionChannel.Im : InteractionChannel.Voice;
                var r = await engine.SubmitInteractionAsync(new InteractionRequest { Channel = channel, QueueId = "sales" });
                submitted.Add(r.InteractionId);
                if (n % 7 == 0)
                    await engine.AbandonInteractionAsync(r.InteractionId);
            }
        })).ToList();

        // The clock moves concurrently too: offer timeouts, wrap-up ends and stats refreshes re-enter as ticks.
        var clock = Task.Run(async () =>
        {
            for (var n = 0; n < 200; n++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                await Task.Yield();
            }
        });

        var agentTasks = Enumerable.Range(0, agents).Select(a => Task.Run(async () =>
        {
            var id = "a" + a;
            var reader = engine.Subscribe(cts.Token, capacity: 1_000_000);
            await engine.SetAgentStateAsync(id, AgentStateRequest.Ready);
            var handled = 0;
            try
            {
                await foreach (var e in reader.ReadAllAsync(agentsDone.Token))
                {
                    switch (e)
                    {
                        case OfferMade { Offer: var offer } when offer.AgentId == id:
                            var answer = (handled + a) % 4 == 0
                                ? await engine.RejectOfferAsync(id, offer.InteractionId)
                                : await engine.AcceptOfferAsync(id, offer.InteractionId);
                            if (answer.IsOk && ++handled % 2 == 0)
                                await engine.EndInteractionAsync(offer.InteractionId, TimeSpan.Zero);
                            else if (answer.IsOk)
                                await engine.EndInteractionAsync(offer.InteractionId);
                            if (handled % 5 == 0)
                                await engine.SetAgentStateAsync(id, AgentStateRequest.NotReady, "break");
                            break;
                        case AgentStateChanged { Presence: { State: AgentState.NotReady } presence } when presence.AgentId == id:
                            await engine.SetAgentStateAsync(id, AgentStateRequest.Ready);
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (agentsDone.IsCancellationRequested)
            {
                // The test is over; offers may still be open, which the invariants allow.
            }
        })).ToList();

        await Task.WhenAll(submitTasks);
        await clock;
        await engine.GetSnapshotAsync();
        await agentsDone.CancelAsync();
        await Task.WhenAll(agentTasks);
        await engine.GetSnapshotAsync();
        await cts.CancelAsync();
        await run;

        Assert.Empty(engine.State.Verify());
        var log = new List<CoreEvent>();
        while (events.TryRead(out var e))
            log.Add(e);
        Assert.Equal(log.Count, log[^1].Sequence - log[0].Sequence + 1);
        Invariants.AssertEventLog(log, engine.State.Options, Definition(agents).Agents.ToDictionary(d => d.Id));
        Assert.Equal(submitters * perSubmitter, submitted.Distinct().Count());
        Assert.Contains(log, e => e is OfferClosed { Outcome: OfferOutcome.Accepted });
        var fates = Invariants.FinalStates(log);
        var live = engine.State.LiveInteractionViews.ToDictionary(v => v.Id);
        foreach (var id in submitted)
        {
            // Every interaction either reached a terminal state or is still live in exactly the state its events say.
            Assert.True(fates.TryGetValue(id, out var state), $"{id} has no events");
            if (state is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
                Assert.False(live.ContainsKey(id));
            else
                Assert.Equal(state, live[id].State);
        }

        var snapshot = engine.Snapshot;
        Assert.Equal(live.Values.Count(v => v.State is InteractionState.Queued or InteractionState.Offered), snapshot.Queues["sales"].Waiting);
        foreach (var (agentId, presence) in snapshot.Agents)
            Assert.Equal(live.Values.Count(v => v.AgentId == agentId), presence.InteractionIds.Length);
    }

    [Fact]
    public async Task Stopping_the_loop_cancels_pending_commands_and_completes_subscribers()
    {
        var engine = new RoutingEngine(Definition(), new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var events = engine.Subscribe();
        var run = engine.RunAsync(cts.Token);
        await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready);

        await cts.CancelAsync();
        await run;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.SetAgentStateAsync("a1", AgentStateRequest.Ready));
        Assert.True(engine.Subscribe().Completion.IsCompleted);
        var received = new List<CoreEvent>();
        await foreach (var e in events.ReadAllAsync())
            received.Add(e);
        Assert.Contains(received, e => e is AgentStateChanged { Presence.AgentId: "a0", Presence.State: AgentState.Ready });
    }

    [Fact]
    public async Task Cancelling_a_subscription_completes_only_that_reader()
    {
        var engine = new RoutingEngine(Definition(), new ManualTimeProvider());
        using var loop = new CancellationTokenSource();
        using var subscription = new CancellationTokenSource();
        var leaving = engine.Subscribe(subscription.Token);
        var staying = engine.Subscribe(loop.Token);
        var run = engine.RunAsync(loop.Token);

        await subscription.CancelAsync();
        await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready);

        Assert.True(leaving.Completion.IsCompleted);
        Assert.False(leaving.TryRead(out _));
        Assert.True(staying.TryRead(out _));
        await loop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Device_lost_grace_runs_on_the_injected_clock()
    {
        var time = new ManualTimeProvider();
        var engine = new RoutingEngine(Definition(options: new RoutingOptions { DeviceLostGrace = TimeSpan.FromSeconds(30) }), time);
        using var cts = new CancellationTokenSource();
        var run = engine.RunAsync(cts.Token);
        await engine.SetAgentStateAsync("a0", AgentStateRequest.Ready);
        await engine.DeviceLostAsync("a0", "console");

        time.Advance(TimeSpan.FromSeconds(29));
        var before = await engine.GetSnapshotAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        var after = await engine.GetSnapshotAsync();
        await cts.CancelAsync();
        await run;

        Assert.Equal(AgentState.Ready, before.Agents["a0"].State);
        Assert.Equal(AgentState.Offline, after.Agents["a0"].State);
    }
}
