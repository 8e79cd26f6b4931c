using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20 acceptance against the running daemon: provisioning at run time with ccgwctl and the admin API while calls
/// are up (sipp plays the PBX and the agents' phones, as in <see cref="VoiceDaemonTests"/>), and the store winning over
/// the file after a restart.
/// </summary>
public sealed class ProvisioningDaemonTests
{
    private const string Token = "demo-admin-token-change-me";

    private static string Actor => "admin-token:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token)))[..8];

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

    [SkippableFact]
    public async Task An_agent_added_with_ccgwctl_during_a_bridged_call_registers_her_phone_and_takes_the_next_call()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var rig = await VoiceRig.StartAsync();
        await rig.SetReadyAsync("bob");
        await using var bob = await rig.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");

        // Call 1: billing, bridged to bob; audio crosses the bridge (bob's phone echoes it).
        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = rig.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 40_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        Assert.True(await EchoedAsync(rtp, gateway, 0x55, deadline.Token), $"call 1 never bridged to bob\n{rig.DaemonLog}");

        // Provisioning while bob talks: dave is added, and bob cannot be removed (he holds the call).
        await using (var add = await Ctl(rig.Daemon, "agent", "add", "dave", "--name", "Dave Day", "--password", "demo-dave-1",
                         "--skill", "billing=5", "--capacity", "voice=1,im=1,callback=1"))
        {
            Assert.True(add.ExitCode == 0, $"ccgwctl agent add failed:\n{add.StandardOutput}\n{add.StandardError}");
            Assert.Contains("\"dave\"", add.StandardOutput);
            Assert.DoesNotContain("demo-dave-1", add.StandardOutput);
        }
        await using (var remove = await Ctl(rig.Daemon, "agent", "remove", "bob"))
        {
            Assert.Equal(1, remove.ExitCode);
            Assert.Contains("409", remove.StandardError);
            Assert.Contains("holds", remove.StandardError);
        }
        Assert.False(caller.HasExited, $"call 1 ended when dave was added:\n{caller.StandardOutput}");
        Assert.True(await EchoedAsync(rtp, gateway, 0x66, deadline.Token), $"call 1's audio stopped after the change\n{rig.DaemonLog}");

