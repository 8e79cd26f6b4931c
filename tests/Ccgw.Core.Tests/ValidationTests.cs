using Ccgw.Core;

namespace Ccgw.Core.Tests;

public sealed class ValidationTests
{
    [Fact]
    public void Valid_definition_has_no_problems()
    {
        var definition = new ContactCenterDefinition(
            [Agent("alice", "sales:5,billing:3"), Agent("bob", "billing:5")],
            [Queue("sales", "sales:1", overflow: new OverflowRule(TimeSpan.FromSeconds(60), "billing"),
                widening: [new WideningStep(TimeSpan.FromSeconds(60), 3), new WideningStep(TimeSpan.FromSeconds(120), 1)]),
             Queue("billing", "billing:1", sl: new ServiceLevelTarget(TimeSpan.FromSeconds(20), 0.8))],
            new RoutingOptions());

        Assert.Empty(definition.Validate());
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_key_path()
    {
        var definition = new ContactCenterDefinition(
            [
                Agent("alice", "sales:11"),
                Agent("alice", "billing:0", voice: -1),
                new AgentDefinition("", "nameless", new Dictionary<string, int>(), new ChannelCapacity(1, 2, 1), Blending: new BlendingRules(MaxConcurrent: 0)),
            ],
            [
                Queue("sales", "sales:1", overflow: new OverflowRule(TimeSpan.FromSeconds(60), "nowhere")),
                Queue("billing", "billing:12", sl: new ServiceLevelTarget(TimeSpan.Zero, 1.5),
                    overflow: new OverflowRule(TimeSpan.Zero, "billing"),
                    widening: [new WideningStep(TimeSpan.FromSeconds(120), 3), new WideningStep(TimeSpan.FromSeconds(60), 0)]),
                Queue("sales"),
            ],
            new RoutingOptions { OfferTimeout = TimeSpan.Zero, DefaultWrapUp = TimeSpan.FromSeconds(-1) });

        var paths = definition.Validate().Select(p => p.Path).ToList();

        Assert.Equal(
            [
                "Agents[0].Skills.sales",
                "Agents[1].Id",
                "Agents[1].Skills.billing",
                "Agents[1].Capacity.Voice",
                "Agents[2].Id",
                "Agents[2].Blending.MaxConcurrent",
                "Queues[2].Id",
                "Queues[0].Overflow.Queue",
                "Queues[1].RequiredSkills.billing",
                "Queues[1].ServiceLevel.Threshold",
                "Queues[1].ServiceLevel.Target",
                "Queues[1].Overflow.After",
                "Queues[1].Overflow.Queue",
                "Queues[1].Widening[1].After",
                "Queues[1].Widening[1].MinimumLevel",
                "Options.OfferTimeout",
                "Options.DefaultWrapUp",
            ],
            paths);
    }

    [Fact]
    public void Problems_name_the_offending_value()
    {
        var definition = new ContactCenterDefinition([Agent("a", "sales:11"), Agent("a")], [Queue("q", overflow: new OverflowRule(TimeSpan.FromSeconds(1), "zz"))], new RoutingOptions());

        var messages = definition.Validate().Select(p => p.ToString()).ToList();

        Assert.Contains("Agents[0].Skills.sales: level 11 is outside 1..10", messages);
        Assert.Contains("Agents[1].Id: duplicate agent id 'a' (first at index 0)", messages);
        Assert.Contains("Queues[0].Overflow.Queue: unknown queue 'zz'", messages);
    }

    [Fact]
    public void Missing_maps_are_problems_not_crashes()
    {
        var definition = new ContactCenterDefinition(
            [new AgentDefinition("a", "A", null!, new ChannelCapacity())],
            [new QueueDefinition("q", null!)],
            new RoutingOptions());

        Assert.Equal(["Agents[0].Skills", "Queues[0].RequiredSkills"], definition.Validate().Select(p => p.Path));
    }
}
