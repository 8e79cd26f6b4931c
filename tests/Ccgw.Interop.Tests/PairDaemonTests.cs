using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ccgw.Testing;
using Xunit.Abstractions;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The active/standby pair (issue 22, docs/operations.md): two real daemons on one real PostgreSQL lease (their storage
/// is still each its own SQLite file). The first takes the lease and is ready; the second is a standby (healthy, not
/// ready, no SIP listener, 503 to work); kill -9 the active and the standby takes over; restart the old node and it
/// stays standby. The takeover time (kill to ready) is written to the test output, not asserted: figures live in bench/.
/// </summary>
public sealed class PairDaemonTests(ITestOutputHelper output)
{
    private const string Token = "demo-admin-token-change-me";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static Dictionary<string, string?> PairEnvironment(string connectionString, string node) => new()
    {
        ["CCGW__Pair__ConnectionString"] = connectionString,
        ["CCGW__Pair__NodeId"] = node,
        ["CCGW__Pair__LeaseSeconds"] = "6",
        ["CCGW__Pair__RenewSeconds"] = "1",
    };

    [SkippableFact]
    public async Task The_standby_takes_no_work_takes_over_after_kill_9_and_the_old_node_comes_back_as_standby()
    {
        Skip.IfNot(PostgresUnderTest.IsInstalled, "PostgreSQL is not installed (apt-get install postgresql)");
        await using var postgres = await PostgresUnderTest.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync();

        var a = await DaemonUnderTest.StartAsync(PairEnvironment(connectionString, "node-a"));
        var rootA = a.Root;
        DaemonUnderTest? first = a, b = null, again = null;
        try
        {
            Assert.NotNull(await ReadyWithinAsync(a, Patience));
            b = await DaemonUnderTest.StartAsync(PairEnvironment(connectionString, "node-b"));

            // The standby: alive, not ready (saying why), no SIP listener, 503 with Retry-After to work.
            using (var health = await b.Http.GetAsync(new Uri("/healthz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using (var ready = await b.Http.GetAsync(new Uri("/readyz", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                var text = await ready.Content.ReadAsStringAsync();
                Assert.Contains("standby", text, StringComparison.Ordinal);
                Assert.Contains("node-a", text, StringComparison.Ordinal);
            }
            using (var help = await b.Http.GetAsync(new Uri("/help", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, help.StatusCode);
                Assert.True(help.Headers.RetryAfter is not null);
            }
            Assert.False(await AcceptsTcpAsync(b.Listeners.Sip), "the standby must hold no SIP listener");
            var standby = await StatusAsync(b);
            Assert.Equal(("node-b", "standby", "node-a"), (Text(standby, "node"), Text(standby, "role"), Text(standby, "holder")));
            var active = await StatusAsync(a);
            Assert.Equal(("node-a", "active"), (Text(active, "node"), Text(active, "role")));
            var firstToken = active.GetProperty("token").GetInt64();
            Assert.True(await a.MetricBecomesAsync("ccgw_pair_role{role=\"active\"} 1", TimeSpan.FromSeconds(30)));
            Assert.True(await b.MetricBecomesAsync("ccgw_pair_role{role=\"standby\"} 1", TimeSpan.FromSeconds(30)));

            // ccgwctl status on the standby.
            await using (var ctl = await ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, "status", "--url", $"http://127.0.0.1:{b.Listeners.Http}", "--token", Token], TimeSpan.FromSeconds(60)))
            {
                Assert.True(ctl.ExitCode == 0, ctl.StandardError);
                Assert.Contains("role       standby", ctl.StandardOutput, StringComparison.Ordinal);
                Assert.Contains("holder     node-a", ctl.StandardOutput, StringComparison.Ordinal);
            }

            var killed = Stopwatch.StartNew();
            await a.Process.SignalAsync("KILL");
            Assert.True(await a.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            await a.DisposeAsync();
            first = null;
            var takeover = await ReadyWithinAsync(b, Patience, killed);
            Assert.True(takeover is not null, "the standby did not become ready after the active was killed");
            output.WriteLine($"takeover (kill -9 to /readyz 200), lease 6 s, renew 1 s: {takeover!.Value.TotalSeconds:0.00} s");

            var taken = await StatusAsync(b);
            Assert.Equal("active", Text(taken, "role"));
            Assert.Equal(firstToken + 1, taken.GetProperty("token").GetInt64());
            Assert.Equal(1, taken.GetProperty("takeovers").GetInt64());
            Assert.True(await AcceptsTcpAsync(b.Listeners.Sip), "the new active listens for SIP");
            Assert.True(await b.MetricBecomesAsync("ccgw_pair_takeovers_total 1", TimeSpan.FromSeconds(30)));

            // The old node restarts: it finds the lease held and stays standby.
            again = await DaemonUnderTest.StartAsync(PairEnvironment(connectionString, "node-a"), reuseRoot: rootA);
            var back = await StatusAsync(again);
            Assert.Equal(("standby", "node-b"), (Text(back, "role"), Text(back, "holder")));
            using (var ready = await again.Http.GetAsync(new Uri("/readyz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("active", Text(await StatusAsync(b), "role"));
        }
        finally
        {
            if (first is not null) await first.DisposeAsync();
            if (b is not null) await b.DisposeAsync();
            if (again is not null) await again.DisposeAsync();
            b?.DeleteRoot();
            Directory.Delete(rootA, recursive: true);
        }
    }

    /// <summary>Polls <c>/readyz</c> until 200 (a node between standby and active refuses connections for a moment).</summary>
    private static async Task<TimeSpan?> ReadyWithinAsync(DaemonUnderTest daemon, TimeSpan within, Stopwatch? since = null)
    {
        var clock = since ?? Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            try
            {
                using var ready = await daemon.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK) return clock.Elapsed;
            }
            catch (HttpRequestException)
            {
                // The standby host has stopped and the daemon is binding its listeners.
            }
            if (daemon.Process.HasExited) return null;
            await Task.Delay(100);
        }
        return null;
    }

    private static async Task<bool> AcceptsTcpAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<JsonElement> StatusAsync(DaemonUnderTest daemon)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/admin/pair", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string? Text(JsonElement status, string name) => status.GetProperty(name).GetString();
}