        // Dave's phone registers with digest on her new password, she goes ready and takes call 2 (bob is busy).
        await rig.SetReadyAsync("dave");
        await using var dave = await rig.StartAgentPhoneAsync("dave", "demo-dave-1", "voice_agent_answers.xml");
        await using var rtp2 = new VoiceRtpEndpoint();
        await using var caller2 = rig.StartCaller(rtp2.Port, "voice_caller.xml", talkMs: 15_000, sipPort: FreePorts.TcpAndUdp(), name: "caller2");
        var gateway2 = await rtp2.GatewayAsync(TimeSpan.FromSeconds(15));
        await rtp2.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway2, deadline.Token);
        Assert.True(await dave.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"dave's phone never got call 2 and its BYE\n{rig.DaemonLog}");
        Assert.True(dave.Process.ExitCode == 0, $"dave's sipp failed ({dave.Process.ExitCode}):\n{dave.Process.StandardOutput[^Math.Min(3000, dave.Process.StandardOutput.Length)..]}");
        Assert.True(await caller2.WaitForExitAsync(TimeSpan.FromSeconds(30)) && caller2.ExitCode == 0, $"call 2 failed:\n{caller2.StandardOutput}");

        // Call 1 was never touched: the caller hangs up on its own schedule (no BYE from us, which its scenario
        // would fail on), and bob's leg gets the BYE after it.
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "call 1's sipp did not finish");
        Assert.True(caller.ExitCode == 0, $"call 1 failed ({caller.ExitCode}):\n{caller.StandardOutput[^Math.Min(3000, caller.StandardOutput.Length)..]}");
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)) && bob.Process.ExitCode == 0, $"bob's leg failed:\n{bob.Process.StandardOutput}");

        using var audit = await SendAsync(rig.Daemon, HttpMethod.Get, "/api/admin/audit?resource=agent&id=dave");
        var entries = await audit.Content.ReadFromJsonAsync<JsonElement>();
        var created = Assert.Single(entries.EnumerateArray());
        Assert.Equal(Actor, created.GetProperty("actor").GetString());
        Assert.Equal("create", created.GetProperty("action").GetString());
        Assert.Equal(5, created.GetProperty("after").GetProperty("skills").GetProperty("billing").GetInt32());
        Assert.DoesNotContain("demo-dave-1", entries.GetRawText());
    }

    [SkippableFact]
    public async Task Changing_a_queues_skills_through_the_api_makes_the_next_offer_follow_them()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var rig = await VoiceRig.StartAsync();
        await rig.SetReadyAsync("bob");
        await rig.SetReadyAsync("alice");
        await using var bob = await rig.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var alice = await rig.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers.xml");

        // Billing asked for billing:1, where bob (billing 5) is the best agent; now it asks for sales:4, which only alice has.
        using (var patch = await SendAsync(rig.Daemon, HttpMethod.Patch, "/api/admin/queues/billing", new { skills = new Dictionary<string, int> { ["sales"] = 4 } }))
            Assert.True(patch.StatusCode == HttpStatusCode.OK, await patch.Content.ReadAsStringAsync());
        using (var show = await SendAsync(rig.Daemon, HttpMethod.Get, "/api/admin/queues/billing"))
            Assert.Equal(4, (await show.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("skills").GetProperty("sales").GetInt32());

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = rig.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 15_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        Assert.True(await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"alice's phone never got the call\n{rig.DaemonLog}");
        Assert.Equal(0, alice.Process.ExitCode);
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(30)) && caller.ExitCode == 0, $"the call failed:\n{caller.StandardOutput}");
        Assert.False(bob.Process.HasExited, "bob's phone got a call although the queue no longer asks for his skill");
        var bobLog = File.Exists(bob.MessageLog) ? await File.ReadAllTextAsync(bob.MessageLog) : "";
        Assert.DoesNotContain("INVITE sip:", bobLog);
    }

    [SkippableFact]
    public async Task A_queue_created_with_ccgwctl_takes_a_call_and_is_not_removed_while_the_call_waits_in_it()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var rig = await VoiceRig.StartAsync();

        // A first admin request warms the daemon's admin pipeline up, so ccgwctl's own 10 s timeout is its change's alone.
        using (var warm = await SendAsync(rig.Daemon, HttpMethod.Get, "/api/admin/queues/billing"))
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        // A new queue nobody staffs yet, and billing (where the IVR's key 2 leads) overflowing into it after a second.
        await using (var add = await Ctl(rig.Daemon, "queue", "add", "vip", "--skill", "vip=1", "--priority", "8", "--service-level", "15:0.9"))
        {
            Assert.True(add.ExitCode == 0, $"ccgwctl queue add failed:\n{add.StandardOutput}\n{add.StandardError}");
            Assert.Contains("\"origin\": \"api\"", add.StandardOutput);
        }
        await using (var again = await Ctl(rig.Daemon, "queue", "add", "vip", "--skill", "vip=1"))
            Assert.Contains("409", again.StandardError);
        await using (var overflow = await Ctl(rig.Daemon, "queue", "set", "billing", "--overflow", "vip:1"))
            Assert.True(overflow.ExitCode == 0, overflow.StandardError);

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = rig.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 25_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(30));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        Assert.True(await WaitingInAsync(rig.Daemon, "vip", 1, TimeSpan.FromSeconds(20)), $"the call never overflowed into vip\n{rig.DaemonLog}");

        // Billing still overflows into vip, then the call waits in it: each refusal names why, and the call stays up.
        await using (var refused = await Ctl(rig.Daemon, "queue", "remove", "vip"))
        {
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("409", refused.StandardError);
            Assert.Contains("overflows into", refused.StandardError);
            Assert.Contains("billing", refused.StandardError);
        }
        using (var patch = await SendAsync(rig.Daemon, HttpMethod.Patch, "/api/admin/queues/billing", new { removeOverflow = true }))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        using (var refused = await SendAsync(rig.Daemon, HttpMethod.Delete, "/api/admin/queues/vip"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("1 interaction(s) wait in queue 'vip'", problem.GetProperty("detail").GetString());
        }
        using (var fileQueue = await SendAsync(rig.Daemon, HttpMethod.Delete, "/api/admin/queues/sales"))
            Assert.Equal(HttpStatusCode.Conflict, fileQueue.StatusCode);
        Assert.False(caller.HasExited, $"the waiting call ended:\n{caller.StandardOutput}");

        // The queue routes like any other: asked for billing skills, it offers the call to bob, whose phone answers.
        await using var bob = await rig.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await rig.SetReadyAsync("bob");
        using (var patch = await SendAsync(rig.Daemon, HttpMethod.Patch, "/api/admin/queues/vip", new { skills = new Dictionary<string, int> { ["billing"] = 1 } }))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"bob's phone never got the call from vip\n{rig.DaemonLog}");
        Assert.True(bob.Process.ExitCode == 0, $"bob's leg failed:\n{bob.Process.StandardOutput}");
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(30)) && caller.ExitCode == 0, $"the call failed:\n{caller.StandardOutput}");

        // Once the call's wrap-up is over nothing is left in the queue, and it goes.
        var removedAt = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HttpStatusCode status;
        do
        {
            using var remove = await SendAsync(rig.Daemon, HttpMethod.Delete, "/api/admin/queues/vip");
            status = remove.StatusCode;
            if (status == HttpStatusCode.Conflict) await Task.Delay(500);
        }
        while (status == HttpStatusCode.Conflict && DateTime.UtcNow < removedAt);
        Assert.Equal(HttpStatusCode.NoContent, status);
        using (var gone = await SendAsync(rig.Daemon, HttpMethod.Get, "/api/admin/queues/vip"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var audit = await SendAsync(rig.Daemon, HttpMethod.Get, "/api/admin/audit?resource=queue&id=vip");
        var actions = (await audit.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["delete", "update", "create"], actions);
    }

    private static async Task<bool> WaitingInAsync(DaemonUnderTest daemon, string queue, int waiting, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            using var response = await SendAsync(daemon, HttpMethod.Get, "/api/admin/queues");
            var queues = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (queues.EnumerateArray().Any(q => q.GetProperty("queue").GetString() == queue && q.GetProperty("waiting").GetInt32() == waiting)) return true;
            await Task.Delay(200);
        }
        return false;
    }

    [Fact]
    public async Task Provisioned_people_persist_and_the_store_wins_over_the_file_after_a_restart()
    {
        var root = DaemonUnderTest.NewRoot();
        try
        {
            await using (var daemon = await DaemonUnderTest.StartAsync(reuseRoot: root))
            {
                using var created = await SendAsync(daemon, HttpMethod.Post, "/api/admin/agents",
                    new { id = "erin", name = "Erin", password = "demo-erin-1", skills = new Dictionary<string, int> { ["sales"] = 4 }, capacity = new { voice = 1, im = 2 } });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                var body = await created.Content.ReadAsStringAsync();
                Assert.DoesNotContain("demo-erin-1", body);
                Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
                using var removed = await SendAsync(daemon, HttpMethod.Delete, "/api/admin/agents/bob");
                Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
                using var again = await SendAsync(daemon, HttpMethod.Post, "/api/admin/agents", new { id = "erin", password = "demo-erin-2" });
                Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
                using var invalid = await SendAsync(daemon, HttpMethod.Post, "/api/admin/agents", new { id = "fred", password = "short" });
                Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
                Assert.Contains("password", await invalid.Content.ReadAsStringAsync());
                await daemon.Process.SignalAsync("TERM");
                Assert.True(await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }

            // The file still names bob and not erin: the store wins.
            await using var restarted = await DaemonUnderTest.StartAsync(reuseRoot: root);
            using var agents = await SendAsync(restarted, HttpMethod.Get, "/api/admin/agents");
            var list = await agents.Content.ReadFromJsonAsync<JsonElement>();
            var ids = list.EnumerateArray().Select(a => a.GetProperty("agentId").GetString()).ToList();
            Assert.Equal(["alice", "erin"], ids);
            var erin = list.EnumerateArray().Single(a => a.GetProperty("agentId").GetString() == "erin");
            Assert.Equal("Erin", erin.GetProperty("name").GetString());
            Assert.Equal(2, erin.GetProperty("capacity").GetProperty("im").GetInt32());
            Assert.Contains("loaded from storage", restarted.Process.StandardOutput);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Sends a tone of <paramref name="marker"/> until it comes back through the agent's echoing phone.</summary>
    private static async Task<bool> EchoedAsync(VoiceRtpEndpoint rtp, IPEndPoint gateway, byte marker, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1234), gateway, CancellationToken.None);
            if (rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker))) return true;
        }
        return false;
    }
}
