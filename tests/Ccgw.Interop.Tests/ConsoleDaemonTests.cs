using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;
using Microsoft.Playwright;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 19 acceptance: the agent and supervisor consoles in Debian's Chromium against the real daemon, with sipp as
/// the PBX's callers and as alice's phone, every command going over MQTT through the broker's ACL and the gateway.
/// </summary>
public sealed class ConsoleDaemonTests
{
    private static bool Ready => File.Exists(ConsoleBrowser.Chromium) && File.Exists("/usr/bin/sipp");

    [SkippableFact]
    public async Task Alice_takes_a_call_in_the_console_hangs_up_and_ends_her_wrap_up()
    {
        Skip.IfNot(Ready, "chromium and sipp (Debian packages chromium, sip-tester) are needed");
        await using var call = await VoiceRig.StartAsync();
        await using var phone = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers_late.xml");
        await using var browser = await ConsoleBrowser.StartAsync();
        var alice = await browser.SignInAsync(call.Daemon.Listeners.Http, "alice", "demo-alice", "/console");
        Assert.DoesNotContain("demo-alice", await alice.ContentAsync(), StringComparison.Ordinal);

        await alice.ClickAsync("#go-ready");
        await Expect(alice.Locator("#state"), "Ready");
        var violations = await ConsoleBrowser.SeriousViolationsAsync(alice);
        Assert.True(violations.Count == 0, string.Join('\n', violations));

        // carol (+15550100) dials DID 100 and presses 1 for sales.
        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 60_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_1.pcap"), gateway, deadline.Token);

        var offer = alice.Locator(".offer");
        await offer.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("Carol Clark", await offer.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("sales", await offer.InnerTextAsync(), StringComparison.Ordinal);
        violations = await ConsoleBrowser.SeriousViolationsAsync(alice);
        Assert.True(violations.Count == 0, string.Join('\n', violations));
        await ConsoleBrowser.ScreenshotForDocsAsync(alice, "console-offer");
        await offer.Locator("button.accept").ClickAsync();
        // The presence is busy from the offer on; the accept moves carol's record from Offers to the work panel.
        await Expect(alice.Locator("#work"), "Carol Clark");
        await Expect(alice.Locator("#state"), "Busy");

        // Her phone rang (it answers after five seconds) and is bridged: the caller's audio comes back through it.
        const byte marker = 0x5A;
        var echoed = false;
        while (!echoed && !deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1919), gateway, CancellationToken.None);
            echoed = rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker));
        }
        Assert.True(echoed, $"the caller's audio never came back through alice's phone\n{Tail(phone.MessageLog)}\n{Lines(call.Daemon.Process.StandardOutput, "Voice")}");

        // She hangs up from the console: the gateway's BYE ends her phone's call; wrap-up counts down; she ends it.
        await alice.ClickAsync("#hang-up");
        Assert.True(await phone.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone never got the BYE\n{call.DaemonLog}");
        Assert.True(phone.Process.ExitCode == 0, $"alice's sipp failed ({phone.Process.ExitCode})");
        await Expect(alice.Locator("#state"), "Wrap-up");
        var left1 = await alice.Locator("#wrap-up-left").InnerTextAsync();
        await alice.WaitForFunctionAsync($"() => document.getElementById('wrap-up-left').textContent !== {JsonSerializer.Serialize(left1)}");
        Assert.EndsWith("left", await alice.Locator("#wrap-up-left").InnerTextAsync(), StringComparison.Ordinal);
        await alice.ClickAsync("#wrap-up-done");
        await Expect(alice.Locator("#state"), "Ready");
        Assert.Equal("1", await alice.Locator("#figures dd:nth-of-type(5)").InnerTextAsync());
    }

    [SkippableFact]
    public async Task Alice_puts_the_caller_on_hold_from_the_console_her_phone_gets_sendonly_and_resume_bridges_again()
    {
        Skip.IfNot(Ready, "chromium and sipp (Debian packages chromium, sip-tester) are needed");
        await using var call = await VoiceRig.StartAsync();
        await using var phone = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_held.xml");
        await using var browser = await ConsoleBrowser.StartAsync();
        var alice = await browser.SignInAsync(call.Daemon.Listeners.Http, "alice", "demo-alice", "/console");
        await alice.ClickAsync("#go-ready");
        await Expect(alice.Locator("#state"), "Ready");

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 60_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_1.pcap"), gateway, deadline.Token);
        var offer = alice.Locator(".offer");
        await offer.WaitForAsync(new() { Timeout = 30_000 });
        await offer.Locator("button.accept").ClickAsync();
        await Expect(alice.Locator("#work"), "Carol Clark");
        Assert.True(await EchoesAsync(rtp, gateway, 0x5A, deadline.Token), $"not bridged to alice's phone\n{Tail(phone.MessageLog)}");

        // Hold from the console (the keyboard, as an agent without a mouse would): the page shows it, alice's phone gets
        // a re-INVITE offering a=sendonly (her sipp fails the call otherwise) and the caller's audio no longer reaches her.
        await alice.FocusAsync("#hold");
        await alice.Keyboard.PressAsync("Enter");
        await alice.Locator("#resume").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 30_000 });
        await Assertions.Expect(alice.Locator("#hold-state")).ToBeVisibleAsync();
        await Expect(alice.Locator("#hold-state"), "On hold");
        Assert.True(await alice.Locator("#hold").IsHiddenAsync());
        Assert.Equal("resume", await alice.EvaluateAsync<string>("() => document.activeElement?.id"));
        await WaitForAsync(() => Log(phone.MessageLog).Contains("a=sendonly", StringComparison.Ordinal), deadline.Token);
        await WaitForAsync(() => CountOf(Log(phone.MessageLog), "a=recvonly") >= 1 && CountOf(Log(phone.MessageLog), "ACK sip:") >= 2, deadline.Token);
        var heardBefore = rtp.Packets.Count;
        Assert.False(await EchoesAsync(rtp, gateway, 0x3C, CancellationToken.None, attempts: 8), "the caller's audio still reached alice's phone on hold");
        // Meanwhile the caller hears the music on hold (the demo's "hold" prompt, 50 packets a second).
        Assert.True(rtp.Packets.Count > heardBefore + 50, $"the caller got {rtp.Packets.Count - heardBefore} RTP packets on hold");
        var violations = await ConsoleBrowser.SeriousViolationsAsync(alice);
        Assert.True(violations.Count == 0, string.Join('\n', violations));
        await ConsoleBrowser.ScreenshotForDocsAsync(alice, "console-held");

        // Resume: a=sendrecv, and the caller's audio comes back through her phone again.
        await alice.ClickAsync("#resume");
        await alice.Locator("#hold-state").WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = 30_000 });
        await WaitForAsync(() => Log(phone.MessageLog).Contains("a=sendrecv", StringComparison.Ordinal) && CountOf(Log(phone.MessageLog), "ACK sip:") >= 3, deadline.Token);
        Assert.True(await EchoesAsync(rtp, gateway, 0x6B, deadline.Token), $"not bridged again after resume\n{Tail(phone.MessageLog)}");

        await alice.ClickAsync("#hang-up");
        Assert.True(await phone.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone never got the BYE\n{call.DaemonLog}");
        Assert.True(phone.Process.ExitCode == 0, $"alice's sipp failed ({phone.Process.ExitCode}):\n{Tail(phone.MessageLog)}\n{phone.Process.StandardOutput}");
        await Expect(alice.Locator("#state"), "Wrap-up");
    }

    /// <summary>Sends tones marked <paramref name="marker"/> until one comes back through alice's echoing phone (or the attempts run out).</summary>
    private static async Task<bool> EchoesAsync(VoiceRtpEndpoint rtp, System.Net.IPEndPoint gateway, byte marker, CancellationToken cancellationToken, int attempts = int.MaxValue)
    {
        for (var i = 0; i < attempts && !cancellationToken.IsCancellationRequested; i++)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1919), gateway, CancellationToken.None);
            if (rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker))) return true;
        }
        return false;
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Delay(50, cancellationToken);
        }
    }

    private static string Log(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    [SkippableFact]
    public async Task The_supervisor_sees_waiting_calls_reorders_them_and_forces_bob_not_ready()
    {
        Skip.IfNot(Ready, "chromium and sipp (Debian packages chromium, sip-tester) are needed");
        await using var call = await VoiceRig.StartAsync();
        await using var phone = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_no_answer.xml");
        await using var browser = await ConsoleBrowser.StartAsync();
        var sup = await browser.SignInAsync(call.Daemon.Listeners.Http, "sup", "demo-sup", "/supervisor");
        var bob = await browser.SignInAsync(call.Daemon.Listeners.Http, "bob", "demo-bob", "/console");
        var violations = await ConsoleBrowser.SeriousViolationsAsync(sup);
        Assert.True(violations.Count == 0, string.Join('\n', violations));

        // An agent cannot use the supervisor console's API.
        Assert.Equal(403, (await bob.APIRequest.GetAsync("/supervisor/api/interactions")).Status);

        // Two callers press 1 for sales while nobody serving sales is ready.
        await using var rtp1 = new VoiceRtpEndpoint();
        await using var first = call.StartCaller(rtp1.Port, "voice_caller.xml", talkMs: 60_000, sipPort: FreePorts.TcpAndUdp(), number: "+15550100", name: "first");
        var ids = new List<string>();
        ids.Add(await QueueAsync(call, sup, rtp1, 1));
        await using var rtp2 = new VoiceRtpEndpoint();
        await using var second = call.StartCaller(rtp2.Port, "voice_caller.xml", talkMs: 60_000, sipPort: FreePorts.TcpAndUdp(), number: "+15550177", name: "second");
        ids.Add(await QueueAsync(call, sup, rtp2, 2));

        // Re-prioritise the second ahead of the first: the live order follows, then the next offer does.
        var row = sup.Locator($"#live tr[data-interaction='{ids[1]}']");
        await row.Locator("input.priority-input").FillAsync("10");
        await row.Locator("button.set-priority").ClickAsync();
        await sup.WaitForFunctionAsync($"() => document.querySelector('#live tbody tr')?.dataset.interaction === '{ids[1]}'");
        using (var ready = new HttpRequestMessage(HttpMethod.Put, "/api/admin/agents/alice/state") { Content = JsonContent.Create(new { state = "ready" }) })
        {
            ready.Headers.Authorization = new("Bearer", "demo-admin-token-change-me");
            (await call.Daemon.Http.SendAsync(ready)).EnsureSuccessStatusCode();
        }
        await sup.WaitForFunctionAsync($"() => document.querySelector(\"#live tr[data-interaction='{ids[1]}']\")?.dataset.state === 'offered'");
        Assert.Equal("queued", await sup.Locator($"#live tr[data-interaction='{ids[0]}']").GetAttributeAsync("data-state"));
        await ConsoleBrowser.ScreenshotForDocsAsync(sup, "supervisor");

        // A bad priority is refused by the gateway and the refusal is shown in the page.
        var waiting = sup.Locator($"#live tr[data-interaction='{ids[0]}']");
        await waiting.Locator("input.priority-input").FillAsync("500");
        await waiting.Locator("button.set-priority").ClickAsync();
        await Expect(sup.Locator("#errors"), "invalidCommand");

        // Forcing bob not ready is seen on bob's console.
        await bob.ClickAsync("#go-ready");
        await Expect(bob.Locator("#state"), "Ready");
        await sup.Locator("tr[data-agent='bob'] button.force-not-ready").ClickAsync();
        await Expect(bob.Locator("#state"), "Not ready (supervisor)");
    }

    [SkippableFact]
    public async Task After_kill_9_and_a_restart_the_consoles_show_offline_then_reconnect_by_themselves()
    {
        Skip.IfNot(File.Exists(ConsoleBrowser.Chromium), "chromium is not installed");
        var root = DaemonUnderTest.NewRoot();
        var first = await DaemonUnderTest.StartAsync(reuseRoot: root);
        var port = first.Listeners.Http;
        DaemonUnderTest? second = null;
        try
        {
            await using var browser = await ConsoleBrowser.StartAsync();
            var alice = await browser.SignInAsync(port, "alice", "demo-alice", "/console");
            var sup = await browser.SignInAsync(port, "sup", "demo-sup", "/supervisor");
            await alice.ClickAsync("#go-ready");
            await Expect(alice.Locator("#state"), "Ready");
            await alice.FillAsync("#notes", "customer asked about the invoice");

            await first.Process.SignalAsync("KILL");
            Assert.True(await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            await alice.WaitForSelectorAsync("#link.link-offline");
            await sup.WaitForSelectorAsync("#link.link-offline");
            Assert.Contains("Offline", await alice.Locator("#link").InnerTextAsync(), StringComparison.Ordinal);

            // Same data directory (the cookie keys) and the same HTTP port (the pages' origin).
            second = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["CCGW__Listeners__Http__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, reuseRoot: root);
            await alice.WaitForSelectorAsync("#link.link-online", new() { Timeout = 60_000 });
            await sup.WaitForSelectorAsync("#link.link-online", new() { Timeout = 60_000 });
            // The restarted core starts every agent offline; both consoles show what it says, and what alice typed is still there.
            await Expect(alice.Locator("#state"), "Offline");
            await Expect(sup.Locator("tr[data-agent='alice']"), "Offline");
            Assert.Equal("customer asked about the invoice", await alice.InputValueAsync("#notes"));
            await alice.ClickAsync("#go-ready");
            await Expect(alice.Locator("#state"), "Ready");
            await Expect(sup.Locator("tr[data-agent='alice']"), "Ready");
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Presses 1 on caller <paramref name="rtp"/>, waits for the queue to hold <paramref name="waiting"/>, and returns the new call's id as the supervisor page lists it within a second.</summary>
    private static async Task<string> QueueAsync(VoiceRig call, IPage sup, VoiceRtpEndpoint rtp, int waiting)
    {
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_1.pcap"), gateway, deadline.Token);
        while (!deadline.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/queues");
            request.Headers.Authorization = new("Bearer", "demo-admin-token-change-me");
            using var response = await call.Daemon.Http.SendAsync(request);
            var queues = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (queues.EnumerateArray().Any(q => q.GetProperty("queue").GetString() == "sales" && q.GetProperty("waiting").GetInt32() == waiting)) break;
            await Task.Delay(25);
        }
        var queuedAt = Stopwatch.GetTimestamp();
        await sup.WaitForFunctionAsync($"() => document.querySelectorAll(\"#live tr[data-state='queued']\").length === {waiting}");
        var shownAfter = Stopwatch.GetElapsedTime(queuedAt);
        Assert.True(shownAfter < TimeSpan.FromSeconds(1), $"the supervisor page showed the waiting call after {shownAfter.TotalMilliseconds:F0} ms");
        return (await sup.Locator("#live tr[data-state='queued']").Nth(waiting - 1).GetAttributeAsync("data-interaction"))!;
    }

    private static string Tail(string path) => File.Exists(path) ? File.ReadAllText(path)[^Math.Min(4000, (int)new FileInfo(path).Length)..] : "(no log)";

    private static string Lines(string log, string category) => string.Join('\n', log.Split('\n').Where(l => l.Contains(category, StringComparison.Ordinal)).TakeLast(40));

    private static Task Expect(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new() { Timeout = 30_000 });
}
