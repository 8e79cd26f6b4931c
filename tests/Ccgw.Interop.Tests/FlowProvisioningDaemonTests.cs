using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20 against the running daemon: flows provisioned at run time (ccgwctl and the admin API). A flow changed while
/// a sipp call runs in it leaves that call in the flow it entered, and the next call runs the new one; a flow in use is
/// not removed; the store keeps the flows over a restart, the file seeding them only once.
/// </summary>
public sealed class FlowProvisioningDaemonTests
{
    private const string Token = "demo-admin-token-change-me";

    /// <summary>The demo's "main" rewritten: straight into sales, no menu (the demo's main asks, and 2 leads to billing).</summary>
    private const string StraightToSales = """
        { "start": "q", "steps": { "q": { "type": "queue", "queue": "sales", "prompt": "queued" } } }
        """;

    private static Task<ExternalProcess> Ctl(DaemonUnderTest daemon, params string[] args) =>
        ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, .. args, "--url", $"http://127.0.0.1:{daemon.Listeners.Http}", "--token", Token],
            TimeSpan.FromSeconds(60));

    private static async Task<HttpResponseMessage> SendAsync(DaemonUnderTest daemon, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await daemon.Http.SendAsync(request);
    }

    private static async Task<JsonElement> GetJsonAsync(DaemonUnderTest daemon, string path)
    {
        using var response = await SendAsync(daemon, HttpMethod.Get, path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<int> WaitingAsync(DaemonUnderTest daemon, string queue) =>
        (await GetJsonAsync(daemon, "/api/admin/queues")).EnumerateArray().Single(q => q.GetProperty("queue").GetString() == queue)
            .GetProperty("waiting").GetInt32();

    [SkippableFact]
    public async Task A_flow_changed_with_ccgwctl_during_a_call_leaves_that_call_in_the_old_flow_and_the_next_call_runs_the_new_one()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var rig = await VoiceRig.StartAsync();

        // Call 1 enters the demo's main, is asked, presses 2 and waits in billing (nobody is ready).
        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = rig.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 25_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        Assert.True(await WaitForAsync(async () => await WaitingAsync(rig.Daemon, "billing") == 1), $"call 1 did not reach billing\n{rig.DaemonLog}");

        // main now goes straight to sales: ccgwctl reads the flow from a file.
        var file = Path.Combine(Path.GetTempPath(), $"ccgw-flow-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, StraightToSales);
        try
        {
            await using var set = await Ctl(rig.Daemon, "flow", "set", "main", "--file", file);
            Assert.True(set.ExitCode == 0, $"ccgwctl flow set failed:\n{set.StandardOutput}\n{set.StandardError}");
        }
        finally
        {
            File.Delete(file);
        }
        Assert.False(caller.HasExited, $"call 1 ended when its flow changed:\n{caller.StandardOutput}");

        // Call 2 on the same number runs the new main: it waits in sales without a key pressed.
        await using var rtp2 = new VoiceRtpEndpoint();
        await using var caller2 = rig.StartCaller(rtp2.Port, "voice_caller.xml", talkMs: 8_000, sipPort: FreePorts.TcpAndUdp(), name: "caller2");
        Assert.True(await WaitForAsync(async () => await WaitingAsync(rig.Daemon, "sales") == 1), $"call 2 did not run the new flow\n{rig.DaemonLog}");
        Assert.Equal(1, await WaitingAsync(rig.Daemon, "billing"));
        Assert.True(await caller2.WaitForExitAsync(TimeSpan.FromSeconds(40)) && caller2.ExitCode == 0, $"call 2 failed:\n{caller2.StandardOutput}");

        // Call 1 was never touched: its caller hangs up on its own schedule.
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "call 1's sipp did not finish");
        Assert.True(caller.ExitCode == 0, $"call 1 failed ({caller.ExitCode}):\n{caller.StandardOutput[^Math.Min(3000, caller.StandardOutput.Length)..]}");

        // Audited: who, when, before (the file's menu) and after.
        var audit = (await GetJsonAsync(rig.Daemon, "/api/admin/audit?resource=flow&id=main")).EnumerateArray().ToList();
        Assert.Equal(["replace", "seed"], audit.Select(a => a.GetProperty("action").GetString()));
        Assert.StartsWith("admin-token:", audit[0].GetProperty("actor").GetString());
        Assert.Equal("welcome", audit[0].GetProperty("before").GetProperty("start").GetString());
        Assert.Equal("q", audit[0].GetProperty("after").GetProperty("start").GetString());
    }

    [Fact]
    public async Task Flows_are_checked_with_the_files_rules_a_used_flow_is_not_removed_and_the_store_keeps_them_over_a_restart()
    {
        var daemon = await DaemonUnderTest.StartAsync();
        var root = daemon.Root;
        try
        {
            // Seeded from the file, used by DID 100 and the IM entry.
            var main = Assert.Single((await GetJsonAsync(daemon, "/api/admin/flows")).EnumerateArray());
            Assert.Equal("main", main.GetProperty("id").GetString());
            Assert.Equal("file", main.GetProperty("source").GetString());
            Assert.Contains(main.GetProperty("usedBy").EnumerateArray(), u => u.GetString()!.StartsWith("DID 100", StringComparison.Ordinal));

            // The file's rules, naming the field: an unknown queue, then a step that leads nowhere.
            using (var bad = await SendAsync(daemon, HttpMethod.Put, "/api/admin/flows/direct",
                       """{ "start": "q", "steps": { "q": { "type": "queue", "queue": "nowhere" } } }"""))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
                Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
                var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
                Assert.Contains("queue 'nowhere' is not defined", errors.GetProperty("steps:q:queue")[0].GetString());
            }
            using (var bad = await SendAsync(daemon, HttpMethod.Put, "/api/admin/flows/direct", """{ "start": "q", "steps": { "q": { "type": "say", "prompt": "queued", "next": "gone" } } }"""))
                Assert.Contains("steps:q:next", await bad.Content.ReadAsStringAsync());
            Assert.Single((await GetJsonAsync(daemon, "/api/admin/flows")).EnumerateArray());

            using (var created = await SendAsync(daemon, HttpMethod.Put, "/api/admin/flows/direct", StraightToSales))
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using (var moved = await SendAsync(daemon, HttpMethod.Put, "/api/admin/dids/100", """{ "flow": "direct" }"""))
                Assert.Equal(HttpStatusCode.OK, moved.StatusCode);

            // direct is routed to by DID 100 now: not removed, naming who uses it; main is still the IM entry's.
            await using (var remove = await Ctl(daemon, "flow", "remove", "direct"))
            {
                Assert.Equal(1, remove.ExitCode);
                Assert.Contains("409", remove.StandardError);
                Assert.Contains("DID 100", remove.StandardError);
            }
            using (var removeMain = await SendAsync(daemon, HttpMethod.Delete, "/api/admin/flows/main"))
            {
                Assert.Equal(HttpStatusCode.Conflict, removeMain.StatusCode);
                Assert.Contains("Im:Flow", await removeMain.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            await daemon.DisposeAsync();
        }

        // A restart keeps what the API made; the file does not overwrite it.
        daemon = await DaemonUnderTest.StartAsync(reuseRoot: root);
        try
        {
            var flows = (await GetJsonAsync(daemon, "/api/admin/flows")).EnumerateArray()
                .ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("source").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["direct"] = "api", ["main"] = "file" }, flows);
            Assert.Equal("sales", (await GetJsonAsync(daemon, "/api/admin/flows/direct")).GetProperty("definition").GetProperty("steps").GetProperty("q")
                .GetProperty("queue").GetString());
            // Once no DID routes to it, it goes (and stays gone: a tombstone, audited).
            using (var back = await SendAsync(daemon, HttpMethod.Put, "/api/admin/dids/100", """{ "flow": "main" }"""))
                Assert.Equal(HttpStatusCode.OK, back.StatusCode);
            using (var removed = await SendAsync(daemon, HttpMethod.Delete, "/api/admin/flows/direct"))
                Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            using (var gone = await SendAsync(daemon, HttpMethod.Get, "/api/admin/flows/direct"))
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal(["delete", "create"], (await GetJsonAsync(daemon, "/api/admin/audit?resource=flow&id=direct")).EnumerateArray()
                .Select(a => a.GetProperty("action").GetString()));
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

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
