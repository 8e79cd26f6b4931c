using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20 against the running daemon: trunks and DIDs provisioned at run time (ccgwctl and the admin API) while sipp
/// calls are up, and SIGHUP applying the file's trunks and DIDs through the same path (the API owns what it changed).
/// </summary>
public sealed class TrunkProvisioningDaemonTests
{
    private const string Token = "demo-admin-token-change-me";

    /// <summary>A second flow beside the demo's "main": straight into the billing queue (no menu), so a call needs no DTMF to stay.</summary>
    private static readonly Dictionary<string, string?> DirectFlow = new()
    {
        ["CCGW__Flows__direct__Start"] = "q",
        ["CCGW__Flows__direct__Steps__q__Type"] = "queue",
        ["CCGW__Flows__direct__Steps__q__Queue"] = "billing",
        ["CCGW__Flows__direct__Steps__q__Prompt"] = "queued",
    };

    private static Task<ExternalProcess> Ctl(DaemonUnderTest daemon, params string[] args) =>
        ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, .. args, "--url", $"http://127.0.0.1:{daemon.Listeners.Http}", "--token", Token],
            TimeSpan.FromSeconds(60));

    private static async Task<HttpResponseMessage> SendAsync(DaemonUnderTest daemon, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await daemon.Http.SendAsync(request);
    }

    private static async Task<JsonElement> GetJsonAsync(DaemonUnderTest daemon, string path)
    {
        using var response = await SendAsync(daemon, HttpMethod.Get, path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [SkippableFact]
    public async Task A_DID_moved_to_another_flow_during_a_call_leaves_the_call_up_and_the_next_call_follows_the_new_flow()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var rig = await VoiceRig.StartAsync(DirectFlow);

        // Call 1 enters "main" and waits in billing (digit 2), with nobody ready to take it.
        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = rig.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 25_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        Assert.True(await OutputContainsAsync(rig.Daemon, "DID 100 → flow main", 1), $"call 1 did not enter main\n{rig.DaemonLog}");

        await using (var set = await Ctl(rig.Daemon, "did", "set", "100", "--flow", "direct"))
            Assert.True(set.ExitCode == 0, $"ccgwctl did set failed:\n{set.StandardOutput}\n{set.StandardError}");
        Assert.False(caller.HasExited, $"call 1 ended when its DID moved:\n{caller.StandardOutput}");

        // Call 2 on the same number follows the new flow.
        await using var rtp2 = new VoiceRtpEndpoint();
        await using var caller2 = rig.StartCaller(rtp2.Port, "voice_caller.xml", talkMs: 3_000, sipPort: FreePorts.TcpAndUdp(), name: "caller2");
        Assert.True(await OutputContainsAsync(rig.Daemon, "DID 100 → flow direct", 1), $"call 2 did not follow the new flow\n{rig.DaemonLog}");
        Assert.True(await caller2.WaitForExitAsync(TimeSpan.FromSeconds(40)) && caller2.ExitCode == 0, $"call 2 failed:\n{caller2.StandardOutput}");

        // Call 1 was never touched: its caller hangs up on its own schedule (a BYE from us would fail its scenario).
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "call 1's sipp did not finish");
        Assert.True(caller.ExitCode == 0, $"call 1 failed ({caller.ExitCode}):\n{caller.StandardOutput[^Math.Min(3000, caller.StandardOutput.Length)..]}");

        var audit = (await GetJsonAsync(rig.Daemon, "/api/admin/audit?resource=did&id=100")).EnumerateArray().First();
        Assert.Equal("replace", audit.GetProperty("action").GetString());
        Assert.Equal("main", audit.GetProperty("before").GetProperty("flow").GetString());
        Assert.Equal("direct", audit.GetProperty("after").GetProperty("flow").GetString());
        Assert.StartsWith("admin-token:", audit.GetProperty("actor").GetString());
    }

    [SkippableFact]
    public async Task A_trunk_added_at_run_time_admits_a_call_from_its_address_and_is_not_removed_while_it_carries_one()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var rig = await VoiceRig.StartAsync(DirectFlow);

        // 127.0.0.2 is no trunk yet: refused.
        await using (var stranger = StartCallerFrom(rig, "127.0.0.2", "stranger", talkMs: 1_000))
        {
            Assert.True(await stranger.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the refused caller's sipp did not finish");
            Assert.NotEqual(0, stranger.ExitCode);
        }
        // The console log is written by a queue: wait for the refusal's line rather than expect it at once.
        Assert.True(await OutputContainsAsync(rig.Daemon, "SIP INVITE from 127.0.0.2", 1), $"the stranger was not refused\n{rig.DaemonLog}");

        // A bad trunk is refused naming the field; then the carrier is added and DID 100 moves onto it.
        using (var bad = await SendAsync(rig.Daemon, HttpMethod.Put, "/api/admin/trunks/carrier", new { allowFrom = new[] { "not-an-address" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("allowFrom:0", await bad.Content.ReadAsStringAsync());
        }
        await using (var add = await Ctl(rig.Daemon, "trunk", "set", "carrier", "--allow-from", "127.0.0.2", "--keepalive", "0"))
            Assert.True(add.ExitCode == 0, $"ccgwctl trunk set failed:\n{add.StandardOutput}\n{add.StandardError}");
        await using (var move = await Ctl(rig.Daemon, "did", "set", "100", "--flow", "direct", "--trunk", "carrier"))
            Assert.True(move.ExitCode == 0, $"ccgwctl did set failed:\n{move.StandardOutput}\n{move.StandardError}");

        await using var caller = StartCallerFrom(rig, "127.0.0.2", "carrier-caller", talkMs: 12_000);
        Assert.True(await OutputContainsAsync(rig.Daemon, "DID 100 → flow direct", 1), $"the carrier's call was not admitted\n{rig.DaemonLog}");

        // Removing the carrier while its call is up is refused, naming why; once the call has ended it goes.
        await using (var remove = await Ctl(rig.Daemon, "trunk", "remove", "carrier"))
        {
            Assert.Equal(1, remove.ExitCode);
            Assert.Contains("409", remove.StandardError);
            Assert.Contains("carries 1 call", remove.StandardError);
        }
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(40)) && caller.ExitCode == 0, $"the carrier's call failed:\n{caller.StandardOutput}");
        // The caller's BYE is answered before the call has finished tearing down: ask until it has.
        Assert.True(await WaitForAsync(async () =>
        {
            using var removed = await SendAsync(rig.Daemon, HttpMethod.Delete, "/api/admin/trunks/carrier");
            Assert.True(removed.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Conflict, $"DELETE answered {(int)removed.StatusCode}");
            return removed.StatusCode == HttpStatusCode.NoContent;
        }), $"the carrier was still refused after its call ended\n{rig.DaemonLog}");
        Assert.DoesNotContain((await GetJsonAsync(rig.Daemon, "/api/admin/dids")).EnumerateArray(), d => d.GetProperty("did").GetString() == "100");
        var trunkAudit = (await GetJsonAsync(rig.Daemon, "/api/admin/audit?resource=trunk&id=carrier")).EnumerateArray().Select(a => a.GetProperty("action").GetString());
        Assert.Equal(["delete", "create"], trunkAudit);
    }

    [Fact]
    public async Task Sighup_applies_the_files_trunks_and_dids_but_leaves_what_the_api_changed()
    {
        var daemon = await DaemonUnderTest.StartAsync(DirectFlow);
        try
        {
            // Seeded from the file at first start.
            var dids = await GetJsonAsync(daemon, "/api/admin/dids");
            var seeded = Assert.Single(dids.EnumerateArray());
            Assert.Equal("main", seeded.GetProperty("flow").GetString());
            Assert.Equal("file", seeded.GetProperty("source").GetString());

            // The file adds a trunk and a number: both run after SIGHUP, owned by the file.
            await EditAsync(daemon, c => c["Trunks"]!.AsArray().Add(JsonNode.Parse("""
                { "Id": "carrier", "AllowFrom": [ "192.0.2.10" ], "KeepaliveSeconds": 0, "Dids": { "200": "direct" } }
                """)));
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await WaitForAsync(async () => (await GetJsonAsync(daemon, "/api/admin/trunks")).GetArrayLength() == 2),
                $"the file's new trunk was not applied:\n{Tail(daemon)}");
            var carrier = await GetJsonAsync(daemon, "/api/admin/trunks/carrier");
            Assert.Equal("file", carrier.GetProperty("source").GetString());
            Assert.Equal("direct", carrier.GetProperty("dids").GetProperty("200").GetString());

            // The API takes DID 100 over; the file's next change to it is left alone, its other changes apply.
            using (var put = await SendAsync(daemon, HttpMethod.Put, "/api/admin/dids/100", new { flow = "direct" }))
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            await EditAsync(daemon, c =>
            {
                c["Trunks"]![0]!["Dids"]!["100"] = "main";
                c["Trunks"]![1]!["Dids"] = JsonNode.Parse("""{ "201": "main" }""");
            });
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await WaitForAsync(async () => (await GetJsonAsync(daemon, "/api/admin/dids")).EnumerateArray()
                .Any(d => d.GetProperty("did").GetString() == "201")), $"the file's DID change was not applied:\n{Tail(daemon)}");
            var after = (await GetJsonAsync(daemon, "/api/admin/dids")).EnumerateArray()
                .ToDictionary(d => d.GetProperty("did").GetString()!, d => (Flow: d.GetProperty("flow").GetString(), Source: d.GetProperty("source").GetString()));
            Assert.Equal(("direct", "api"), after["100"]);
            Assert.Equal(("main", "file"), after["201"]);
            Assert.False(after.ContainsKey("200"));

            // A reload that would route a number to an unknown flow is refused naming the key; the running trunks stay.
            await EditAsync(daemon, c => c["Trunks"]![1]!["Dids"] = JsonNode.Parse("""{ "201": "nowhere" }"""));
            await daemon.Process.SignalAsync("HUP");
            Assert.True(await OutputContainsAsync(daemon, "reload refused", 1), $"the bad file was not refused:\n{Tail(daemon)}");
            Assert.Contains("Trunks:1:Dids:201", daemon.Process.StandardOutput);
            Assert.Contains((await GetJsonAsync(daemon, "/api/admin/dids")).EnumerateArray(), d => d.GetProperty("did").GetString() == "201"
                && d.GetProperty("flow").GetString() == "main");
            Assert.False(daemon.Process.HasExited);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    /// <summary>A PBX caller on DID 100 sending from <paramref name="address"/> (any 127/8 address reaches the daemon on 127.0.0.1).</summary>
    private static ExternalProcess StartCallerFrom(VoiceRig rig, string address, string name, int talkMs) =>
        ExternalProcess.Start("/usr/bin/sipp",
        [
            $"127.0.0.1:{I(rig.Daemon.Listeners.Sip)}", "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "voice_caller.xml"),
            "-i", address, "-p", I(FreePorts.TcpAndUdp()), "-mp", I(FreePorts.UdpPair()), "-m", "1", "-nostdin", "-d", I(talkMs),
            "-timeout", "60s", "-timeout_error", "-key", "caller", "+15550100", "-key", "rtp_port", I(FreePorts.UdpPair()), "-key", "digit", "2",
            "-trace_msg", "-message_file", rig.MessageLog(name),
        ]);

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Tail(DaemonUnderTest daemon) => daemon.Process.StandardOutput[^Math.Min(4000, daemon.Process.StandardOutput.Length)..];

    private static async Task EditAsync(DaemonUnderTest daemon, Action<JsonNode> edit)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(daemon.ConfigPath))!;
        edit(config);
        await File.WriteAllTextAsync(daemon.ConfigPath, config.ToJsonString());
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

    private static Task<bool> OutputContainsAsync(DaemonUnderTest daemon, string text, int times) =>
        WaitForAsync(() => Task.FromResult(Count(daemon.Process.StandardOutput, text) >= times));

    private static int Count(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
