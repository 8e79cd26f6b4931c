using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Ccgw.Core;

namespace Ccgw.Bench.Routing;

/// <summary>
/// Issue 20's benchmark: a provisioning change's latency to the first routing decision that uses it, through the real
/// engine (its command channel, single writer and event hub), measured from the call into the engine until a subscriber
/// reads the <see cref="OfferMade"/> the change caused. The centre is busy: 1,000 agents on 50 queues all on calls,
/// 5,000 more interactions waiting, and one call waiting in a queue nobody can serve until the change.
/// </summary>
internal static class ProvisioningLatency
{
    public static async Task RunAsync(int agents, int queues, int waiting, int rounds)
    {
        var definition = new ContactCenterDefinition(
            [.. Enumerable.Range(0, agents).Select(i => Agent("a" + I(i), "s" + I(i % queues)))],
            [.. Enumerable.Range(0, queues).Select(i => new QueueDefinition("q" + I(i), Skills("s" + I(i)), 5)), new QueueDefinition("target", Skills("rare"), 5)],
            new RoutingOptions());
        var engine = new RoutingEngine(definition, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var events = engine.Subscribe(stop.Token);
        var run = engine.RunAsync(stop.Token);

        // Every agent on a call, then a backlog.
        for (var i = 0; i < agents; i++)
            await engine.SetAgentStateAsync("a" + I(i), AgentStateRequest.Ready);
        for (var i = 0; i < agents; i++)
        {
            var r = await engine.SubmitInteractionAsync(Call("q" + I(i % queues)));
            await engine.AcceptOfferAsync(r.AgentId!, r.InteractionId);
        }
        for (var i = 0; i < waiting; i++)
            await engine.SubmitInteractionAsync(Call("q" + I(i % queues)));
        // Spare agents with a skill no queue asks for: the queue change below makes them eligible.
        for (var i = 0; i < 20; i++)
        {
            await engine.UpsertAgentAsync(Agent("spare" + I(i), "x"));
            await engine.SetAgentStateAsync("spare" + I(i), AgentStateRequest.Ready);
        }
        Drain(events);
        Console.WriteLine($"provisioning latency: {agents} agents on {queues} queues all busy, {waiting} waiting, {rounds} rounds per change");

        var queueChange = new List<double>();
        var agentAdd = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            // A queue's skills change: its waiting call goes to a spare agent.
            var call = await engine.SubmitInteractionAsync(Call("target"));
            Drain(events);
            var start = Stopwatch.GetTimestamp();
            await engine.UpsertQueueAsync(new QueueDefinition("target", Skills("x"), 5));
            var offer = await OfferForAsync(events, call.InteractionId);
            queueChange.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            await FinishAsync(engine, offer, call.InteractionId);
            await engine.UpsertQueueAsync(new QueueDefinition("target", Skills("rare"), 5));

            // An agent is added with the skill and set ready (what an admin and her console do): she takes the call.
            call = await engine.SubmitInteractionAsync(Call("target"));
            Drain(events);
            start = Stopwatch.GetTimestamp();
            await engine.UpsertAgentAsync(Agent("new", "rare"));
            await engine.SetAgentStateAsync("new", AgentStateRequest.Ready);
            offer = await OfferForAsync(events, call.InteractionId);
            agentAdd.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            await FinishAsync(engine, offer, call.InteractionId);
            await engine.RemoveAgentAsync("new");
        }

        Print("queue skills changed → first offer that uses them", queueChange, rounds / 10);
        Print("agent added + ready → her first offer", agentAdd, rounds / 10);
        await stop.CancelAsync();
        await run;
    }

    private static async Task<string> OfferForAsync(ChannelReader<CoreEvent> events, string interactionId)
    {
        while (true)
        {
            var e = await events.ReadAsync();
            if (e is OfferMade m && m.Offer.InteractionId == interactionId) return m.Offer.AgentId;
        }
    }

    private static async Task FinishAsync(RoutingEngine engine, string agent, string interactionId)
    {
        await engine.AcceptOfferAsync(agent, interactionId);
        await engine.EndInteractionAsync(interactionId, TimeSpan.Zero);
    }

    private static void Drain(ChannelReader<CoreEvent> events)
    {
        while (events.TryRead(out _))
        {
        }
    }

    private static void Print(string name, List<double> micros, int warmUp)
    {
        var sorted = micros.Skip(warmUp).Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: p50 {P(0.5):0} µs, p90 {P(0.9):0} µs, p99 {P(0.99):0} µs, max {sorted[^1]:0} µs (n={sorted.Length})"));
    }

    private static AgentDefinition Agent(string id, string skill) =>
        new(id, id, Skills(skill), new ChannelCapacity(1, 0, 0));

    private static Dictionary<string, int> Skills(string skill) => new(StringComparer.Ordinal) { [skill] = 5 };

    private static InteractionRequest Call(string queue) => new() { Channel = InteractionChannel.Voice, QueueId = queue };

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
}
