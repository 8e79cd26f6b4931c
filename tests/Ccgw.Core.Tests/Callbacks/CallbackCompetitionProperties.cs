using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using FsCheck;
using FsCheck.Fluent;
using static Ccgw.Core.Tests.TestCentre;

namespace Ccgw.Core.Tests.Callbacks;

/// <summary>
/// Call-backs compete in the live queue (issue 15): the real core on a manual clock, live callers arriving faster than
/// agents free up, call-backs entering the core when due with the dispatcher's virtual start
/// (<see cref="CallbackDispatcher.VirtualStart"/>), retries re-entering with their original request time, bookings at
/// their time, and supervisors re-prioritising call-backs and live calls. After every step:
/// <list type="bullet">
/// <item>no interaction is offered while one that the queue's order puts ahead of it (priority, then virtual start)
/// still waits: call-backs are served in virtual-start order and no live caller who came after a call-back is served
/// before it, whatever the channel;</item>
/// <item>the position a call-back customer is shown (<c>GetInteraction</c>, what the status lookup reads) is its place
/// in <c>GetQueuePositions</c>, the list is in the order the core offers, and the call-backs shown ahead of one are
/// served before it.</item>
/// </list>
/// </summary>
public sealed class CallbackCompetitionProperties
{
    /// <summary>One generated step; the integers are reduced modulo whatever they index when the step is applied.</summary>
    public sealed record Step(int Kind, int A, int B);

    public sealed record World(int Agents, Step[] Steps)
    {
        public override string ToString() => $"agents: {Agents}\nsteps: " + string.Join(" ", Steps.Select(s => $"{s.Kind}:{s.A}:{s.B}"));
    }

    private const int LiveCall = 0, CallbackNow = 1, CallbackRetry = 2, CallbackBooked = 3, AgentFinishes = 4, Tick = 5, Reprioritise = 6;

    // Live callers outnumber the agents' completions, so a queue builds up and call-backs must win their turn in it.
    private static readonly Gen<Step> StepGen =
        from kind in Gen.Frequency(
            (8, Gen.Constant(LiveCall)), (3, Gen.Constant(CallbackNow)), (2, Gen.Constant(CallbackRetry)), (1, Gen.Constant(CallbackBooked)),
            (4, Gen.Constant(AgentFinishes)), (3, Gen.Constant(Tick)), (1, Gen.Constant(Reprioritise)))
        from a in Gen.Choose(0, 1000)
        from b in Gen.Choose(0, 1000)
        select new Step(kind, a, b);

    private static readonly Arbitrary<World> WorldArb = Arb.From(
        from agents in Gen.Choose(1, 3)
        from steps in Gen.Choose(10, 150).SelectMany(n => StepGen.ArrayOf(n))
        select new World(agents, steps));

