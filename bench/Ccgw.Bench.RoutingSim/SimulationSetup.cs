using Ccgw.Core;

namespace Ccgw.Bench.RoutingSim;

/// <summary>Traffic of one queue: Poisson arrivals per hour, exponential talk time, exponential customer patience.</summary>
internal sealed record QueueTraffic(string QueueId, double ArrivalsPerHour, double MeanTalkSeconds, double MeanPatienceSeconds,
    double CallbacksPerHour = 0);

/// <summary>
/// How due call-backs reach the core: <see cref="WhenIdle"/> is the dispatcher before issue 15 (handed over only while an
/// able agent is idle, checked every second); <see cref="InQueue"/> is today's (handed over when due, waiting in the
/// queue beside live calls with its request time).
/// </summary>
internal enum CallbackPolicy
{
    WhenIdle,
    InQueue,
}

/// <summary>The synthetic centre: 3 queues, 20 agents, and the traffic offered to them.</summary>
internal sealed record SimulationSetup(ContactCenterDefinition Definition, IReadOnlyList<QueueTraffic> Traffic, double RingSeconds, double RejectProbability)
{
    public static SimulationSetup Default { get; } = Build();

    private static SimulationSetup Build()
    {
        var sl = new ServiceLevelTarget(TimeSpan.FromSeconds(20), 0.8);
        QueueDefinition[] queues =
        [
            new("sales", Skills(("sales", 4)), 0, sl, null, [new WideningStep(TimeSpan.FromSeconds(60), 2)]),
            new("billing", Skills(("billing", 4)), 0, sl, new OverflowRule(TimeSpan.FromSeconds(180), "sales")),
            new("vip", Skills(("vip", 5)), 10, new ServiceLevelTarget(TimeSpan.FromSeconds(10), 0.9)),
        ];
        var agents = new List<AgentDefinition>();
        for (var i = 0; i < 20; i++)
        {
            var skills = i switch
            {
                < 8 => Skills(("sales", 4 + (i % 5))),
                < 14 => Skills(("billing", 4 + (i % 4)), ("sales", 2)),
                < 17 => Skills(("sales", 6), ("billing", 6), ("vip", 5)),
                _ => Skills(("vip", 7), ("sales", 5)),
            };
            agents.Add(new AgentDefinition($"agent{i:00}", $"Agent {i}", skills, new ChannelCapacity(1, 2, 1)));
        }

        var options = new RoutingOptions
        {
            OfferTimeout = TimeSpan.FromSeconds(20),
            DefaultWrapUp = TimeSpan.FromSeconds(15),
            NotReadyOnOfferTimeout = false,
            DefaultHandleTime = TimeSpan.FromMinutes(4),
        };
        QueueTraffic[] traffic =
        [
            new("sales", 105, 240, 420, CallbacksPerHour: 20),
            new("billing", 65, 300, 420, CallbacksPerHour: 12),
            new("vip", 25, 300, 240),
        ];
        return new SimulationSetup(new ContactCenterDefinition(agents, queues, options), traffic, RingSeconds: 4, RejectProbability: 0.02);
    }

    private static Dictionary<string, int> Skills(params (string Skill, int Level)[] skills) =>
        skills.ToDictionary(s => s.Skill, s => s.Level, StringComparer.Ordinal);
}
