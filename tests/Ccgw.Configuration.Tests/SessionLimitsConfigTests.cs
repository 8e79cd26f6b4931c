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
    [InlineData("PacingSubSlots", 3, "3 is not usable; use 1, 2 or 4")]
    [InlineData("PacingSubSlots", 0, "0 is not usable; use 1, 2 or 4")]
    [InlineData("PacingNice", 1, "1 is out of range; use -20 (highest) to 0")]
    [InlineData("PacingNice", -21, "-21 is out of range; use -20 (highest) to 0")]
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
        Assert.Equal(1, defaults.Options.Voice.PacingSubSlots); // issue 21: one tick per frame unless configured
        Assert.True(DemoConfig.LoadEdited(d => Voice(d)["PacingSubSlots"] = 4).IsValid); // the frame cut into 5 ms pacing slots
        Assert.Equal("timerfd", defaults.Options.Voice.PacingClock);
        Assert.True(DemoConfig.LoadEdited(d => Voice(d)["PacingClock"] = "timer").IsValid);
        var wrong = DemoConfig.LoadEdited(d => Voice(d)["PacingClock"] = "rtc");
        Assert.Equal("Voice:PacingClock", Assert.Single(wrong.Problems.Errors).Key);
    }

    [Theory]
    [InlineData("MinSessionExpiresSeconds", 89, "89 is out of range; use 90-86400")]
    [InlineData("SessionExpiresSeconds", 60, "60 is out of range; use 0 (off) or Voice:MinSessionExpiresSeconds (90) to 86400")]
    [InlineData("SessionExpiresSeconds", 86401, "86401 is out of range")]
    [InlineData("DialogProbeSeconds", -1, "-1 is out of range; use 0 (off) or 1-3600")]
    [InlineData("DialogProbeSeconds", 3601, "3601 is out of range; use 0 (off) or 1-3600")]
    public void Out_of_range_session_timer_and_probe_settings_name_their_key(string key, int value, string message)
    {
        var loaded = DemoConfig.LoadEdited(d => Voice(d)[key] = value);
        Assert.False(loaded.IsValid);
        var problem = Assert.Single(loaded.Problems.Errors);
        Assert.Equal("Voice:" + key, problem.Key);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_timers_default_to_1800_s_with_a_90_s_minimum_and_probing_off()
    {
        var defaults = DemoConfig.LoadEdited(_ => { });
        Assert.Equal((1800, 90, 0), (defaults.Options.Voice.SessionExpiresSeconds, defaults.Options.Voice.MinSessionExpiresSeconds, defaults.Options.Voice.DialogProbeSeconds));
        var off = DemoConfig.LoadEdited(d =>
        {
            Voice(d)["SessionExpiresSeconds"] = 0;
            Voice(d)["DialogProbeSeconds"] = 5;
        });
        Assert.True(off.IsValid, string.Join('\n', off.Problems.Errors));
    }

    private static JsonObject Voice(JsonObject document)
    {
        if (document["Voice"] is not JsonObject voice) document["Voice"] = voice = [];
        return voice;
    }
}
