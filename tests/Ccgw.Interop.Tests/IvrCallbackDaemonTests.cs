using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 18 acceptance, the automated IVR call-back, against the running daemon: the topic billing names the demo flow
/// (<c>SelfHelp:TopicFlows</c>); a help request with medium <c>ivr</c> makes the dialler call the test PBX (a sipp UAS
/// behind the trunk's outbound port, answering with the test's own RTP endpoint), which receives the flow's prompts as
/// RTP and answers the menu: by SIP INFO "9" (the flow's call-back branch, then goodbye: the flow ends, the call-back is
/// done "self-served"), or by RFC 4733 "2" (billing: the flow queues, bob's phone is offered it and bridged).
/// </summary>
public sealed class IvrCallbackDaemonTests
{
    private const string Carol = "+15550100"; // carol in config/customers.json

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static async Task<VoiceRig> StartAsync(int customerPort) => await VoiceRig.StartAsync(new Dictionary<string, string?>
    {
        ["CCGW__Trunks__0__Outbound__Port"] = I(customerPort),
        ["CCGW__Trunks__0__KeepaliveSeconds"] = "0", // the OPTIONS keepalive would reach the customer's sipp
        ["CCGW__SelfHelp__TopicFlows__billing"] = "main",
    });

    [SkippableFact]
    public async Task Choosing_ivr_dials_the_pbx_plays_the_flow_and_an_info_key_that_ends_it_is_self_served()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var customerPort = FreePorts.TcpAndUdp();
        await using var rig = await StartAsync(customerPort);
        await using var rtp = new VoiceRtpEndpoint();
        await using var customer = rig.StartPhone("customer", customerPort, "ivr_callback_customer_info.xml",
            extra: ["-key", "rtp_port", I(rtp.Port), "-key", "info_digit", "9"]);

        // A topic without a flow is refused by name; billing has one.
        using (var refused = await rig.Daemon.Http.PostAsJsonAsync("/api/help-requests", new { number = Carol, topic = "sales", medium = "ivr" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("medium", out _));
        }
        var id = await PostAsync(rig, Carol, "billing");

        // No agent is ready, yet the PBX is called: the flow's welcome and menu arrive as paced PCMU.
        var prompts = await rtp.FirstPacketsAsync(100, TimeSpan.FromSeconds(30));
        Assert.All(prompts, p => Assert.Equal(0, p.PayloadType));

        // "9" by INFO: the flow's call-back branch, then goodbye; the gateway hangs up and the call-back is done, self-served.
        Assert.True(await customer.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"the customer never got the BYE\n{rig.DaemonLog}");
        Assert.True(customer.Process.ExitCode == 0, $"customer sipp failed ({customer.Process.ExitCode}):\n{Tail(customer.Process.StandardOutput)}");
        var done = await WaitForStatusAsync(rig, id, "done");
        Assert.Equal("self-served", done.GetProperty("lastOutcome").GetString());
        Assert.Equal("ivr", done.GetProperty("medium").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        var invites = SippLog.InvitesByUser(await File.ReadAllTextAsync(customer.MessageLog));
        Assert.Equal([Carol], invites.Keys);
        Assert.Single(invites[Carol]);
        Assert.Contains($"Call-back {id}: answered; running flow main (automated call-back)", rig.DaemonOutput, StringComparison.Ordinal);
        Assert.DoesNotContain($"Call-back {id}: ringing agent", rig.DaemonOutput, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_rfc4733_key_that_queues_the_flow_offers_the_call_back_to_bob_who_is_bridged_to_the_customer()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var customerPort = FreePorts.TcpAndUdp();
        await using var rig = await StartAsync(customerPort);
        await using var rtp = new VoiceRtpEndpoint();
        await using var customer = rig.StartPhone("customer", customerPort, "ivr_callback_customer.xml", extra: ["-key", "rtp_port", I(rtp.Port)]);
        await using var bob = await rig.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await rig.SetReadyAsync("bob");

        var id = await PostAsync(rig, Carol, "billing");
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(30));
        Assert.NotEmpty(await rtp.FirstPacketsAsync(50, TimeSpan.FromSeconds(30)));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        // "2": the flow queues billing; the core offers the call-back to bob, whose phone answers and is bridged.
        await WaitForStatusAsync(rig, id, "connected");
        const byte marker = 0x55;
        var echoed = false;
        while (!echoed && !deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1234), gateway, CancellationToken.None);
            echoed = rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker));
        }
        Assert.True(echoed, $"the customer's audio never came back through bob's phone\n{rig.DaemonLog}");
        Assert.Contains($"Call-back {id}: the flow queued it in billing", rig.DaemonOutput, StringComparison.Ordinal);
        Assert.Contains($"Call-back {id}: ringing agent bob", rig.DaemonOutput, StringComparison.Ordinal);

        await using (var hangup = await MqttInterop.PubAsync(rig.Daemon.Listeners.Mqtt, "4", "bob", "demo-bob",
            "-t", "ccgw/agents/bob/commands", "-q", "1", "-m", $$"""{"action":"hangup","interactionId":"{{id}}"}"""))
            Assert.Equal(0, hangup.ExitCode);
        Assert.True(await customer.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the customer never got the BYE\n{rig.DaemonLog}");
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the BYE\n{rig.DaemonLog}");
        var done = await WaitForStatusAsync(rig, id, "done");
        Assert.Equal("answered", done.GetProperty("lastOutcome").GetString());
        Assert.Equal("ivr", done.GetProperty("medium").GetString());
    }

    private static async Task<string> PostAsync(VoiceRig rig, string number, string topic)
    {
        using var response = await rig.Daemon.Http.PostAsJsonAsync("/api/help-requests", new { number, topic, medium = "ivr" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> WaitForStatusAsync(VoiceRig rig, string id, string status)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var last = default(JsonElement);
        while (!deadline.IsCancellationRequested)
        {
            last = await rig.Daemon.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{id}");
            if (last.GetProperty("status").GetString() == status) return last;
            await Task.Delay(100);
        }
        Assert.Fail($"call-back {id} never became {status}; last {last}\n{rig.DaemonLog}");
        return last;
    }

    private static string Tail(string text) => text[^Math.Min(3000, text.Length)..];
}
