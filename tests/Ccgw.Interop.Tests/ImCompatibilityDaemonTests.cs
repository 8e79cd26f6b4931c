using System.Globalization;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Compatibility routing (seed 004) in the running daemon: billing has a rule "client OldChat needs an agent with
/// capability legacy-im", which only alice declares. Bob is the better billing agent (level 5 against 3), so without
/// the rule he would get the chat. A slixmpp guest whose XEP-0092 answer is "OldChat 2.1" writes to billing@: the chat
/// is offered to alice only — her XMPP desk gets it, her MQTT offer names the client, bob's offers topic stays silent.
/// </summary>
public sealed class ImCompatibilityDaemonTests : IAsyncLifetime
{
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync()
    {
        if (!ImChatScript.SlixmppInstalled || !File.Exists(MqttInterop.Sub)) return;
        _daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Agents__0__Capabilities__0"] = "legacy-im", // alice
            ["CCGW__Queues__1__Compatibility__0__ClientSoftware"] = "OldChat", // billing
            ["CCGW__Queues__1__Compatibility__0__AgentCapability"] = "legacy-im",
        });
    }

    public async Task DisposeAsync()
    {
        if (_daemon is null) return;
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    [SkippableFact]
    public async Task A_guest_with_a_declared_client_is_routed_only_to_the_agent_with_the_matching_capability()
    {
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        MqttInterop.RequireClients();
        await ImAdmin.SetStateAsync(_daemon.Http, "bob", "ready");
        await ImAdmin.SetStateAsync(_daemon.Http, "alice", "ready");

        // Each subscription also takes a retained topic, whose arrival proves the subscription is in place.
        var port = _daemon.Listeners.Mqtt.ToString(CultureInfo.InvariantCulture);
        await using var aliceOffers = ExternalProcess.Start(MqttInterop.Sub, ["-h", "127.0.0.1", "-p", port, "-u", "alice", "-P", "demo-alice",
            "-q", "1", "-v", "-W", "150", "-t", "ccgw/agents/alice/offers", "-t", "ccgw/agents/alice/presence"]);
        await using var bobOffers = ExternalProcess.Start(MqttInterop.Sub, ["-h", "127.0.0.1", "-p", port, "-u", "sup", "-P", "demo-sup",
            "-q", "1", "-v", "-W", "150", "-t", "ccgw/agents/bob/offers", "-t", "ccgw/center/status"]);
        await UntilAsync(() => aliceOffers.StandardOutput.Contains("ccgw/agents/alice/presence", StringComparison.Ordinal), "alice's subscription", aliceOffers);
        await UntilAsync(() => bobOffers.StandardOutput.Contains("ccgw/center/status", StringComparison.Ordinal), "the supervisor's subscription", bobOffers);

        var (exit, result, output) = await ImChatScript.RunAsync(
            ["--port", $"{_daemon.Listeners.Xmpp}", "--tls", "--customer", "localhost", "--agent", "alice@localhost", "--agent-password", "demo-alice",
             "--to", "billing@localhost", "--choice", "", "--scenario", "relay", "--software-name", "OldChat", "--software-version", "2.1"],
            TimeSpan.FromSeconds(120));

        Assert.True(exit == 0, $"{output}\n{result}\n{_daemon.Process.StandardOutput}");
        Assert.StartsWith("New chat in Billing from a guest", result.GetProperty("offer").GetString());
        Assert.Contains("Their client: OldChat 2.1", result.GetProperty("offer").GetString());
        ImChatScript.AssertNeitherSawTheOther(result, result.GetProperty("customerJid").GetString()!, "alice@localhost");

        await UntilAsync(() => OfferLine(aliceOffers) is not null, "alice's MQTT offer", aliceOffers);
        var offer = OfferLine(aliceOffers)!.Value;
        Assert.Equal(("im", "billing"), (offer.GetProperty("channel").GetString(), offer.GetProperty("queue").GetString()));
        var client = offer.GetProperty("client");
        Assert.Equal(("OldChat", "2.1"), (client.GetProperty("name").GetString(), client.GetProperty("version").GetString()));
        Assert.Contains("jabber:x:data", client.GetProperty("features").EnumerateArray().Select(f => f.GetString()));

        // Bob, the better skilled and ready, was never offered the chat, and it went on record as alice's.
        Assert.DoesNotContain("ccgw/agents/bob/offers", bobOffers.StandardOutput, StringComparison.Ordinal);
        var bob = await MqttInterop.AgentAsync(_daemon, "bob");
        Assert.Equal("ready", bob.GetProperty("state").GetString());
        Assert.NotNull(await ImAdmin.LatestInteractionAsync(_daemon.Http, "alice"));
    }

    /// <summary>The first <c>type: offer</c> document alice's subscriber printed (<c>-v</c>: topic, space, payload).</summary>
    private static JsonElement? OfferLine(ExternalProcess sub)
    {
        foreach (var line in sub.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("ccgw/agents/alice/offers ", StringComparison.Ordinal)) continue;
            var json = JsonDocument.Parse(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]).RootElement.Clone();
            if (json.GetProperty("type").GetString() == "offer") return json;
        }
        return null;
    }

    /// <summary>Polls a condition on a peer's output, bounded; the peers report asynchronously.</summary>
    private static async Task UntilAsync(Func<bool> condition, string what, ExternalProcess peer)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline || peer.HasExited)
                throw new Xunit.Sdk.XunitException($"no {what}: {peer.StandardOutput}\n{peer.StandardError}");
            await Task.Delay(50);
        }
    }
}
