using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary>The XMPP server's per-session bounds (issue 16): each out-of-range value is one error naming its key.</summary>
public sealed class XmppLimitsConfigTests
{
    [Theory]
    [InlineData("MaxRosterItems", 5, "5 is out of range; use 10-100000")]
    [InlineData("GuestMaxRosterItems", -1, "-1 is out of range; use 0-1000")]
    [InlineData("MaxDirectedPresence", 0, "0 is out of range; use 1-10000")]
    [InlineData("MaxUnackedStanzas", 5, "5 is out of range; use 10-10000")]
    public void Out_of_range_bounds_name_their_key(string key, int value, string message)
    {
        var loaded = DemoConfig.LoadEdited(d => d["Xmpp"] = new JsonObject { [key] = value });
        Assert.False(loaded.IsValid);
        var problem = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Xmpp:" + key, problem.Key);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_bound_guests_tighter_than_accounts()
    {
        var loaded = DemoConfig.LoadEdited(_ => { });
        Assert.True(loaded.IsValid, string.Join('\n', loaded.Problems.Errors));
        var x = loaded.Options.Xmpp;
        Assert.Equal((1000, 10, 100, 500), (x.MaxRosterItems, x.GuestMaxRosterItems, x.MaxDirectedPresence, x.MaxUnackedStanzas));
    }
}
