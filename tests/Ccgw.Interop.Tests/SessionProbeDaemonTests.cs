using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 16, sessions: a call whose peer stopped answering in-dialog. The rig is SessionHygieneDaemonTests': the caller
/// presses 2 (RFC 4733 from the test's RTP socket) and bob's sipp phone answers with -rtp_echo. The caller's sipp
/// (voice_caller_goes_quiet.xml) ACKs, then answers nothing; it offers no session timer, so the gateway probes with
/// in-dialog OPTIONS every Voice:DialogProbeSeconds (2 s here). The first unanswered probe times out after 64*T1
/// (32 s); the gateway then BYEs both legs, and the next caller reaches bob. RTP inactivity is off so that the probe
/// is the only thing that can end the call.
/// </summary>
public sealed class SessionProbeDaemonTests
{
    private const byte Voice = 0x55;

    [SkippableFact]
    public async Task A_caller_that_stops_answering_in_dialog_is_hung_up_on_both_legs_and_the_agent_takes_the_next_call()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Routing__WrapUpSeconds"] = "0",
            ["CCGW__Voice__DialogProbeSeconds"] = "2",
            ["CCGW__Voice__RtpTimeoutSeconds"] = "0",
        });
        await call.SetReadyAsync("bob");
        await using (var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml"))
        {
            await using var rtp = new VoiceRtpEndpoint();
            await using var caller = call.StartCaller(rtp.Port, "voice_caller_goes_quiet.xml", talkMs: 1_000);
            await BridgeToBobAsync(call, rtp, TimeSpan.FromSeconds(28));

            Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(75)), $"the caller that went quiet was never hung up\n{call.DaemonLog}");
            Assert.True(caller.ExitCode == 0, $"caller sipp failed ({caller.ExitCode}):\n{Tail(caller.StandardOutput)}");
            Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the BYE\n{call.DaemonLog}");
            Assert.True(bob.Process.ExitCode == 0, $"bob's sipp failed ({bob.Process.ExitCode}):\n{Tail(bob.Process.StandardOutput)}");
            Assert.True(await call.Daemon.MetricBecomesAsync("ccgw_voice_active_calls 0", TimeSpan.FromSeconds(15)), "the call is still counted as active");
            // The probe ended it (event 16421, then 504), counted under its own reason.
            Assert.Contains("no longer holds the dialog", call.Daemon.Process.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("ended (DialogGone) in phase Connected", call.Daemon.Process.StandardOutput, StringComparison.Ordinal);
            Assert.True(await call.Daemon.MetricBecomesAsync("ccgw_voice_call_ends_total{reason=\"dialogGone\"} 1", TimeSpan.FromSeconds(15)),
                "the end is not counted as dialogGone");
            // The caller's message log shows the probes it swallowed: OPTIONS inside its dialog.
            Assert.Contains("OPTIONS sip:", await File.ReadAllTextAsync(call.MessageLog("caller")), StringComparison.Ordinal);
        }

        // Bob is free again: the next caller (who answers the probes, sipp -aa, and hangs up itself) reaches his phone and
        // stays connected through several probes.
        await using var bobAgain = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var rtp2 = new VoiceRtpEndpoint();
        await using var next = call.StartCaller(rtp2.Port, "voice_caller.xml", talkMs: 12_000, name: "next", extra: ["-aa"]);
        await BridgeToBobAsync(call, rtp2, TimeSpan.FromSeconds(40));
        Assert.True(await next.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the next caller's sipp did not finish");
        Assert.True(next.ExitCode == 0, $"the next caller's sipp failed ({next.ExitCode}):\n{Tail(next.StandardOutput)}\n{call.DaemonLog}");
        Assert.Contains("OPTIONS sip:", await File.ReadAllTextAsync(call.MessageLog("next")), StringComparison.Ordinal);
        Assert.True(await bobAgain.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the next call's BYE\n{call.DaemonLog}");
        Assert.Equal(0, bobAgain.Process.ExitCode);
    }

    /// <summary>Presses 2 for billing, then talks until the tone comes back through bob's echoing phone.</summary>
    private static async Task BridgeToBobAsync(VoiceRig call, VoiceRtpEndpoint rtp, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        var echoed = false;
        while (!echoed && !deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(Voice, 25, ssrc: 0x1234), gateway, CancellationToken.None);
            echoed = rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == Voice));
        }
        Assert.True(echoed, $"the caller was never bridged to bob\n{call.DaemonLog}");
    }

    private static string Tail(string text) => text[^Math.Min(3000, text.Length)..];
}
