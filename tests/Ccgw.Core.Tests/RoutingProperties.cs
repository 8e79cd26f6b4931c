using Ccgw.Core;
using FsCheck;
using FsCheck.Fluent;

namespace Ccgw.Core.Tests;

/// <summary>Property tests over random arrival / state-change sequences driven through the pure state machine.</summary>
public sealed class RoutingProperties
{
    private static readonly string[] QueueIds = ["sales", "billing", "vip"];

    /// <summary>One generated step; the integers are reduced modulo whatever they index when the step is applied.</summary>
    public sealed record Step(int Kind, int A, int B, int C);

    /// <summary>A generated world: per agent (sales, billing, vip levels with 0 = lacks the skill, IM capacity, has video).</summary>
    public sealed record World(int[][] Agents, Step[] Steps)
    {
        public override string ToString() =>
            "agents: " + string.Join(" | ", Agents.Select(a => string.Join(",", a))) + "\nsteps: " + string.Join(" ", Steps.Select(s => $"{s.Kind}:{s.A}:{s.B}:{s.C}"));
    }

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Frequency(
            (6, Gen.Constant(0)), (2, Gen.Constant(1)), (4, Gen.Constant(2)), (2, Gen.Constant(3)), (3, Gen.Constant(4)),
            (1, Gen.Constant(5)), (2, Gen.Constant(6)), (4, Gen.Constant(7)), (1, Gen.Constant(8)), (1, Gen.Constant(9)),
            (1, Gen.Constant(10)), (1, Gen.Constant(11)), (1, Gen.Constant(12)), (1, Gen.Constant(13)), (1, Gen.Constant(14)))
        from a in Gen.Choose(0, 1000)
        from b in Gen.Choose(0, 1000)
        from c in Gen.Choose(0, 1000)
        select new Step(kind, a, b, c);

    private static readonly Gen<int[]> AgentGen =
        from sales in Gen.Choose(0, 10)
        from billing in Gen.Choose(0, 10)
        from vip in Gen.Choose(0, 10)
        from im in Gen.Choose(0, 3)
        from video in Gen.Choose(0, 1)
        select new[] { sales, billing, vip, im, video };

    private static readonly Arbitrary<World> WorldArb = Arb.From(
        from agents in Gen.Choose(1, 7).SelectMany(n => AgentGen.ArrayOf(n))
        from steps in Gen.Choose(5, 120).SelectMany(n => StepGen.ArrayOf(n))
        select new World(agents, steps));

    private static Config Config => Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void Random_sequences_keep_every_routing_invariant() =>
        Check.One(Config, Prop.ForAll(WorldArb, world => Run(world)));

    [Fact]
    public void Equal_candidates_are_offered_in_longest_idle_order_and_more_skilled_first() =>
        Check.One(Config, Prop.ForAll(
            Arb.From(from n in Gen.Choose(1, 8)
                     from levels in Gen.Elements(4, 6).ArrayOf(n)
                     from gaps in Gen.Choose(1, 30).ArrayOf(n)
                     from order in Gen.Shuffle(Enumerable.Range(0, n).ToArray())
                     from calls in Gen.Choose(1, n)
                     select (levels, gaps, order, calls)),
            input =>
            {
                var (levels, gaps, order, calls) = input;
                var c = new TestCentre(levels.Select((l, i) => Agent("a" + i, "sales:" + l)), [Queue("sales")]);
                var readyAt = new Dictionary<string, DateTimeOffset>();
                for (var k = 0; k < order.Length; k++)
                {
                    c.AdvanceSeconds(gaps[k]);
                    var id = "a" + order[k];
                    c.Ready(id);
                    readyAt[id] = c.Now;
                }

                var offered = Enumerable.Range(0, calls).Select(_ => c.Submit(Call("sales")).AgentId).ToList();
                var expected = readyAt.Keys.OrderByDescending(a => levels[int.Parse(a[1..])]).ThenBy(a => readyAt[a]).Take(calls).ToList();
                Assert.Equal<string?>(expected, offered);
            }));

