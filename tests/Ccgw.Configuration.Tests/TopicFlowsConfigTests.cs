using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary><c>SelfHelp:TopicFlows</c> (issue 18, the automated call-back): a known topic naming a configured flow.</summary>
public sealed class TopicFlowsConfigTests
{
    [Fact]
    public void A_topic_naming_a_flow_is_valid()
    {
        var loaded = DemoConfig.LoadEdited(d => d["SelfHelp"]!["TopicFlows"] = new JsonObject { ["billing"] = "main" });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal("main", loaded.Options.SelfHelp.TopicFlows["BILLING"]);
    }

    [Theory]
    [InlineData("plumbing", "main", "SelfHelp:TopicFlows:plumbing")]
    [InlineData("billing", "nowhere", "SelfHelp:TopicFlows:billing")]
    [InlineData("billing", "", "SelfHelp:TopicFlows:billing")]
    public void Bad_topic_flows_are_named(string topic, string flow, string named)
    {
        var loaded = DemoConfig.LoadEdited(d => d["SelfHelp"]!["TopicFlows"] = new JsonObject { [topic] = flow });
        Assert.Equal(named, Assert.Single(loaded.Problems.Errors).Key);
    }
}
