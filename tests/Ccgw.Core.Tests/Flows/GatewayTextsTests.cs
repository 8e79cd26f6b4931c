using Ccgw.Core.Flows;

namespace Ccgw.Core.Tests.Flows;

public sealed class GatewayTextsTests
{
    [Fact]
    public void Every_default_passes_its_own_check_and_uses_every_value_it_declares()
    {
        foreach (var d in GatewayTexts.Definitions)
        {
            Assert.Null(GatewayTexts.Check(d.Name, d.Default));
            Assert.All(d.Placeholders, p => Assert.Contains("{" + p + "}", d.Default, StringComparison.Ordinal));
        }
        Assert.Equal(GatewayTexts.Definitions.Count, GatewayTexts.Definitions.Select(d => d.Name).Distinct().Count());
    }

    [Fact]
    public void Values_are_filled_wherever_and_however_often_they_appear()
    {
        var texts = new GatewayTexts(new Dictionary<string, string> { ["Offer"] = "{who} ({seconds} s) → {queue}; {who}" });

        Assert.Equal("carol (12 s) → Sales; carol", texts.Get("Offer", ("queue", "Sales"), ("who", "carol"), ("seconds", "12")));
        Assert.Equal("Welcome to Sales. You will be connected to an agent.", texts.Get("QueueGreeting", ("queue", "Sales")));
        Assert.Equal("Welcome to {queue}. You will be connected to an agent.", GatewayTexts.English.Get("QueueGreeting"));
    }

    [Theory]
    [InlineData("Greeting", "Hallo", "not a text the gateway writes; use one of: AgentJoined,")]
    [InlineData("QueueGreeting", "Willkommen bei {queue} in {minutes}", "{minutes} is not a value of this text; use {queue}")]
    [InlineData("AgentJoined", "Hallo {name}", "{name} is not a value of this text, which has none")]
    [InlineData("QueueGreeting", "Willkommen bei {queue", "a '{' without its '}'")]
    [InlineData("QueueGreeting", "Willkommen} bei {queue}", "a '}' without its '{'")]
    [InlineData("AgentJoined", " ", "empty; leave the key out to keep the default")]
    public void A_template_that_cannot_be_used_is_named_with_the_reason(string name, string template, string expected)
    {
        Assert.StartsWith(expected, GatewayTexts.Check(name, template));
        Assert.Throws<ArgumentException>(() => new GatewayTexts(new Dictionary<string, string> { [name] = template }));
    }
}