    [Fact]
    public void One_agent_serves_interactions_by_priority_then_original_start_time() =>
        Check.One(Config, Prop.ForAll(
            Arb.From(from n in Gen.Choose(1, 12)
                     from starts in Gen.Choose(-600, 0).ArrayOf(n)
                     from isCallback in Gen.Choose(0, 1).ArrayOf(n)
                     from priorities in Gen.Choose(0, 2).ArrayOf(n)
                     from gaps in Gen.Choose(0, 20).ArrayOf(n)
                     select (starts, isCallback, priorities, gaps)),
            input =>
            {
                var (starts, isCallback, priorities, gaps) = input;
                var c = new TestCentre([Agent("a")], [Queue("sales", wrapUp: TimeSpan.Zero)]);
                var keys = new Dictionary<string, (int Priority, DateTimeOffset Order, int Seq)>();
                for (var k = 0; k < starts.Length; k++)
                {
                    c.AdvanceSeconds(gaps[k]);
                    var callback = isCallback[k] == 1;
                    var original = callback ? c.Now + TimeSpan.FromSeconds(starts[k]) : (DateTimeOffset?)null;
                    var r = c.Submit(Call("sales", callback ? InteractionChannel.Callback : InteractionChannel.Voice, priorities[k], original));
                    keys[r.InteractionId] = (priorities[k], original ?? c.Now, k);
                }

                c.Ready("a");
                var served = new List<string>();
                while (c.Offers.Count() > served.Count)
                {
                    var offer = c.Offers.Last().Offer;
                    served.Add(offer.InteractionId);
                    c.Accept("a", offer.InteractionId);
                    c.End(offer.InteractionId);
                }

                var expected = keys.OrderByDescending(kv => kv.Value.Priority).ThenBy(kv => kv.Value.Order).ThenBy(kv => kv.Value.Seq).Select(kv => kv.Key);
                Assert.Equal(expected, served);
            }));

