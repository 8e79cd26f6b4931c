using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 5 acceptance against the running daemon: sipp plays the PBX (caller on DID 100) and the agents' phones
/// (registered with digest, answering with -rtp_echo so audio comes back); the caller's RTP endpoint is the test's
/// own socket, which counts the prompts, replays sipp's RFC 4733 pcap and checks audio crosses the bridge.
/// </summary>
public sealed class VoiceDaemonTests
{
    private const string Customer = "+15550100"; // carol in config/customers.json
    private static readonly string Scenarios = Path.Combine(AppContext.BaseDirectory, "Scenarios");
    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_caller_chooses_billing_and_is_bridged_to_bob_with_media_both_ways(bool infoDtmf)
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync();
        await call.SetReadyAsync("bob");
        await using var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, infoDtmf ? "voice_caller_info.xml" : "voice_caller.xml", talkMs: 25_000);

        // The welcome and menu prompts: 20 ms PCMU frames. After the first half second, 101 packets carry two seconds
        // of audio by their RTP clock; they are judged by sequence and timestamp, and by wall clock only loosely,
        // because a loaded box delays our receive loop too and bunches arrivals.
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        var prompts = (await rtp.FirstPacketsAsync(25 + 101, TimeSpan.FromSeconds(15)))[25..];
        Assert.All(prompts, p => Assert.Equal(0, p.PayloadType));
        // One packet per 20 ms of audio: consecutive sequence numbers, the RTP clock 160 ahead each time. A tick the
        // scheduler missed on a loaded box skips a frame (timestamp +320, RFC 3550 §5.1); it must stay the exception.
        var steps = prompts.Zip(prompts.Skip(1)).ToArray();
        Assert.All(steps, pair =>
        {
            Assert.Equal((ushort)(pair.First.Sequence + 1), pair.Second.Sequence);
            Assert.Equal(0u, (pair.Second.Timestamp - pair.First.Timestamp) % 160);
        });
        Assert.True(steps.Count(p => p.Second.Timestamp - p.First.Timestamp == 160) >= steps.Length * 9 / 10, "prompts are not paced at 20 ms");
        // Paced in real time, not sent in a burst: the packets took about as long to arrive as the audio they carry.
        var audioSeconds = (prompts[^1].Timestamp - prompts[0].Timestamp) / 8000.0;
        var arrivalSeconds = Seconds(prompts[^1].ArrivedTicks - prompts[0].ArrivedTicks);
        Assert.InRange(arrivalSeconds, audioSeconds * 0.7, audioSeconds + 1.5);

        // "2" for billing: RFC 4733 from sipp's pcap, or SIP INFO from the caller scenario.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (!infoDtmf)
            await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        // Once bob answers, our audio goes gateway → bob's phone (echo) → gateway → us.
        const byte marker = 0x55;
        var echoed = false;
        while (!echoed && !deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(marker, 25, ssrc: 0x1234), gateway, CancellationToken.None);
            echoed = rtp.Packets.Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == marker));
        }
        Assert.True(echoed, $"the caller's audio never came back through bob's phone\n{call.DaemonLog}");

        // The caller hangs up; the gateway's BYE ends bob's leg (his sipp scenario waits for it).
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the caller's sipp did not finish");
        Assert.True(caller.ExitCode == 0, $"caller sipp failed ({caller.ExitCode}):\n{caller.StandardOutput[^Math.Min(3000, caller.StandardOutput.Length)..]}");
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "bob's phone never got the BYE");
        Assert.True(bob.Process.ExitCode == 0, $"bob's sipp failed ({bob.Process.ExitCode}):\n{bob.Process.StandardOutput[^Math.Min(3000, bob.Process.StandardOutput.Length)..]}");

        // Topology hiding (CONTRACT §4): nothing of one leg's identifiers appears in the other leg's messages.
        var callerLog = await File.ReadAllTextAsync(call.MessageLog("caller"));
        var bobLog = await File.ReadAllTextAsync(bob.MessageLog);
        var callerIds = VoiceRig.Identifiers(callerLog, call.CallerPort, rtp.Port);
        var bobIds = VoiceRig.Identifiers(bobLog, bob.SipPort, bob.MediaPort);
        Assert.NotEmpty(callerIds);
        Assert.NotEmpty(bobIds);
        foreach (var id in callerIds) Assert.DoesNotContain(id, bobLog);
        foreach (var id in bobIds) Assert.DoesNotContain(id, callerLog);
        Assert.Contains("@localhost", bobLog); // the agent sees the gateway's domain in From/To
    }

    [SkippableFact]
    public async Task An_agent_who_does_not_answer_gives_the_caller_back_and_the_next_agent_gets_it()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync(new Dictionary<string, string?> { ["CCGW__Routing__OfferTimeoutSeconds"] = "3" });
        await call.SetReadyAsync("bob");
        await using var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_no_answer.xml");
        await using var alice = await call.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers.xml");

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 20_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        // Bob's phone rings unanswered; the offer times out, the gateway CANCELs (his scenario ends on the ACK of 487).
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(40)), $"bob's phone was never cancelled\n{call.DaemonLog}");
        Assert.True(bob.Process.ExitCode == 0, $"bob's sipp failed ({bob.Process.ExitCode}):\n{bob.Process.StandardOutput[^Math.Min(3000, bob.Process.StandardOutput.Length)..]}");
        await call.SetReadyAsync("alice");

        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the caller's sipp did not finish");
        Assert.True(await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone never got the call and its BYE\n{call.DaemonLog}");
        Assert.True(alice.Process.ExitCode == 0, $"alice's sipp failed ({alice.Process.ExitCode}):\n{alice.Process.StandardOutput[^Math.Min(3000, alice.Process.StandardOutput.Length)..]}");
        Assert.Equal(0, caller.ExitCode);
    }

    [SkippableFact]
    public async Task A_baresip_phone_as_the_agent_answers_and_audio_flows_both_ways()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        Skip.IfNot(File.Exists("/usr/bin/baresip"), "baresip is not installed");
        // baresip 1.0 (libre) gives up on a challenge set holding an algorithm it does not know: offer MD5 only.
        await using var call = await VoiceRig.StartAsync(new Dictionary<string, string?> { ["CCGW__Sip__DigestAlgorithms__0"] = "MD5" });
        await using var bob = await call.StartBaresipAsync("bob", "demo-bob");
        await call.SetReadyAsync("bob");

        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 20_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        // baresip auto-answers; once it says so, we talk (a tone) for three seconds and hear its 440 Hz sine back.
        var established = false;
        while (!established && !deadline.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(0x55, 10, ssrc: 0x4321), gateway, CancellationToken.None);
            established = bob.StandardOutput.Contains("Call established", StringComparison.Ordinal);
        }
        Assert.True(established, $"baresip never answered\n{bob.StandardOutput[^Math.Min(3000, bob.StandardOutput.Length)..]}\n{call.DaemonLog}");
        var before = rtp.Packets.Count;
        await rtp.SendPacedAsync(rtp.Tone(0x55, 150, ssrc: 0x4321), gateway, CancellationToken.None);
        Assert.True(rtp.Packets.Count - before >= 75, "no audio from baresip reached the caller");

        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the caller's sipp did not finish");
        Assert.Equal(0, caller.ExitCode);
        using var end = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!bob.StandardOutput.Contains("terminated", StringComparison.Ordinal) && !end.IsCancellationRequested) await Task.Delay(100);
        Assert.Contains("terminated", bob.StandardOutput); // the gateway's BYE ended baresip's call
        // baresip logs when RTP starts arriving on its audio stream: our tone, relayed by the gateway.
        Assert.True(bob.StandardOutput.Contains("incoming rtp for 'audio' established", StringComparison.Ordinal), $"baresip never received our audio\n{bob.StandardOutput[^Math.Min(3000, bob.StandardOutput.Length)..]}");
    }

    private static double Seconds(long ticks) => ticks / (double)System.Diagnostics.Stopwatch.Frequency;
}

