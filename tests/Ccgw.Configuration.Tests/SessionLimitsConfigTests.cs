using System.Text.Json.Nodes;

namespace Ccgw.Configuration.Tests;

/// <summary>The longest call and the RTP inactivity timeout (issue 16, sessions): out of range is one error naming its key; 0 switches each off.</summary>
public sealed class SessionLimitsConfigTests
{
    [Theory]
    [InlineData("MaxCallSeconds", 59, "59 is out of range; use 0 (no limit) or 60-86400")]
    [InlineData("MaxCallSeconds", 86401, "86401 is out of range; use 0 (no limit) or 60-86400")]
    [InlineData("RtpTimeoutSeconds", 4, "4 is out of range; use 0 (off) or 5-3600")]
    [InlineData("RtpTimeoutSeconds", -1, "-1 is out of range; use 0 (off) or 5-3600")]
    public void Out_of_range_limits_name_their_key(string key, int value, string message)
    {
        var loaded = DemoConfig.LoadEdited(d => Voice(d)[key] = value);
        Assert.False(loaded.IsValid);
        var problem = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Voice:" + key, problem.Key);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_switches_each_off_and_the_defaults_are_four_hours_and_a_minute()
    {
        var off = DemoConfig.LoadEdited(d =>
        {
            Voice(d)["MaxCallSeconds"] = 0;
            Voice(d)["RtpTimeoutSeconds"] = 0;
        });
        Assert.True(off.IsValid, string.Join('\n', off.Problems.Errors));
        var defaults = DemoConfig.LoadEdited(_ => { });
        Assert.Equal((14400, 60), (defaults.Options.Voice.MaxCallSeconds, defaults.Options.Voice.RtpTimeoutSeconds));
    }

    private static JsonObject Voice(JsonObject document)
    {
        if (document["Voice"] is not JsonObject voice) document["Voice"] = voice = [];
        return voice;
    }
}
