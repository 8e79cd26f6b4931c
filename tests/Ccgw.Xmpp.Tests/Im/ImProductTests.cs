using Ccgw.Core.Flows;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>Issue 15: the bot runs the same flows as the IVR, so the product a step names and the digits collected reach the interaction.</summary>
public sealed class ImProductTests
{
    private static FlowDefinition Flow() => new("main", "menu", new Dictionary<string, FlowStep>
    {
        ["menu"] = new MenuStep("menu", "menu", null, new Dictionary<string, string> { ["1"] = "to-sales", ["2"] = "account" },
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), TimeSpan.FromSeconds(5), 1, null),
        ["account"] = new CollectStep("account", "menu", null, 4, "account", TimeSpan.FromSeconds(4), 1, "to-billing", null),
        ["to-billing"] = new QueueStep("to-billing", "billing", "queued", null) { Product = "invoices" },
        ["to-sales"] = new QueueStep("to-sales", "sales", "queued", null),
    });

    [Fact]
    public async Task The_flows_product_and_collected_digits_are_on_the_submitted_interaction()
    {
        var h = new ImHarness(adjust: s => s with { SupportFlow = Flow() });
        await h.GuestAtMenu("hello");
        await h.Say(ImHarness.Guest, ImHarness.Support, "2");
        await h.Say(ImHarness.Guest, ImHarness.Support, "4711");

        var request = Assert.Single(h.Routing.Submitted);
        Assert.Equal(("billing", "invoices"), (request.QueueId, request.Product));
        Assert.Equal("4711", request.Variables!["account"]);
    }

    [Fact]
    public async Task A_way_through_the_flow_without_a_product_submits_none()
    {
        var h = new ImHarness(adjust: s => s with { SupportFlow = Flow() });
        await h.GuestAtMenu("hello");
        await h.Say(ImHarness.Guest, ImHarness.Support, "1");

        var request = Assert.Single(h.Routing.Submitted);
        Assert.Equal("sales", request.QueueId);
        Assert.Null(request.Product);
        Assert.Null(request.Variables);
    }
}