    private static bool Run(World world)
    {
        var agents = world.Agents.Select((a, i) => new AgentDefinition(
            "a" + i, "A" + i,
            new[] { ("sales", a[0]), ("billing", a[1]), ("vip", a[2]) }.Where(s => s.Item2 > 0).ToDictionary(s => s.Item1, s => s.Item2, StringComparer.Ordinal),
            new ChannelCapacity(1, a[3], 1),
            a[4] == 1 ? new HashSet<string>(["video"], StringComparer.Ordinal) : null,
            new BlendingRules(VoiceExclusive: i % 2 == 0))).ToList();
        QueueDefinition[] queues =
        [
            Queue("sales", "sales:6", widening: [new WideningStep(TimeSpan.FromSeconds(30), 3), new WideningStep(TimeSpan.FromSeconds(60), 1)]),
            Queue("billing", "billing:4", priority: 5, overflow: new OverflowRule(TimeSpan.FromSeconds(45), "sales")),
            Queue("vip", "vip:3,sales:2", priority: 10, wrapUp: TimeSpan.FromSeconds(5)),
        ];
        var options = new RoutingOptions
        {
            OfferTimeout = TimeSpan.FromSeconds(20),
            DefaultWrapUp = TimeSpan.FromSeconds(10),
            DeviceLostGrace = TimeSpan.FromSeconds(15),
            RejectCooldown = TimeSpan.FromSeconds(25),
            NotReadyOnOfferTimeout = world.Steps.Length % 2 == 0,
        };
        var c = new TestCentre(agents, queues, options);
        var byId = agents.ToDictionary(a => a.Id);
        var submitted = new List<string>();
        foreach (var step in world.Steps)
        {
            var logStart = c.Log.Count;
            Apply(c, step, agents, submitted);
            foreach (var agent in agents)
                byId[agent.Id] = agent; // an upsert step may have redefined one
            var problems = c.State.Verify();
            Assert.True(problems.Count == 0, $"after step {step}: {string.Join("; ", problems)}");
            foreach (var made in c.Log.Skip(logStart).OfType<OfferMade>())
                AssertQualifies(byId[made.Offer.AgentId], queues.Single(q => q.Id == made.Offer.QueueId), made.Offer);
            foreach (var presence in c.State.Snapshot.Agents.Values)
                Assert.True(presence.Load.Voice <= 1 && presence.Load.Im <= byId[presence.AgentId].Capacity.Im && presence.Load.Callback <= 1);
        }

        // Long after everything: every timer has fired and nothing is left stuck offered or in wrap-up.
        c.AdvanceSeconds(3600);
        Assert.Empty(c.State.Verify());
        Assert.DoesNotContain(c.State.LiveInteractionViews, v =>
            (v.State == InteractionState.Offered && c.Now - v.StateSince >= options.OfferTimeout)
            || (v.State == InteractionState.WrapUp && c.Now - v.StateSince >= options.DefaultWrapUp));
        Invariants.AssertEventLog(c.Log, options, byId);
        var fates = Invariants.FinalStates(c.Log);
        var live = c.State.LiveInteractionViews.ToDictionary(v => v.Id);
        foreach (var id in submitted)
        {
            Assert.True(fates.TryGetValue(id, out var fate), $"{id} has no events");
            if (fate is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
                Assert.False(live.ContainsKey(id), $"{id} ended but is still live");
            else
                Assert.True(live.TryGetValue(id, out var view) && view.State == fate, $"{id} lost: events say {fate}");
        }

        Assert.Equal(live.Count, submitted.Count(id => !(fates[id] is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)));
        Assert.Equal(live.Values.Count(v => v.State is InteractionState.Queued or InteractionState.Offered), c.State.Snapshot.Queues.Values.Sum(q => q.Waiting));
        return true;
    }

    private static void Apply(TestCentre c, Step s, List<AgentDefinition> agents, List<string> submitted)
    {
        var agent = agents[s.A % agents.Count].Id;
        var live = c.State.LiveInteractionViews.OrderBy(v => v.Id, StringComparer.Ordinal).ToList();
        InteractionView? Pick(Func<InteractionView, bool> filter)
        {
            var candidates = live.Where(filter).ToList();
            return candidates.Count == 0 ? null : candidates[s.B % candidates.Count];
        }

        switch (s.Kind)
        {
            case 0:
                var channel = (InteractionChannel)(s.B % 4);
                var original = channel is InteractionChannel.Callback or InteractionChannel.Web ? c.Now - TimeSpan.FromSeconds(s.C % 300) : (DateTimeOffset?)null;
                var r = c.Submit(Call(QueueIds[s.A % 3], channel, s.C % 3, original, s.C % 7 == 0 ? "video" : null));
                submitted.Add(r.InteractionId);
                break;
            case 1:
                c.State.SetAgentState(agent, (AgentStateRequest)(s.B % 3), "r", c.Now);
                break;
            case 2 when Pick(v => v.State == InteractionState.Offered) is { } offered:
                Assert.True(c.Accept(offered.AgentId!, offered.Id).IsOk);
                break;
            case 3 when Pick(v => v.State == InteractionState.Offered) is { } offered:
                Assert.True(c.Reject(offered.AgentId!, offered.Id).IsOk);
                break;
            case 4 when Pick(v => v.State is InteractionState.Connected or InteractionState.Queued) is { } connected:
                Assert.True(c.End(connected.Id, s.C % 2 == 0 ? null : TimeSpan.Zero).IsOk);
                break;
            case 5 when Pick(_ => true) is { } any:
                Assert.True(c.Abandon(any.Id).IsOk);
                break;
            case 6:
                c.WrapUpDone(agent);
                break;
            case 7:
                c.AdvanceSeconds(1 + (s.B % 40));
                break;
            case 8:
                c.DeviceLost(agent, s.B % 2 == 0 ? "phone" : "console");
                break;
            case 9:
                c.DeviceRestored(agent, s.B % 2 == 0 ? "phone" : "console");
                break;
            case 10 when Pick(v => v.State == InteractionState.Offered) is { } offered:
                Assert.True(c.State.MarkConnected(offered.Id, c.Now).IsOk);
                break;
            case 11 when Pick(_ => true) is { } any:
                Assert.True(c.State.FailInteraction(any.Id, "x", c.Now).IsOk);
                break;
            case 12 when Pick(v => v.State != InteractionState.WrapUp) is { } movable:
                Assert.True(c.State.Transfer(movable.Id, QueueIds[s.C % 3], c.Now).IsOk);
                break;
            case 14:
                var index = s.A % agents.Count;
                var old = agents[index];
                var redefined = old with
                {
                    Skills = new[] { ("sales", s.B % 11), ("billing", s.C % 11), ("vip", (s.B / 11) % 11) }
                        .Where(k => k.Item2 > 0).ToDictionary(k => k.Item1, k => k.Item2, StringComparer.Ordinal),
                };
                Assert.True(c.State.UpsertAgent(redefined, c.Now).IsOk);
                agents[index] = redefined;
                break;
            case 13 when Pick(v => v.State is InteractionState.Queued or InteractionState.Offered) is { } waiting:
                Assert.True(c.State.Reprioritise(waiting.Id, s.C % 4, c.Now).IsOk);
                break;
            default:
                break;
        }

        if (s.Kind is 1 or 10 or 11 or 12 or 13 or 14)
            c.Advance(TimeSpan.Zero); // collect the events of the direct state calls
    }

    /// <summary>Independent oracle: skill levels (widened by the wait at offer time) and capabilities.</summary>
    private static void AssertQualifies(AgentDefinition agent, QueueDefinition queue, Offer offer)
    {
        var waited = offer.OfferedAt - offer.Interaction.ArrivedAt;
        var steps = queue.Widening ?? [];
        var cap = steps.Where(w => w.After <= waited).Select(w => w.MinimumLevel).DefaultIfEmpty(10).Min();
        foreach (var (skill, level) in queue.RequiredSkills)
        {
            var need = Math.Min(level, cap);
            Assert.True(agent.Skills.TryGetValue(skill, out var own) && own >= need,
                $"{agent.Id} offered {offer.InteractionId} of {queue.Id} needing {skill}:{need} after {waited.TotalSeconds}s");
        }

        foreach (var required in offer.Interaction.Request.RequiredAgentCapabilities ?? new HashSet<string>())
            Assert.Contains(required, agent.Capabilities ?? new HashSet<string>());
    }
}
