using System.Net.Sockets;
using System.Text.Json.Nodes;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20's reload of limits against the running daemon: SIGHUP with a lowered connection cap applies it to the next
/// connection (one over the new cap is closed at once, those open stay), and a broken value is refused naming its key
/// while the daemon runs on with the cap it had.
/// </summary>
public sealed class LimitsReloadDaemonTests
{
    [Fact]
    public async Task Sighup_applies_a_changed_connection_cap_to_the_next_connection_and_refuses_a_broken_one_naming_the_key()
    {
        var daemon = await DaemonUnderTest.StartAsync();
        var held = new List<TcpClient>();
        try
        {
            // Under the start value (256 per address) a third connection to the MQTT listener is admitted.
            for (var i = 0; i < 3; i++) held.Add(await ConnectAsync(daemon));
            Assert.True(await StaysOpenAsync(held[2]), "the third connection was closed under the start cap");
            foreach (var c in held) c.Dispose();
            held.Clear();

            await EditAsync(daemon, c => (c["Listeners"] ??= new JsonObject())["MaxConnectionsPerAddress"] = 2);
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await WaitForAsync(() => daemon.Process.StandardOutput.Contains("Listeners:MaxConnectionsPerAddress 2", StringComparison.Ordinal)),
                $"the new cap was not applied:\n{Tail(daemon)}");
            Assert.DoesNotContain("MaxConnectionsPerAddress take effect only after a restart", daemon.Process.StandardOutput);

            // Two are admitted and stay; the third from the same address is closed at once.
            held.Add(await ConnectAsync(daemon));
            held.Add(await ConnectAsync(daemon));
            Assert.True(await WaitForAsync(() => ClosedAsync(ConnectAsync(daemon))), "a connection over the new cap of 2 was admitted");
            Assert.True(await StaysOpenAsync(held[0]), "a connection admitted under the cap was closed");

            // A broken value: refused naming the key; the daemon runs on and the cap of 2 stays.
            await EditAsync(daemon, c => c["Listeners"]!["MaxConnectionsPerAddress"] = 0);
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await WaitForAsync(() => daemon.Process.StandardOutput.Contains("reload refused", StringComparison.Ordinal)),
                $"the broken file was not refused:\n{Tail(daemon)}");
            Assert.Contains("reload: config error: Listeners:MaxConnectionsPerAddress", daemon.Process.StandardOutput);
            Assert.False(daemon.Process.HasExited);
            Assert.True(await ClosedAsync(ConnectAsync(daemon)), "the cap of 2 did not stay after the refused reload");
        }
        finally
        {
            foreach (var c in held) c.Dispose();
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    private static async Task<TcpClient> ConnectAsync(DaemonUnderTest daemon)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", daemon.Listeners.Mqtt);
        return client;
    }

    /// <summary>True when the server closes the connection within 2 s without a byte (a refused admission).</summary>
    private static async Task<bool> ClosedAsync(Task<TcpClient> connecting)
    {
        using var client = await connecting;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            return await client.GetStream().ReadAsync(new byte[16], timeout.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    /// <summary>True when the connection is still open after 1 s (MQTT waits for CONNECT longer than that).</summary>
    private static async Task<bool> StaysOpenAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            return await client.GetStream().ReadAsync(new byte[16], timeout.Token) != 0;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Tail(DaemonUnderTest daemon) => daemon.Process.StandardOutput[^Math.Min(4000, daemon.Process.StandardOutput.Length)..];

    private static async Task EditAsync(DaemonUnderTest daemon, Action<JsonNode> edit)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(daemon.ConfigPath))!;
        edit(config);
        await File.WriteAllTextAsync(daemon.ConfigPath, config.ToJsonString());
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition) => await WaitForAsync(() => Task.FromResult(condition()));

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!deadline.IsCancellationRequested)
        {
            if (await condition()) return true;
            await Task.Delay(100, CancellationToken.None);
        }
        return false;
    }
}
