using Ccgw.Configuration;

namespace Ccgw.Configuration.Tests;

/// <summary>Routing:ServiceLevelWindowSeconds: the sliding window of ccgw_queue_service_level_ratio (issue 20).</summary>
public sealed class KpiConfigTests
{
    [Fact]
    public void The_window_defaults_to_fifteen_minutes_and_may_be_set()
    {
        Assert.Equal(900, DemoConfig.LoadEdited(_ => { }).Options.Routing.ServiceLevelWindowSeconds);
        var loaded = DemoConfig.LoadEdited(_ => { }, new Dictionary<string, string> { ["CCGW__Routing__ServiceLevelWindowSeconds"] = "3600" });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));
        Assert.Equal(3600, loaded.Options.Routing.ServiceLevelWindowSeconds);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("59")]
    [InlineData("86401")]
    public void A_window_out_of_range_is_refused_naming_the_key(string seconds)
    {
        var loaded = DemoConfig.LoadEdited(_ => { }, new Dictionary<string, string> { ["CCGW__Routing__ServiceLevelWindowSeconds"] = seconds });
        var errors = loaded.Problems.Errors;
        Assert.False(loaded.IsValid);
        Assert.True(errors.Count == 1 && errors[0].Key == "Routing:ServiceLevelWindowSeconds", string.Join("\n", errors));
        Assert.Contains("60-86400", errors[0].Message, StringComparison.Ordinal);
    }
}
