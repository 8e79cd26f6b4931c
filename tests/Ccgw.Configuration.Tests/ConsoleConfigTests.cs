using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary>Issue 19: the Consoles section (reason codes, session length, queue alerts) is checked at start, naming the key.</summary>
public sealed class ConsoleConfigTests
{
    [Fact]
    public void The_demo_gets_the_default_reasons_and_thresholds()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal(ConsoleOptions.DefaultNotReadyReasons, loaded.Options.Consoles.EffectiveNotReadyReasons);
        Assert.Equal(10, loaded.Options.Consoles.SessionHours);
        Assert.Null(loaded.Options.Consoles.Alerts.ServiceLevelBelow);
        Assert.Equal(60, loaded.Options.Consoles.Alerts.LongestWaitSeconds);
    }

    [Fact]
    public void Configured_values_are_taken()
    {
        var loaded = DemoConfig.LoadEdited(d => d["Consoles"] = new JsonObject
        {
            ["NotReadyReasons"] = new JsonArray("lunch", "coaching"),
            ["SessionHours"] = 8,
            ["Alerts"] = new JsonObject { ["ServiceLevelBelow"] = 0.7, ["LongestWaitSeconds"] = 90 },
        });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.Equal(["lunch", "coaching"], loaded.Options.Consoles.EffectiveNotReadyReasons);
        Assert.Equal(0.7, loaded.Options.Consoles.Alerts.ServiceLevelBelow);
        Assert.Equal(90, loaded.Options.Consoles.Alerts.LongestWaitSeconds);
    }

    [Theory]
    [InlineData("NotReadyReasons", "[\"lunch\", \"a b\"]", "Consoles:NotReadyReasons:1", "is not a reason code")]
    [InlineData("NotReadyReasons", "[\"lunch\", \"Lunch\"]", "Consoles:NotReadyReasons:1", "listed twice")]
    [InlineData("SessionHours", "0", "Consoles:SessionHours", "use 1-24 hours")]
    [InlineData("SessionHours", "25", "Consoles:SessionHours", "use 1-24 hours")]
    public void Bad_console_values_are_named(string key, string json, string problemKey, string fragment)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Consoles"] = new JsonObject { [key] = JsonNode.Parse(json) });
        Assert.False(loaded.IsValid);
        Assert.Contains(loaded.Problems.Errors, p => p.Key == problemKey && p.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ServiceLevelBelow", "1.5", "Consoles:Alerts:ServiceLevelBelow")]
    [InlineData("ServiceLevelBelow", "-0.1", "Consoles:Alerts:ServiceLevelBelow")]
    [InlineData("LongestWaitSeconds", "0", "Consoles:Alerts:LongestWaitSeconds")]
    public void Bad_alert_thresholds_are_named(string key, string json, string problemKey)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Consoles"] = new JsonObject { ["Alerts"] = new JsonObject { [key] = JsonNode.Parse(json) } });
        Assert.False(loaded.IsValid);
        Assert.Contains(loaded.Problems.Errors, p => p.Key == problemKey && p.Message.Contains("out of range", StringComparison.Ordinal));
    }
}
