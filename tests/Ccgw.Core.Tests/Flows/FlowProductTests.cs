using Ccgw.Core.Flows;

namespace Ccgw.Core.Tests.Flows;

/// <summary>Issue 15: a flow attributes a product (a step's <c>Product</c>) and hands what collect steps gathered to the queue.</summary>
public sealed class FlowProductTests
{
    private static FlowDefinition Flow() => new("main", "menu", new Dictionary<string, FlowStep>
    {
        ["menu"] = new MenuStep("menu", "menu", null,
            new Dictionary<string, string> { ["1"] = "fibre", ["2"] = "to-billing", ["3"] = "account" },
            new Dictionary<string, string>(), TimeSpan.FromSeconds(5), 1, null),
        ["fibre"] = new SayStep("fibre", "fibre-info", "to-sales") { Product = "fibre-500" },
        ["account"] = new CollectStep("account", "enter-account", null, 4, "account", TimeSpan.FromSeconds(4), 1, "to-billing", null),
        ["to-sales"] = new QueueStep("to-sales", "sales", null, null),
        ["to-billing"] = new QueueStep("to-billing", "billing", null, null) { Product = "invoices" },
    });

    [Fact]
    public void The_step_a_menu_option_leads_to_names_the_product_the_queue_gets()
    {
        var run = new FlowRun(Flow());
        run.Start();
        var queue = Assert.IsType<EnterQueue>(run.Digit('1'));
        Assert.Equal(("sales", "fibre-500"), (queue.QueueId, queue.Product));
        Assert.Equal("fibre-500", run.Product);
    }

    [Fact]
    public void Without_a_product_on_the_way_the_queue_gets_none()
    {
        var flow = Flow();
        var plain = new FlowDefinition("plain", "to-sales", new Dictionary<string, FlowStep> { ["to-sales"] = flow.Steps["to-sales"] });
        var queue = Assert.IsType<EnterQueue>(new FlowRun(plain).Start());
        Assert.Null(queue.Product);
        Assert.Empty(queue.Variables);
    }

    [Fact]
    public void Collected_digits_travel_with_the_hand_over_and_the_queue_step_may_name_the_product()
    {
        var run = new FlowRun(Flow());
        run.Start();
        run.Digit('3');
        FlowDirective? last = null;
        foreach (var key in "4711") last = run.Digit(key); // the fourth digit fills MaxDigits and moves on
        var queue = Assert.IsType<EnterQueue>(last);
        Assert.Equal(("billing", "invoices"), (queue.QueueId, queue.Product));
        Assert.Equal("4711", queue.Variables["account"]);
    }
}
