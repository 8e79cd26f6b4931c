using Ccgw.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Voice.Tests;

/// <summary>"You are caller number 3. Your estimated waiting time is 2 minutes." from the configured parts.</summary>
public sealed class QueueAnnouncerTests
{
    private static readonly string[] Parts = ["position", "wait", "minutes", "less-than-a-minute"];

    private static QueueAnnouncer Announcer(params int[] numbers) => new(
        new VoiceSettings { Domain = "localhost", MediaAddress = System.Net.IPAddress.Loopback },
        TestPrompts.Library([.. Parts, .. numbers.Select(PromptLibrary.NumberId)]), NullLogger.Instance);

    private static WaitEstimate Ewt(double? seconds) => new(seconds, null, null, 0, 1);

    [Fact]
    public void Position_and_minutes_rounded_up()
    {
        var prompts = Announcer(2, 3).Announcement(3, Ewt(61));
        Assert.Equal(["position", "number:3", "wait", "number:2", "minutes"], prompts);
    }

    [Fact]
    public void Under_a_minute_has_its_own_prompt()
    {
        Assert.Equal(["position", "number:1", "wait", "less-than-a-minute"], Announcer(1).Announcement(1, Ewt(59)));
    }

    [Fact]
    public void Numbers_past_twenty_are_spoken_as_tens_and_units()
    {
        Assert.Equal(["position", "number:20", "number:5"], Announcer(20, 5).Announcement(25, Ewt(null)));
    }

    [Fact]
    public void A_part_whose_number_is_missing_is_left_out_rather_than_misspoken()
    {
        // 25 needs 20 and 5; without 5 the position goes, the wait (2 minutes) stays.
        Assert.Equal(["wait", "number:2", "minutes"], Announcer(20, 2).Announcement(25, Ewt(90)));
    }

    [Fact]
    public void No_position_yet_and_no_estimate_say_nothing()
    {
        Assert.Empty(Announcer(1, 2, 3).Announcement(0, Ewt(null)));
    }

    [Fact]
    public void A_prompt_without_audio_is_null_in_either_codec()
    {
        var announcer = Announcer();
        Assert.Null(announcer.Prompt("nope", Ccgw.Media.Audio.G711Codec.Pcma));
        Assert.NotNull(announcer.Prompt("wait", Ccgw.Media.Audio.G711Codec.Pcma));
        Assert.NotNull(announcer.OptionalPrompt("wait", Ccgw.Media.Audio.G711Codec.Pcmu));
    }

    [Fact]
    public void A_queue_with_its_own_hold_prompt_plays_it_others_get_the_site_music()
    {
        var settings = new VoiceSettings
        {
            Domain = "localhost", MediaAddress = System.Net.IPAddress.Loopback, MusicOnHoldPrompt = "hold",
            HoldPrompts = new Dictionary<string, string>(StringComparer.Ordinal) { ["billing"] = "billing-hold" },
        };
        var announcer = new QueueAnnouncer(settings, TestPrompts.Library(["hold", "billing-hold"]), NullLogger.Instance);
        Assert.Equal("billing-hold", announcer.HoldMusicFor("billing"));
        Assert.Equal("hold", announcer.HoldMusicFor("sales"));
        Assert.Equal("hold", announcer.HoldMusicFor(null));
    }
}
