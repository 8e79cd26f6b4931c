using System.Text.Json.Nodes;
using Ccgw.Configuration;
using Ccgw.Core;

namespace Ccgw.Configuration.Tests;

/// <summary>Agents[].Capabilities, Queues[].RequiredAgentCapabilities and Queues[].Compatibility: checked naming the key, mapped to the core.</summary>
public sealed class CompatibilityConfigTests
{
    private static void Edit(JsonObject d, JsonArray? rules = null, JsonArray? aliceCaps = null, JsonArray? required = null)
    {
        if (aliceCaps is not null) d["Agents"]![0]!["Capabilities"] = aliceCaps;
        if (rules is not null) d["Queues"]![1]!["Compatibility"] = rules;
        if (required is not null) d["Queues"]![1]!["RequiredAgentCapabilities"] = required;
    }

    [Fact]
    public void Capabilities_and_rules_map_to_the_core_definition()
    {
        var loaded = DemoConfig.LoadEdited(d => Edit(d,
            rules: [new JsonObject { ["ClientSoftware"] = "OldChat", ["AgentCapability"] = "legacy-im" },
                    new JsonObject { ["ClientFeature"] = "http://jabber.org/protocol/xhtml-im", ["AgentCapability"] = "xhtml" }],
            aliceCaps: ["legacy-im", "xhtml"], required: ["xhtml"]));

        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var definition = CoreDefinitions.From(loaded.Options);
        Assert.Empty(definition.Validate());
        Assert.Equal(["legacy-im", "xhtml"], definition.Agents.Single(a => a.Id == "alice").Capabilities!.Order(StringComparer.Ordinal));
        Assert.Null(definition.Agents.Single(a => a.Id == "bob").Capabilities);
        var billing = definition.Queues.Single(q => q.Id == "billing");
        Assert.Equal(["xhtml"], billing.RequiredAgentCapabilities!);
        Assert.Equal([new CompatibilityRule("legacy-im", "OldChat"), new CompatibilityRule("xhtml", null, "http://jabber.org/protocol/xhtml-im")],
            billing.Compatibility!);
        Assert.Null(definition.Queues.Single(q => q.Id == "sales").Compatibility);
    }

    [Fact]
    public void A_rule_without_a_client_condition_names_the_rule()
    {
        var loaded = DemoConfig.LoadEdited(d => Edit(d, rules: [new JsonObject { ["AgentCapability"] = "legacy-im" }], aliceCaps: ["legacy-im"]));
        AssertSingleError(loaded, "Queues:1:Compatibility:0", "needs ClientSoftware");
    }

    [Fact]
    public void A_rule_without_an_agent_capability_names_the_key()
    {
        var loaded = DemoConfig.LoadEdited(d => Edit(d, rules: [new JsonObject { ["ClientSoftware"] = "OldChat" }]));
        AssertSingleError(loaded, "Queues:1:Compatibility:0:AgentCapability", "not set");
    }

    [Fact]
    public void A_capability_with_a_space_names_the_agent_key()
    {
        var loaded = DemoConfig.LoadEdited(d => Edit(d, aliceCaps: ["ok", "legacy im"]));
        AssertSingleError(loaded, "Agents:0:Capabilities:1", "not a usable capability name");
    }

    [Fact]
    public void A_capability_nobody_has_is_a_warning_that_says_where_matching_chats_go()
    {
        var loaded = DemoConfig.LoadEdited(d => Edit(d,
            rules: [new JsonObject { ["ClientSoftware"] = "OldChat", ["AgentCapability"] = "legacy-im" }], required: ["video"]));

        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var rule = Assert.Single(loaded.Problems.Warnings, w => w.Key == "Queues:1:Compatibility:0:AgentCapability");
        Assert.Contains("overflow to 'sales' after 300 s", rule.Message, StringComparison.Ordinal);
        Assert.Single(loaded.Problems.Warnings, w => w.Key == "Queues:1:RequiredAgentCapabilities");
    }

    private static void AssertSingleError(LoadedConfiguration loaded, string key, string fragment)
    {
        var errors = loaded.Problems.Errors;
        Assert.False(loaded.IsValid);
        Assert.True(errors.Count == 1 && errors[0].Key == key, $"expected one problem at {key}, got:\n{string.Join("\n", errors)}");
        Assert.Contains(fragment, errors[0].Message, StringComparison.Ordinal);
    }
}
