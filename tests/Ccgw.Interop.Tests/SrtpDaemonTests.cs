using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 16, SRTP towards phones: bob's <c>Agents[].Srtp</c> is <c>required</c>. A baresip phone with SDES-SRTP
/// mandatory is bridged and media flows both ways; a plain-RTP phone is refused and hung up.
/// </summary>
public sealed class SrtpDaemonTests
{
    private static readonly Dictionary<string, string?> BobRequiresSrtp = new()
    {
        ["CCGW__Sip__DigestAlgorithms__0"] = "MD5", // baresip 1.0 gives up on an algorithm it does not know (see VoiceDaemonTests)
        ["CCGW__Agents__1__Srtp"] = "required",
    };

    [SkippableFact]
    public async Task A_baresip_phone_with_mandatory_srtp_is_bridged_and_media_flows_both_ways()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        Skip.IfNot(File.Exists("/usr/lib/baresip/modules/srtp.so"), "baresip's srtp module is not installed");
        await using var call = await VoiceRig.StartAsync(BobRequiresSrtp);
        await using var bob = await call.StartBaresipAsync("bob", "demo-bob", srtpMandatory: true);
        await call.SetReadyAsync("bob");

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 20_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        var established = false;
        while (!established && !deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(0x55, 10, ssrc: 0x4321), gateway, CancellationToken.None);
            established = bob.StandardOutput.Contains("Call established", StringComparison.Ordinal);
        }
        Assert.True(established, $"baresip never answered\n{bob.StandardOutput[^Math.Min(3000, bob.StandardOutput.Length)..]}\n{call.DaemonLog}");
        // baresip's srtp module says so once it has keyed the stream from our offer and its own answer.
        Assert.Contains("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)", bob.StandardOutput, StringComparison.Ordinal);
        // baresip's sine reaches the caller only if the gateway authenticated and decrypted its SRTP: with Srtp
        // required an unauthenticated packet is dropped before the relay.
        var before = rtp.Packets.Count;
        await rtp.SendPacedAsync(rtp.Tone(0x55, 150, ssrc: 0x4321), gateway, CancellationToken.None);
        Assert.True(rtp.Packets.Count - before >= 75, $"no audio from baresip reached the caller\n{call.DaemonLog}");
        Assert.DoesNotContain("was refused", call.DaemonOutput, StringComparison.Ordinal);

        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the caller's sipp did not finish");
        Assert.Equal(0, caller.ExitCode);
        using var end = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!bob.StandardOutput.Contains("terminated", StringComparison.Ordinal) && !end.IsCancellationRequested) await Task.Delay(100);
        Assert.Contains("terminated", bob.StandardOutput);
        // baresip with srtp-mand drops what it cannot authenticate; it saw our (the caller's) audio arrive.
        Assert.True(bob.StandardOutput.Contains("incoming rtp for 'audio' established", StringComparison.Ordinal),
            $"baresip never received our audio\n{bob.StandardOutput[^Math.Min(3000, bob.StandardOutput.Length)..]}");
    }

    [SkippableFact]
    public async Task A_plain_rtp_phone_is_refused_and_hung_up_when_srtp_is_required()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync(BobRequiresSrtp);
        await call.SetReadyAsync("bob");
        // bob's sipp answers every offer with plain RTP/AVP and no a=crypto.
        await using var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 20_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the gateway's BYE\n{call.DaemonLog}");
        Assert.True(bob.Process.ExitCode == 0, $"bob's sipp failed ({bob.Process.ExitCode}):\n{bob.Process.StandardOutput[^Math.Min(3000, bob.Process.StandardOutput.Length)..]}");
        Assert.Contains("SRTP required but the answer has no usable a=crypto", call.DaemonOutput, StringComparison.Ordinal);
    }
}
