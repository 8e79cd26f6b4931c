using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 16 acceptance, sessions: a sipp caller that never ACKs is cleaned up and the agent is free again. The rig is
/// VoiceDaemonTests': the caller presses 2 (RFC 4733 from the test's RTP socket), bob's sipp phone answers with
/// -rtp_echo; the caller's scenario never sends the ACK, so after 64*T1 (32 s with the default T1 of 500 ms) the
/// gateway must BYE both legs. Then the next caller reaches bob: the core freed him (wrap-up 0 here) and the
/// gateway freed the ports.
/// </summary>
public sealed class SessionHygieneDaemonTests
{
    private const byte Voice = 0x55;

    [SkippableFact]
    public async Task A_caller_that_never_ACKs_is_hung_up_on_both_legs_and_the_agent_takes_the_next_call()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync(new Dictionary<string, string?> { ["CCGW__Routing__WrapUpSeconds"] = "0" });
        await call.SetReadyAsync("bob");
        await using (var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml"))
        {
            await using var rtp = new VoiceRtpEndpoint();
            await using var caller = call.StartCaller(rtp.Port, "voice_caller_no_ack.xml", talkMs: 1_000);
            await BridgeToBobAsync(call, rtp, TimeSpan.FromSeconds(28));

            // No ACK: the gateway gives up after 64*T1 and sends BYE to the caller (which ends its scenario) and to bob.
            Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"the caller that never ACKed was never hung up\n{call.DaemonLog}");
            Assert.True(caller.ExitCode == 0, $"caller sipp failed ({caller.ExitCode}):\n{Tail(caller.StandardOutput)}");
            Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the BYE\n{call.DaemonLog}");
            Assert.True(bob.Process.ExitCode == 0, $"bob's sipp failed ({bob.Process.ExitCode}):\n{Tail(bob.Process.StandardOutput)}");
            Assert.True(await call.Daemon.MetricBecomesAsync("ccgw_voice_active_calls 0", TimeSpan.FromSeconds(15)), "the call is still counted as active");
            // The reason is the ACK timeout, not a BYE or the RTP timeout: the daemon's log says so (event 16600, then 504).
            Assert.Contains("never ACKed our 200 OK", call.Daemon.Process.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("ended (NoAck) in phase Connected", call.Daemon.Process.StandardOutput, StringComparison.Ordinal);
        }

        // Bob is free again: the next caller (who does ACK) reaches his phone and is bridged.
        await using var bobAgain = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var rtp2 = new VoiceRtpEndpoint();
        await using var next = call.StartCaller(rtp2.Port, "voice_caller.xml", talkMs: 12_000);
        await BridgeToBobAsync(call, rtp2, TimeSpan.FromSeconds(40));
        Assert.True(await next.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the next caller's sipp did not finish");
        Assert.Equal(0, next.ExitCode);
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
