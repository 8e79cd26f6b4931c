using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Ccgw.Testing;
using Xunit.Abstractions;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The MQTT channel of the real daemon (embedded broker) against Debian's mosquitto clients (3.1.1 and 5.0) and
/// python3-paho-mqtt: retained state for late subscribers, console commands, the ACL of CONTRACT §6, wills,
/// persistent sessions, WebSocket at /mqtt and malformed packets. The tests of this class share one daemon.
/// </summary>
public sealed class MqttConsoleTests(MqttDaemonFixture fixture, ITestOutputHelper output) : IClassFixture<MqttDaemonFixture>
{
    private DaemonUnderTest Daemon => fixture.Daemon;
    private int Port => Daemon.Listeners.Mqtt;

    [SkippableTheory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_late_subscriber_receives_retained_presence_stats_and_centre_status(string version)
    {
        MqttInterop.RequireClients();
        await using var presence = await MqttInterop.SubAsync(Port, version, "alice", "demo-alice", "-t", "ccgw/agents/alice/presence", "-C", "1");
        Assert.True(presence.ExitCode == 0, presence.StandardError);
        var p = MqttInterop.LastJson(presence);
        Assert.Equal("alice", p.GetProperty("agentId").GetString());
        Assert.Contains(p.GetProperty("state").GetString(), new[] { "offline", "ready", "notReady", "busy", "wrapUp" });
        Assert.EndsWith("Z", p.GetProperty("since").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, p.GetProperty("channels").GetProperty("voice").GetProperty("capacity").GetInt32());

        await using var stats = await MqttInterop.SubAsync(Port, version, "alice", "demo-alice", "-t", "ccgw/queues/sales/stats", "-C", "1");
        Assert.True(stats.ExitCode == 0, stats.StandardError);
        var s = MqttInterop.LastJson(stats);
        Assert.Equal("sales", s.GetProperty("queue").GetString());
        foreach (var field in new[] { "waiting", "agentsReady", "agentsBusy", "ewtSeconds", "longestWaitSeconds", "updatedAt" })
            Assert.True(s.TryGetProperty(field, out _), $"stats lack {field}: {s}");

        await using var center = await MqttInterop.SubAsync(Port, version, "sup", "demo-sup", "-t", "ccgw/center/status", "-C", "1");
        Assert.True(center.ExitCode == 0, center.StandardError);
        Assert.Equal("online", MqttInterop.LastJson(center).GetProperty("gateway").GetString());
    }

    [SkippableTheory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_ready_command_changes_the_state_and_the_presence_is_republished(string version)
    {
        MqttInterop.RequirePaho();
        await using var console = await MqttInterop.ConsoleAsync(Port, version, "ready-latency", "alice", "demo-alice");
        Assert.True(console.ExitCode == 0, console.StandardOutput + console.StandardError);
        var latency = double.Parse(console.StandardOutput.Split('\n').Single(l => l.StartsWith("LATENCY_MS ", StringComparison.Ordinal))[11..], CultureInfo.InvariantCulture);
        output.WriteLine($"MQTT v{version}: command -> republished presence {latency:F2} ms");
        Console.WriteLine($"MQTT v{version}: command -> republished presence {latency:F2} ms");
        // Only a generous bound: timing belongs to the benchmark, not the suite (docs/mqtt.md has the figures).
        Assert.InRange(latency, 0, 5000);
        var alice = await MqttInterop.WaitForAgentAsync(Daemon, "alice", a => a.GetProperty("state").GetString() == "ready", "ready");
        Assert.Equal("ready", alice.GetProperty("state").GetString());
    }

    [SkippableFact]
    public async Task Invalid_json_and_unknown_actions_are_answered_on_the_error_topic()
    {
        MqttInterop.RequirePaho();
        await using var ws = await MqttInterop.ConsoleAsync(Daemon.Listeners.Http, "311", "websocket", "alice", "demo-alice");
        Assert.True(ws.ExitCode == 0, ws.StandardOutput + ws.StandardError);

        MqttInterop.RequireClients();
        var errors = MqttInterop.SubAsync(Port, "5", "alice", "demo-alice", "-t", "ccgw/agents/alice/errors", "-C", "1", "-q", "1");
        // The subscriber needs its SUBACK before the bad command goes out; retry the publish until the error arrives.
        for (var i = 0; i < 20 && !errors.IsCompleted; i++)
        {
            await using var pub = await MqttInterop.PubAsync(Port, "311", "alice", "demo-alice", "-t", "ccgw/agents/alice/commands", "-m", "{not json");
            Assert.Equal(0, pub.ExitCode);
            await Task.WhenAny(errors, Task.Delay(250));
        }
        await using var sub = await errors;
        Assert.True(sub.ExitCode == 0, sub.StandardError);
        var error = MqttInterop.LastJson(sub);
        Assert.Equal("invalidJson", error.GetProperty("error").GetString());
        Assert.Equal("alice", error.GetProperty("agentId").GetString());
    }

    [SkippableTheory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task Alice_cannot_read_bobs_topics_nor_command_him_and_the_supervisor_reads_everything(string version)
    {
        MqttInterop.RequirePaho();
        MqttInterop.RequireClients();
        await using var acl = await MqttInterop.ConsoleAsync(Port, version, "acl", "alice", "demo-alice", "bob");
        Assert.True(acl.ExitCode == 0, acl.StandardOutput + acl.StandardError);

        var reason = "acl-" + Guid.NewGuid().ToString("N")[..8];
        await MqttInterop.SetAgentStateAsync(Daemon, "bob", "notReady", reason);
        await using (var pub = await MqttInterop.PubAsync(Port, version, "alice", "demo-alice", "-q", "1", "-t", "ccgw/agents/bob/commands", "-m", """{"action":"ready"}"""))
            output.WriteLine($"alice -> bob's commands: exit {pub.ExitCode} {pub.StandardError}");
        // A command of alice's own, sent after, is applied after: once it is, bob's would have been too.
        await using (var own = await MqttInterop.PubAsync(Port, version, "alice", "demo-alice", "-q", "1", "-t", "ccgw/agents/alice/commands", "-m", $$"""{"action":"notReady","reason":"{{reason}}"}"""))
            Assert.Equal(0, own.ExitCode);
        await MqttInterop.WaitForAgentAsync(Daemon, "alice", a => a.GetProperty("reason").GetString() == reason, "notReady " + reason);
        var bob = await MqttInterop.AgentAsync(Daemon, "bob");
        Assert.Equal("notReady", bob.GetProperty("state").GetString());
        Assert.Equal(reason, bob.GetProperty("reason").GetString());

        await using var sup = await MqttInterop.SubAsync(Port, version, "sup", "demo-sup", "-t", "#", "-C", "5", "-v");
        Assert.True(sup.ExitCode == 0, sup.StandardError);
        Assert.Contains("ccgw/agents/bob/presence", sup.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ccgw/agents/alice/presence", sup.StandardOutput, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_console_that_drops_without_disconnect_fires_its_will_and_its_console_device_is_lost()
    {
        MqttInterop.RequirePaho();
        await MqttInterop.SetAgentStateAsync(Daemon, "bob", "ready", null);
        await using var crash = await MqttInterop.ConsoleAsync(Port, "5", "crash", "bob", "demo-bob");
        Assert.True(crash.ExitCode == 0, crash.StandardOutput + crash.StandardError);
        var bob = await MqttInterop.WaitForAgentAsync(Daemon, "bob",
            a => a.GetProperty("reason").GetString() == "consoleCrashed" &&
                 a.GetProperty("lostDevices").EnumerateArray().Any(d => d.GetString() == "console"),
            "notReady by its will with the console lost");
        Assert.Equal("notReady", bob.GetProperty("state").GetString());

        // Reconnecting restores the device (asynchronously: watch the core while the console stays connected).
        MqttInterop.RequireClients();
        await using var back = ExternalProcess.Start(MqttInterop.Sub, ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-V", "mqttv311", "-u", "bob", "-P", "demo-bob", "-t", "ccgw/agents/bob/presence", "-W", "20"]);
        await MqttInterop.WaitForAgentAsync(Daemon, "bob",
            a => !a.GetProperty("lostDevices").EnumerateArray().Any(d => d.GetString() == "console"), "restored");
        Assert.False(back.HasExited, back.StandardError);
    }

    [SkippableTheory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_persistent_session_receives_the_qos1_presence_published_while_it_was_offline(string version)
    {
        MqttInterop.RequireClients();
        var clientId = $"wallboard-{version}-{Guid.NewGuid():N}"[..22];
        string[] session = ["-i", clientId, "-c", "-q", "1", "-t", "ccgw/agents/bob/presence"];
        if (version == "5") session = [.. session, "-x", "600"];
        await using (var first = await MqttInterop.SubAsync(Port, version, "sup", "demo-sup", [.. session, "-C", "1"]))
            Assert.True(first.ExitCode == 0, first.StandardError);

        var reason = "offline-" + Guid.NewGuid().ToString("N")[..8];
        await MqttInterop.SetAgentStateAsync(Daemon, "bob", "notReady", reason);

        // -R skips retained messages: what arrives is the live QoS 1 message the session queued.
        await using var second = await MqttInterop.SubAsync(Port, version, "sup", "demo-sup", [.. session, "-R", "-C", "1"]);
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Equal(reason, MqttInterop.LastJson(second).GetProperty("reason").GetString());
    }

    public static TheoryData<string, byte[]> MalformedPackets => new()
    {
        { "five-byte remaining length", [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] },
        { "QoS 3", [0x36, 0x07, 0x00, 0x01, (byte)'a', 0x00, 0x01, (byte)'x', (byte)'y'] },
        { "invalid UTF-8 topic", [0x30, 0x05, 0x00, 0x02, 0xC3, 0x28, (byte)'x'] },
        { "topic with U+0000", [0x30, 0x06, 0x00, 0x03, (byte)'a', 0x00, (byte)'b', (byte)'x'] },
        { "oversize packet", [0x30, 0x80, 0x80, 0x80, 0x01, 0x00, 0x01, (byte)'a'] },
    };

    [SkippableTheory]
    [MemberData(nameof(MalformedPackets))]
    public async Task A_malformed_packet_closes_that_connection_only(string what, byte[] packet)
    {
        MqttInterop.RequireClients();
        // A bystander connected before the bad packet must stay connected and keep receiving.
        await using var bystander = ExternalProcess.Start(MqttInterop.Sub, ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-V", "mqttv311", "-u", "sup", "-P", "demo-sup", "-t", "ccgw/agents/alice/presence", "-W", "20"]);

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync("127.0.0.1", Port, timeout.Token);
        // As the supervisor: an agent's connection would change its presence (console device) and confuse the bystander.
        await socket.SendAsync(Connect("sup", "demo-sup"), timeout.Token);
        var buffer = new byte[64];
        var read = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(read >= 4 && buffer[0] == 0x20 && buffer[3] == 0x00, $"CONNACK expected before the {what}");
        await socket.SendAsync(packet, timeout.Token);
        Assert.True(await IsClosedAsync(socket, buffer, timeout.Token), $"the {what} did not close the connection");

        // Change alice until the bystander shows one of the changes (it may have subscribed after the first).
        var marker = "after-" + Guid.NewGuid().ToString("N")[..10];
        for (var i = 0; i < 40 && !bystander.StandardOutput.Contains(marker, StringComparison.Ordinal); i++)
        {
            Assert.False(bystander.HasExited, $"the bystander lost its connection: {bystander.StandardError}");
            await MqttInterop.SetAgentStateAsync(Daemon, "alice", "notReady", $"{marker}-{i}");
            await Task.Delay(250);
        }
        Assert.Contains(marker, bystander.StandardOutput, StringComparison.Ordinal);
        Assert.False(bystander.HasExited, $"the bystander lost its connection: {bystander.StandardError}");
    }

    /// <summary>v3.1.1 has no way to say why: the server just closes (FIN, or RST when our bytes were still unread).</summary>
    private static async Task<bool> IsClosedAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, cancellationToken) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    /// <summary>A v3.1.1 CONNECT with user name and password, clean session, keep alive 30 s.</summary>
    private static byte[] Connect(string user, string password)
    {
        var body = new List<byte> { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0xC2, 0x00, 0x1E };
        foreach (var s in new[] { "raw-" + Guid.NewGuid().ToString("N")[..8], user, password })
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(s);
            body.Add((byte)(bytes.Length >> 8));
            body.Add((byte)bytes.Length);
            body.AddRange(bytes);
        }
        return [0x10, (byte)body.Count, .. body];
    }
}
