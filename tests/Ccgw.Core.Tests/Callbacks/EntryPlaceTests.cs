using Ccgw.Core;
using static Ccgw.Core.Tests.TestCentre;

namespace Ccgw.Core.Tests.Callbacks;

/// <summary>
/// <see cref="Routing.ContactCenterState.GetEntryPlace"/>: the place and wait told before an interaction enters are the
/// ones the core gives it once it has entered (issue 15: a call-back's receipt comes from the core's offer order).
/// </summary>
public sealed class EntryPlaceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void The_place_told_before_entering_is_the_place_the_core_gives_after_entering(int seed)
    {
        var random = new Random(seed);
        var c = new TestCentre([Agent("alice", callback: 1, voice: 1), Agent("bob", callback: 1, voice: 1)], [Queue("sales")]);
        c.Ready("alice");
        c.Ready("bob");
        for (var step = 0; step < 60; step++)
        {
            c.AdvanceSeconds(random.Next(0, 5));
            var channel = random.Next(3) == 0 ? InteractionChannel.Voice : InteractionChannel.Callback;
            var priority = random.Next(3);
            // Call-backs are ordered by their virtual start, anywhere in the last ten minutes; live calls by "now".
            DateTimeOffset? start = channel == InteractionChannel.Callback ? c.Now.AddSeconds(-random.Next(0, 600)) : null;
            // Sometimes one more that the caller knows enters first (a due call-back not handed over yet), while its
            // channel has a queue (so no agent is free for it and it waits, as the one told about it will).
            var slotBusy = c.State.GetQueuePositions("sales", c.Now)!.Any(p => p.Channel == channel);
            var entering = slotBusy && random.Next(3) == 0 ? 1 : 0;
            var told = c.State.GetEntryPlace("sales", channel, priority, start ?? c.Now, entering, c.Now)!;
            if (entering == 1)
            {
                // What the caller knew: one ordered before it (same priority, an earlier start) enters first.
                c.Submit(Call("sales", channel, priority, (start ?? c.Now).AddMilliseconds(-1)));
            }
            var entered = c.Submit(Call("sales", channel, priority, start));
            var now = c.Interaction(entered.InteractionId)!;
            if (now.Interaction.State == InteractionState.Queued)
            {
                Assert.Equal(told.Position, now.Position);
                Assert.Equal(told.Ewt.Seconds, now.Ewt.Seconds);
            }
            else
            {
                // Offered at once: an agent was free and nobody was ahead; it was told it was first, with no wait.
                Assert.Equal(1, told.Position);
                Assert.Equal(0, told.Ewt.Seconds);
            }
            // The queue moves: sometimes an agent finishes what they hold.
            if (random.Next(2) == 0)
            {
                foreach (var agent in new[] { "alice", "bob" })
                {
                    foreach (var id in c.Presence(agent).InteractionIds)
                    {
                        if (c.OfferedTo(id) == agent) c.Accept(agent, id);
                        c.End(id, TimeSpan.Zero);
                    }
                    c.WrapUpDone(agent);
                }
            }
            c.AssertConsistent();
        }
    }

    [Fact]
    public void An_unknown_queue_has_no_place()
    {
        var c = new TestCentre([Agent("alice")], [Queue("sales")]);
        Assert.Null(c.State.GetEntryPlace("nowhere", InteractionChannel.Callback, 0, c.Now, 0, c.Now));
    }
}
