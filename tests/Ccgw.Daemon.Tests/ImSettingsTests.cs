using Ccgw.Configuration;
using Ccgw.Testing;

namespace Ccgw.Daemon.Tests;

/// <summary>The IM section's waits and limit reach the gateway the daemon builds.</summary>
public sealed class ImSettingsTests
{
    [Fact]
    public void The_bots_waits_and_conversation_limit_come_from_the_im_section()
    {
        var loaded = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>
        {
            ["CCGW__Im__MinimumInputSeconds"] = "90",
            ["CCGW__Im__CallbackNumberSeconds"] = "300",
            ["CCGW__Im__CapabilityProbeSeconds"] = "2",
            ["CCGW__Im__MaxConversations"] = "500",
        });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));

        var settings = ImChannel.Settings(loaded.Options, loaded.Context);

        Assert.Equal(TimeSpan.FromSeconds(90), settings.MinimumInputTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.CallbackNumberTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.CapabilityProbeTimeout);
        Assert.Equal(500, settings.MaxConversations);
    }

    [Fact]
    public void The_bots_queue_updates_come_from_the_im_section()
    {
        var loaded = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>
        {
            ["CCGW__Im__QueueUpdateSeconds"] = "45",
            ["CCGW__Im__QueueUpdateWaitChangeSeconds"] = "120",
        });
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems.Errors));

        var settings = ImChannel.Settings(loaded.Options, loaded.Context);

        Assert.Equal(TimeSpan.FromSeconds(45), settings.QueueUpdateEvery);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.QueueUpdateWaitChange);
    }
}