    [Fact]
    public void Call_backs_hold_their_place_in_the_live_queue_and_are_shown_the_place_they_are_served_in() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(WorldArb, world => Run(world)));

    private sealed record Waiting(string Id, bool IsCallback, int Priority, DateTimeOffset OrderTime, long Seq);

    private static void Run(World world)
    {
        var agents = Enumerable.Range(0, world.Agents).Select(i => Agent("a" + i, voice: 1, im: 0, callback: 1, voiceExclusive: true)).ToList();
        // No offer timeout in play: agents answer at once, so the order of offers is the order of service.
        var c = new TestCentre(agents, [Queue("sales", wrapUp: TimeSpan.Zero)]);
        foreach (var a in agents) c.Ready(a.Id);

        var keys = new Dictionary<string, Waiting>(StringComparer.Ordinal);
        var servedAt = new Dictionary<string, int>(StringComparer.Ordinal);
        var connected = new List<string>();
        var moved = new HashSet<string>(StringComparer.Ordinal);
        var booked = new List<(DateTimeOffset Due, CallbackRequest Request)>();
        IReadOnlyList<string> shownBefore = [];
        long seq = 0;
        var step = 0;
        foreach (var s in world.Steps)
        {
            step++;
            var logFrom = c.Log.Count;
            var reprioritised = false;
            switch (s.Kind)
            {
                case LiveCall:
                    Enter(c, keys, ref seq, "v" + step, InteractionChannel.Voice, s.B % 7 == 0 ? 1 : 0, null);
                    break;
                case CallbackNow:
                    // Asked now, due now: the dispatcher hands it over with its request time.
                    EnterCallback(c, keys, ref seq, Request("cb" + step, c.Now, c.Now, attempts: 1, s.B % 9 == 0 ? 1 : 0));
                    break;
                case CallbackRetry:
                    // The first attempt found the line busy; the retry is due now and keeps the original request time.
                    var asked = c.Now - TimeSpan.FromSeconds(30 + (s.A % 600));
                    EnterCallback(c, keys, ref seq, Request("cr" + step, asked, c.Now, attempts: 2, 0));
                    break;
                case CallbackBooked:
                    // Booked for later: it enters when due, keeping its request time (the booking is served at its time).
                    var due = c.Now + TimeSpan.FromSeconds(5 + (s.A % 120));
                    booked.Add((due, Request("cb" + step, c.Now, due, attempts: 1, 0)));
                    break;
                case AgentFinishes when connected.Count > 0:
                    var done = connected[s.A % connected.Count];
                    connected.Remove(done);
                    Assert.True(c.End(done).IsOk);
                    break;
                case Tick:
                    c.AdvanceSeconds(1 + (s.A % 40));
                    foreach (var (_, request) in booked.Where(b => b.Due <= c.Now).OrderBy(b => b.Due).ToList())
                    {
                        booked.RemoveAll(b => b.Request.Id == request.Id);
                        EnterCallback(c, keys, ref seq, request);
                    }

                    break;
                case Reprioritise:
                    var candidates = keys.Keys.Where(id => c.Interaction(id)?.Interaction.State == InteractionState.Queued).Order(StringComparer.Ordinal).ToList();
                    if (candidates.Count > 0)
                    {
                        var id = candidates[s.A % candidates.Count];
                        var priority = s.B % 3;
                        Assert.True(c.State.Reprioritise(id, priority, c.Now).IsOk);
                        keys[id] = keys[id] with { Priority = priority };
                        moved.Add(id);
                        reprioritised = true;
                    }

                    break;
            }

            // Agents answer every offer at once (the order of offers is the order of service).
            var offered = new List<string>();
            for (var k = logFrom; k < c.Log.Count; k++)
            {
                if (c.Log[k] is OfferMade m)
                    offered.Add(m.Offer.InteractionId);
            }

            foreach (var id in offered)
            {
                Assert.True(c.Accept(c.OfferedTo(id)!, id).IsOk);
                connected.Add(id);
                servedAt[id] = step;
            }

            var positions = c.State.GetQueuePositions("sales", c.Now)!;
            var queued = positions.Select(p => keys[p.InteractionId]).ToList();

            // Served in order: nothing offered in this step while something the order puts ahead of it still waits.
            foreach (var id in offered)
            {
                foreach (var w in queued)
                    Assert.True(Ahead(keys[id], w), $"step {step}: {id} was offered while {w.Id} (ahead of it) waits");
            }

            // The list is the offer order; each slot's positions count 1, 2, 3…; a status lookup shows the same place.
            for (var k = 1; k < queued.Count; k++)
                Assert.True(Ahead(queued[k - 1], queued[k]), $"step {step}: {queued[k - 1].Id} listed before {queued[k].Id}");
            foreach (var group in positions.GroupBy(p => p.Channel == InteractionChannel.Voice))
                Assert.Equal(Enumerable.Range(1, group.Count()), group.Select(p => p.Position));
            foreach (var p in positions)
            {
                var status = c.Interaction(p.InteractionId)!;
                Assert.Equal(p.Position, status.Position);
                Assert.Equal(p.Ewt, status.Ewt);
            }

            // The call-backs shown ahead of one at the last step are served before it (unless a supervisor moved them).
            var shownNow = positions.Where(p => p.Channel == InteractionChannel.Callback).Select(p => p.InteractionId).ToList();
            if (!reprioritised)
            {
                foreach (var id in offered.Where(id => keys[id].IsCallback))
                {
                    var was = shownBefore.ToList().IndexOf(id);
                    if (was < 0) continue;
                    foreach (var stillWaiting in shownNow)
                    {
                        var other = shownBefore.ToList().IndexOf(stillWaiting);
                        Assert.True(other < 0 || other > was, $"step {step}: {id} served while {stillWaiting}, shown ahead of it, waits");
                    }
                }
            }

            shownBefore = shownNow;
            c.AssertConsistent();
        }

        // Over the whole run no live caller who arrived after a call-back was waiting is served before it (a supervisor's
        // re-prioritisation aside).
        foreach (var cb in keys.Values.Where(k => k.IsCallback && servedAt.ContainsKey(k.Id) && !moved.Contains(k.Id)))
        {
            foreach (var live in keys.Values.Where(k => !k.IsCallback && !moved.Contains(k.Id) && k.Seq > cb.Seq && k.Priority <= cb.Priority))
                Assert.False(servedAt.TryGetValue(live.Id, out var at) && at < servedAt[cb.Id], $"{live.Id} overtook {cb.Id}");
        }
    }

    /// <summary>True when <paramref name="x"/> is offered no later than <paramref name="y"/>: priority, then virtual start, then arrival.</summary>
    private static bool Ahead(Waiting x, Waiting y)
    {
        if (x.Priority != y.Priority) return x.Priority > y.Priority;
        if (x.OrderTime != y.OrderTime) return x.OrderTime < y.OrderTime;
        return x.Seq <= y.Seq;
    }

    private static CallbackRequest Request(string id, DateTimeOffset asked, DateTimeOffset due, int attempts, int priority) =>
        new(id, "sales", InteractionChannel.Callback, "+15550100", due, priority, asked, CallbackStatus.Queued, Attempts: attempts);

    private static void EnterCallback(TestCentre c, Dictionary<string, Waiting> keys, ref long seq, CallbackRequest attempt) =>
        Enter(c, keys, ref seq, attempt.Id, InteractionChannel.Callback, attempt.Priority, CallbackDispatcher.VirtualStart(attempt));

    private static void Enter(TestCentre c, Dictionary<string, Waiting> keys, ref long seq, string id, InteractionChannel channel, int priority,
        DateTimeOffset? virtualStart)
    {
        var r = c.Submit(Call("sales", channel, priority, virtualStart) with { Id = id });
        Assert.Equal(id, r.InteractionId);
        var order = virtualStart is { } v && v < c.Now ? v : c.Now;
        keys[id] = new Waiting(id, channel == InteractionChannel.Callback, priority, order, ++seq);
    }
}
