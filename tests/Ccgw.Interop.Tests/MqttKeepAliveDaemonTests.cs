using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Mqtt:MaximumKeepAliveSeconds reaches the embedded broker: a v3.1.1 console asking for a longer keep-alive is refused
/// (0x02, as mosquitto's max_keepalive does, since 3.1.1 has no Server Keep Alive to tell it), one within it is served.
/// </summary>
public sealed class MqttKeepAliveDaemonTests
{
    [SkippableFact]
    public async Task A_console_beyond_the_configured_maximum_keep_alive_is_refused_and_one_within_it_is_served()
    {
        MqttInterop.RequireClients();
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["CCGW__Mqtt__MaximumKeepAliveSeconds"] = "20" });
        try
        {
            await using var refused = await MqttInterop.SubAsync(daemon.Listeners.Mqtt, "311", "alice", "demo-alice",
                "-k", "60", "-t", "ccgw/center/status", "-C", "1");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("identifier rejected", refused.StandardError + refused.StandardOutput, StringComparison.OrdinalIgnoreCase);

            await using var served = await MqttInterop.SubAsync(daemon.Listeners.Mqtt, "311", "alice", "demo-alice",
                "-k", "15", "-t", "ccgw/center/status", "-C", "1");
            Assert.True(served.ExitCode == 0, served.StandardError);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }
}
