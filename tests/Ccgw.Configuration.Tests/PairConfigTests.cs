using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary><c>Pair</c> (issue 22): absent in the demo (a single node); checked at start, every error naming its key.</summary>
public sealed class PairConfigTests
{
    private static LoadedConfiguration WithPair(JsonObject pair) => DemoConfig.LoadEdited(d => d["Pair"] = pair);

    [Fact]
    public void The_demo_is_a_single_node()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.False(loaded.Options.Pair.Enabled);
    }

    [Fact]
    public void A_pair_with_a_connection_string_and_defaults_is_valid()
    {
        var loaded = WithPair(new JsonObject { ["ConnectionString"] = "Host=db.example.com;Database=ccgw;Username=ccgw", ["NodeId"] = "ccgw-a" });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        Assert.True(loaded.Options.Pair.Enabled);
        Assert.Equal("ccgw-a", loaded.Options.Pair.EffectiveNodeId);
        Assert.Equal((10, 3), (loaded.Options.Pair.LeaseSeconds, loaded.Options.Pair.RenewSeconds));
    }

    [Theory]
    [InlineData("ConnectionString", "", "Pair:ConnectionString")]
    [InlineData("ConnectionString", "Database=ccgw", "Pair:ConnectionString")]
    [InlineData("NodeId", "node a!", "Pair:NodeId")]
    [InlineData("LeaseSeconds", 1, "Pair:LeaseSeconds")]
    [InlineData("RenewSeconds", 6, "Pair:RenewSeconds")]
    [InlineData("RenewSeconds", 0, "Pair:RenewSeconds")]
    public void Bad_pair_settings_are_named(string key, object value, string named)
    {
        var pair = new JsonObject { ["ConnectionString"] = "Host=127.0.0.1;Database=ccgw", ["NodeId"] = "a" };
        pair[key] = JsonValue.Create(value);
        var error = Assert.Single(WithPair(pair).Problems.Errors);
        Assert.Equal(named, error.Key);
    }

    [Fact]
    public void A_node_id_without_a_connection_string_is_an_error()
    {
        var error = Assert.Single(WithPair(new JsonObject { ["NodeId"] = "a" }).Problems.Errors);
        Assert.Equal("Pair:NodeId", error.Key);
    }
}
