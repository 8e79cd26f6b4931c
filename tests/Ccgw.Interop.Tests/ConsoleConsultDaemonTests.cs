using System.Net.Http.Json;
using Ccgw.Testing;
using Microsoft.Playwright;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 19, warm transfer with consult against the real daemon: a sipp caller is answered by alice's phone (a sipp
/// UAS registered as alice, echoing RTP); alice consults bob from her console in Debian's Chromium, so bob's phone (a
/// sipp UAS registered as bob, echoing RTP) gets an INVITE and answers. Completing sends BYE to alice's phone and
/// bridges the caller to bob (the caller's audio comes back through bob's phone); cancelling sends BYE to bob's phone
/// and the caller is bridged to alice again.
/// </summary>
public sealed class ConsoleConsultDaemonTests
{
    private static bool Ready => File.Exists(ConsoleBrowser.Chromium) && File.Exists("/usr/bin/sipp");

    [SkippableFact]
    public async Task Alice_consults_bob_and_completes_the_transfer_her_phone_gets_bye_and_the_caller_talks_to_bob()
    {
        Skip.IfNot(Ready, "chromium and sipp (Debian packages chromium, sip-tester) are needed");
        await using var call = await VoiceRig.StartAsync();
        await using var alicePhone = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers_late.xml");
        await using var bobPhone = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var browser = await ConsoleBrowser.StartAsync();
        var (alice, rtp, gateway, caller) = await ConnectedToAliceAsync(call, browser);
        await using var _ = rtp;
        await using var __ = caller;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Assert.True(await EchoesAsync(rtp, gateway, 0x5A, deadline.Token), $"not bridged to alice's phone\n{Tail(alicePhone.MessageLog)}");
        await SetReadyAsync(call, "bob");

        await ConsultBobAsync(alice, bobPhone, deadline.Token);
        var violations = await ConsoleBrowser.SeriousViolationsAsync(alice);
        Assert.True(violations.Count == 0, string.Join('\n', violations));

        // Complete (by keyboard): alice's phone gets BYE (her sipp ends cleanly), she wraps up, the caller talks to bob.
        await alice.FocusAsync("#complete-transfer");
        await alice.Keyboard.PressAsync("Enter");
        Assert.True(await alicePhone.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone never got the BYE\n{call.DaemonLog}");
        Assert.True(alicePhone.Process.ExitCode == 0, $"alice's sipp failed ({alicePhone.Process.ExitCode}):\n{Tail(alicePhone.MessageLog)}");
        await Expect(alice.Locator("#state"), "Wrap-up");
        Assert.True(await EchoesAsync(rtp, gateway, 0x6B, deadline.Token), $"the caller's audio never came back through bob's phone\n{Tail(bobPhone.MessageLog)}\n{call.DaemonLog}");
        Assert.False(bobPhone.Process.HasExited, "bob's phone must keep the call");
    }

    [SkippableFact]
    public async Task Alice_consults_bob_and_cancels_bobs_phone_gets_bye_and_alice_keeps_the_caller()
    {
        Skip.IfNot(Ready, "chromium and sipp (Debian packages chromium, sip-tester) are needed");
        await using var call = await VoiceRig.StartAsync();
        await using var alicePhone = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers_late.xml");
        await using var bobPhone = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var browser = await ConsoleBrowser.StartAsync();
        var (alice, rtp, gateway, caller) = await ConnectedToAliceAsync(call, browser);
        await using var _ = rtp;
        await using var __ = caller;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Assert.True(await EchoesAsync(rtp, gateway, 0x5A, deadline.Token), $"not bridged to alice's phone\n{Tail(alicePhone.MessageLog)}");
        await SetReadyAsync(call, "bob");

        await ConsultBobAsync(alice, bobPhone, deadline.Token);
        await alice.ClickAsync("#cancel-consult");
        Assert.True(await bobPhone.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the BYE\n{call.DaemonLog}");
        Assert.True(bobPhone.Process.ExitCode == 0, $"bob's sipp failed ({bobPhone.Process.ExitCode}):\n{Tail(bobPhone.MessageLog)}");
        await alice.Locator("#consult-state").WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = 30_000 });
        await Assertions.Expect(alice.Locator("#hold")).ToBeVisibleAsync();
        Assert.True(await EchoesAsync(rtp, gateway, 0x6B, deadline.Token), $"the caller is not back with alice\n{Tail(alicePhone.MessageLog)}\n{call.DaemonLog}");
        Assert.False(alicePhone.Process.HasExited, "alice's phone must keep the call");
        await Expect(alice.Locator("#state"), "Busy");
    }

    /// <summary>alice signs in and goes ready; carol dials DID 100 and presses 1; alice accepts in the console.</summary>
    private static async Task<(IPage Alice, VoiceRtpEndpoint Rtp, System.Net.IPEndPoint Gateway, IAsyncDisposable Caller)> ConnectedToAliceAsync(VoiceRig call, ConsoleBrowser browser)
    {
        var alice = await browser.SignInAsync(call.Daemon.Listeners.Http, "alice", "demo-alice", "/console");
        await alice.ClickAsync("#go-ready");
        await Expect(alice.Locator("#state"), "Ready");
        var rtp = new VoiceRtpEndpoint();
        var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 60_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_1.pcap"), gateway, deadline.Token);
        var offer = alice.Locator(".offer");
        await offer.WaitForAsync(new() { Timeout = 30_000 });
        await offer.Locator("button.accept").ClickAsync();
        await Expect(alice.Locator("#work"), "Carol Clark");
        return (alice, rtp, gateway, caller);
    }

    /// <summary>alice names bob and presses Consult: the page shows the consult and bob's phone is rung and answers.</summary>
    private static async Task ConsultBobAsync(IPage alice, AgentPhone bobPhone, CancellationToken cancellationToken)
    {
        await alice.FillAsync("#consult-agent", "bob");
        await alice.FocusAsync("#consult");
        await alice.Keyboard.PressAsync("Enter");
        await alice.Locator("#complete-transfer").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 30_000 });
        await Expect(alice.Locator("#consult-state"), "Consulting bob");
        Assert.Equal("complete-transfer", await alice.EvaluateAsync<string>("() => document.activeElement?.id"));
        // bob's phone got the consult INVITE, answered, and the gateway ACKed it.
        while (!(Log(bobPhone.MessageLog).Contains("INVITE sip:bob", StringComparison.Ordinal) && Log(bobPhone.MessageLog).Contains("ACK sip:", StringComparison.Ordinal)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task SetReadyAsync(VoiceRig call, string agent)
    {
        using var ready = new HttpRequestMessage(HttpMethod.Put, $"/api/admin/agents/{agent}/state") { Content = JsonContent.Create(new { state = "ready" }) };
        ready.Headers.Authorization = new("Bearer", "demo-admin-token-change-me");
        (await call.Daemon.Http.SendAsync(ready)).EnsureSuccessStatusCode();
    }

    /// <summary>Sends tones marked <paramref name="marker"/> until one comes back through an echoing phone (or the deadline).</summary>
    private static async Task<bool> EchoesAsync(VoiceRtpEndpoint rtp, System.Net.IPEndPoint gateway, byte marker, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1919), gateway, CancellationToken.None);
            if (rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker))) return true;
        }
        return false;
    }

    private static string Log(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static string Tail(string path) => File.Exists(path) ? File.ReadAllText(path)[^Math.Min(4000, (int)new FileInfo(path).Length)..] : "(no log)";

    private static Task Expect(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new() { Timeout = 30_000 });
}