/// <summary>A daemon plus the sipp processes of one voice test, cleaned up together.</summary>
internal sealed class VoiceRig : IAsyncDisposable
{
    private readonly DaemonUnderTest _daemon;
    private readonly string _work;

    private VoiceRig(DaemonUnderTest daemon, string work)
    {
        _daemon = daemon;
        _work = work;
    }

    public int CallerPort { get; } = FreePorts.TcpAndUdp();

    public DaemonUnderTest Daemon => _daemon;

    /// <summary>The daemon's recent log, for failure messages.</summary>
    public string DaemonLog => _daemon.Process.StandardOutput[^Math.Min(6000, _daemon.Process.StandardOutput.Length)..];

    /// <summary>Everything the daemon has written so far (for asserting on a line that may be early).</summary>
    public string DaemonOutput => _daemon.Process.StandardOutput;

    public static async Task<VoiceRig> StartAsync(IReadOnlyDictionary<string, string?>? environment = null) =>
        new(await DaemonUnderTest.StartAsync(environment), Directory.CreateTempSubdirectory("ccgw-voice-").FullName);

    public string MessageLog(string name) => Path.Combine(_work, name + ".log");

    public async Task SetReadyAsync(string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/admin/agents/{agent}/state") { Content = JsonContent.Create(new { state = "ready" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-admin-token-change-me");
        using var response = await _daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Starts an agent's phone (a sipp UAS with -rtp_echo) and registers it with digest through a second sipp.</summary>
    public async Task<AgentPhone> StartAgentPhoneAsync(string agent, string password, string scenario)
    {
        var sip = FreePorts.TcpAndUdp();
        var media = FreePorts.UdpPair();
        var log = MessageLog(agent);
        var phone = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(Scenarios, scenario), "-i", "127.0.0.1", "-p", I(sip), "-mi", "127.0.0.1", "-mp", I(media), "-rtp_echo",
            "-m", "1", "-nostdin", "-timeout", "90s", "-timeout_error", "-trace_msg", "-message_file", log,
        ], workingDirectory: _work);
        await using var register = await ExternalProcess.RunAsync("/usr/bin/sipp",
        [
            $"127.0.0.1:{I(_daemon.Listeners.Sip)}", "-sf", Path.Combine(Scenarios, "voice_register_agent.xml"), "-i", "127.0.0.1",
            "-p", I(FreePorts.TcpAndUdp()), "-m", "1", "-nostdin", "-timeout", "15s", "-timeout_error",
            "-key", "agent", agent, "-key", "agent_port", I(sip), "-au", agent, "-ap", password,
        ], TimeSpan.FromSeconds(30), workingDirectory: _work);
        Assert.True(register.ExitCode == 0, $"{agent}'s phone did not register:\n{register.StandardOutput}\n{register.StandardError}");
        return new AgentPhone(phone, sip, media, log);
    }

    /// <summary>A phone that is not registered (the customer behind the trunk): a sipp UAS on <paramref name="port"/> taking up to <paramref name="calls"/> calls.</summary>
    /// <param name="extra">More sipp arguments (e.g. <c>-key</c> values the scenario uses).</param>
    public AgentPhone StartPhone(string name, int port, string scenario, int calls = 1, IReadOnlyList<string>? extra = null)
    {
        var media = FreePorts.UdpPair();
        var log = MessageLog(name);
        var phone = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(Scenarios, scenario), "-i", "127.0.0.1", "-p", I(port), "-mi", "127.0.0.1", "-mp", I(media), "-rtp_echo",
            "-m", I(calls), "-nostdin", "-timeout", "120s", "-timeout_error", "-trace_msg", "-message_file", log, .. extra ?? [],
        ], workingDirectory: _work);
        return new AgentPhone(phone, port, media, log);
    }

    /// <summary>baresip registered as <paramref name="agent"/> (auto-answer, a 440 Hz sine as its microphone, ALSA's null device as its speaker), ready once the registrar said 200.</summary>
    /// <param name="srtpMandatory">Load baresip's <c>srtp</c> module and set the account's <c>mediaenc=srtp-mand</c> (SDES, RTP/SAVP).</param>
    public async Task<ExternalProcess> StartBaresipAsync(string agent, string password, bool srtpMandatory = false)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_work, "baresip-" + agent)).FullName;
        var rtp = FreePorts.UdpPair();
        await File.WriteAllTextAsync(Path.Combine(dir, "config"), string.Join('\n',
            $"sip_listen 127.0.0.1:{I(FreePorts.TcpAndUdp())}", "net_interface 127.0.0.1", "sip_trans_def udp",
            "audio_player alsa,null", "audio_source ausine,440", "audio_alert aufile,/dev/null",
            "ausrc_srate 48000", "auplay_srate 48000", "ausrc_channels 2", "auplay_channels 1",
            $"rtp_ports {I(rtp)}-{I(rtp + 9)}", "module_path /usr/lib/baresip/modules",
            "module g711.so", "module ausine.so", "module aufile.so", "module alsa.so", srtpMandatory ? "module srtp.so" : "",
            "module_app account.so", "module_app menu.so", ""));
        await File.WriteAllTextAsync(Path.Combine(dir, "accounts"),
            $"<sip:{agent}@127.0.0.1:{I(_daemon.Listeners.Sip)};transport=udp>;auth_pass={password};answermode=auto;regint=300;audio_codecs=PCMU"
            + (srtpMandatory ? ";mediaenc=srtp-mand" : "") + "\n");
        var phone = ExternalProcess.Start("/usr/bin/baresip", ["-4", "-f", dir, "-t", "120"], workingDirectory: dir, redirectInput: true);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!phone.StandardOutput.Contains("200 OK", StringComparison.Ordinal) && !deadline.IsCancellationRequested) await Task.Delay(100);
        Assert.True(phone.StandardOutput.Contains("200 OK", StringComparison.Ordinal), $"baresip did not register:\n{phone.StandardOutput}\n{phone.StandardError}");
        return phone;
    }

    /// <summary>A PBX caller on DID 100 (sipp); several at once each need their own <paramref name="sipPort"/> and <paramref name="name"/>.</summary>
    /// <param name="extra">More sipp arguments, e.g. <c>-aa</c> (answer in-dialog OPTIONS/INFO/UPDATE with 200) for a caller the gateway probes.</param>
    public ExternalProcess StartCaller(int rtpPort, string scenario, int talkMs, int? sipPort = null, string number = "+15550100", string name = "caller",
        IReadOnlyList<string>? extra = null) =>
        ExternalProcess.Start("/usr/bin/sipp",
    [
        $"127.0.0.1:{I(_daemon.Listeners.Sip)}", "-sf", Path.Combine(Scenarios, scenario), "-i", "127.0.0.1", "-p", I(sipPort ?? CallerPort),
        "-mp", I(FreePorts.UdpPair()), "-m", "1", "-nostdin", "-d", I(talkMs), "-timeout", "90s", "-timeout_error",
        "-key", "caller", number, "-key", "rtp_port", I(rtpPort), "-key", "digit", "2",
        "-trace_msg", "-message_file", MessageLog(name), .. extra ?? [],
    ], workingDirectory: _work);

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Scenarios => Path.Combine(AppContext.BaseDirectory, "Scenarios");

    /// <summary>A leg's own identifiers as they appear on the wire: Call-IDs, tags, its SIP and media ports.</summary>
    public static IReadOnlyList<string> Identifiers(string log, int sipPort, int mediaPort)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal) { $"127.0.0.1:{I(sipPort)}", $"m=audio {I(mediaPort)} " };
        foreach (var line in log.Split('\n'))
        {
            var l = line.Trim();
            if (l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase)) ids.Add(l[8..].Trim());
            foreach (var part in l.Split(';'))
                if (part.StartsWith("tag=", StringComparison.Ordinal)) ids.Add(part[4..].Trim());
        }
        return [.. ids.Where(i => i.Length > 3)];
    }

    public async ValueTask DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record AgentPhone(ExternalProcess Process, int SipPort, int MediaPort, string MessageLog) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
