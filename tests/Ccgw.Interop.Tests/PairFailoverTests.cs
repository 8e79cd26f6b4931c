using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;
using Xunit.Abstractions;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 22's acceptance, failover part, against real processes on 127.0.0.1: one PostgreSQL holds both the storage
/// (<c>Storage:Engine postgresql</c>) and the pair's lease of two daemons, each with its own ports and data directory;
/// a sipp UAS behind the trunk is the test PBX and counts the call-back INVITEs per number across both nodes. 30 help
/// requests are accepted by the active and alice registers there; kill -9 the active; the standby becomes ready, lists
/// all 30, dials each exactly once, and alice's phone (registered on the dead node) is reached by a new call through
/// the new active. The old node restarted is a standby that takes no work.
/// </summary>
public sealed class PairFailoverTests(ITestOutputHelper output)
{
    private const string Token = "demo-admin-token-change-me";
    private const int Requests = 30;
    private const int LeaseSeconds = 6;

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Number(int i) => "+1555" + (8000 + i).ToString("D6", CultureInfo.InvariantCulture);

    private static Dictionary<string, string?> NodeEnvironment(string connectionString, string passwordFile, string node, int pbxPort, int brokerPort) => new()
    {
        // Consoles stay on the site's broker (mosquitto) across the failover; each node is its own MQTT client.
        ["CCGW__Mqtt__Mode"] = "external",
        ["CCGW__Mqtt__External__Host"] = "127.0.0.1",
        ["CCGW__Mqtt__External__Port"] = I(brokerPort),
        ["CCGW__Mqtt__External__Username"] = "ccgw",
        ["CCGW__Mqtt__External__Password"] = "gateway-secret",
        ["CCGW__Mqtt__External__ClientId"] = "ccgw-" + node,
        ["CCGW__Storage__Engine"] = "postgresql",
        ["CCGW__Storage__ConnectionString"] = connectionString,
        ["CCGW__Storage__PasswordFile"] = passwordFile,
        ["CCGW__Pair__ConnectionString"] = connectionString,
        ["CCGW__Pair__NodeId"] = node,
        ["CCGW__Pair__LeaseSeconds"] = I(LeaseSeconds),
        ["CCGW__Pair__RenewSeconds"] = "1",
        // Call-backs go to the test PBX; its scenario expects only INVITEs, so no OPTIONS keep-alive.
        ["CCGW__Trunks__0__Outbound__Port"] = I(pbxPort),
        ["CCGW__Trunks__0__KeepaliveSeconds"] = "0",
        // Customer-first, one attempt: each call-back rings its number once (then busy) and is done with, so the
        // agent's phone is never rung by a call-back and every INVITE the PBX sees is one dial.
        ["CCGW__Queues__1__Callbacks__Mode"] = "customerFirst",
        ["CCGW__Queues__1__Callbacks__MaxAttempts"] = "1",
    };

    [SkippableFact]
    public async Task After_kill_9_of_the_active_the_standby_takes_over_with_every_call_back_and_registration_and_dials_each_once()
    {
        Skip.IfNot(PostgresUnderTest.IsInstalled, "PostgreSQL is not installed (apt-get install postgresql)");
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        MqttInterop.RequireClients();
        Skip.IfNot(File.Exists(MqttInterop.Broker) && File.Exists(MqttInterop.Passwd), "mosquitto is not installed (apt-get install mosquitto)");
        await using var postgres = await PostgresUnderTest.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var work = Directory.CreateTempSubdirectory("ccgw-pair-").FullName;
        var rootA = DaemonUnderTest.NewRoot();
        var rootB = DaemonUnderTest.NewRoot();
        // The key is read at start even though the test server trusts loopback connections.
        var passwordFile = Path.Combine(work, "pgpassword");
        await File.WriteAllTextAsync(passwordFile, "not-needed-under-trust\n");
        var pbxPort = FreePorts.TcpAndUdp();
        var pbxLog = Path.Combine(work, "pbx.log");
        var alicePhoneLog = Path.Combine(work, "alice.log");

        // The site's broker. mosquitto started as root drops to its own user before it reads the password file.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var brokerPort = FreePorts.Tcp();
        var passwd = Path.Combine(work, "passwd");
        await File.WriteAllTextAsync(Path.Combine(work, "mosquitto.conf"),
            $"listener {I(brokerPort)} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\npersistence false\n");
        await using (var p = await ExternalProcess.RunAsync(MqttInterop.Passwd, ["-c", "-b", passwd, "ccgw", "gateway-secret"], MqttInterop.ToolTimeout))
            Assert.Equal(0, p.ExitCode);
        await using (var p = await ExternalProcess.RunAsync(MqttInterop.Passwd, ["-b", passwd, "alice", "demo-alice"], MqttInterop.ToolTimeout))
            Assert.Equal(0, p.ExitCode);
        await using var broker = ExternalProcess.Start(MqttInterop.Broker, ["-c", Path.Combine(work, "mosquitto.conf")]);
        await WaitForPortAsync(brokerPort, broker);
        // Alice's console on the site broker: the centre status, one line per message (stdbuf: line-buffered into the pipe).
        await using var console = ExternalProcess.Start("/usr/bin/stdbuf",
            ["-oL", MqttInterop.Sub, "-h", "127.0.0.1", "-p", I(brokerPort), "-V", "mqttv311", "-u", "alice", "-P", "demo-alice", "-t", "ccgw/center/status"]);

        await using var pbx = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Scenario("callback_customer_rings_then_busy.xml"), "-i", "127.0.0.1", "-p", I(pbxPort),
            "-m", I(Requests * 3), "-nostdin", "-timeout", "180s", "-trace_msg", "-message_file", pbxLog,
        ], workingDirectory: work);
        // Alice's phone: answers one call, echoes audio, waits for the gateway's BYE.
        var aliceSip = FreePorts.TcpAndUdp();
        await using var alicePhone = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Scenario("voice_agent_answers.xml"), "-i", "127.0.0.1", "-p", I(aliceSip), "-mi", "127.0.0.1", "-mp", I(FreePorts.UdpPair()),
            "-rtp_echo", "-m", "1", "-nostdin", "-timeout", "180s", "-timeout_error", "-trace_msg", "-message_file", alicePhoneLog,
        ], workingDirectory: work);

        DaemonUnderTest? a = null, b = null, again = null;
        try
        {
            a = await DaemonUnderTest.StartAsync(NodeEnvironment(connectionString, passwordFile, "node-a", pbxPort, brokerPort), reuseRoot: rootA);
            Assert.NotNull(await ReadyWithinAsync(a, TimeSpan.FromSeconds(60)));
            b = await DaemonUnderTest.StartAsync(NodeEnvironment(connectionString, passwordFile, "node-b", pbxPort, brokerPort), reuseRoot: rootB);
            Assert.Equal(("standby", "node-a"), (Text(await StatusAsync(b), "role"), Text(await StatusAsync(b), "holder")));

            // Alice registers on the active; 30 help requests are accepted there before any agent is ready.
            await using (var register = await ExternalProcess.RunAsync("/usr/bin/sipp",
            [
                $"127.0.0.1:{I(a.Listeners.Sip)}", "-sf", Scenario("voice_register_agent.xml"), "-i", "127.0.0.1",
                "-p", I(FreePorts.TcpAndUdp()), "-m", "1", "-nostdin", "-timeout", "15s", "-timeout_error",
                "-key", "agent", "alice", "-key", "agent_port", I(aliceSip), "-au", "alice", "-ap", "demo-alice",
            ], TimeSpan.FromSeconds(30), workingDirectory: work))
                Assert.True(register.ExitCode == 0, $"alice's phone did not register:\n{register.StandardOutput}\n{register.StandardError}");
            var accepted = new List<string>();
            for (var i = 0; i < Requests; i++)
                accepted.Add(await PostAsync(a, Number(i), $"https://shop.example/p/{I(i)}"));

            // Bob (billing only; alice stays not ready, so her phone is kept for the call below) starts the dialler;
            // kill -9 once a few have rung: some done, maybe one in flight, most not yet dialled.
            await SetReadyAsync(a, "bob");
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (InvitesSoFar(pbxLog).Count < 3 && !deadline.IsCancellationRequested) await Task.Delay(20);
                Assert.False(deadline.IsCancellationRequested, $"the dialler never got going\n{Tail(a.Process.StandardOutput)}");
            }
            var killed = Stopwatch.StartNew();
            await a.Process.SignalAsync("KILL");
            Assert.True(await a.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            await a.DisposeAsync();
            a = null;
            var atKill = InvitesSoFar(pbxLog).Count;
            var takeover = await ReadyWithinAsync(b, TimeSpan.FromSeconds(LeaseSeconds + 30), killed);
            Assert.True(takeover is not null, $"the standby did not become ready after the active was killed\n{Tail(b.Process.StandardOutput)}");
            output.WriteLine($"takeover (kill -9 to /readyz 200), lease {LeaseSeconds} s, renew 1 s, storage on PostgreSQL: {takeover!.Value.TotalSeconds:0.00} s");
            Assert.Equal("active", Text(await StatusAsync(b), "role"));
            Assert.True(atKill < Requests, "the kill came after the last dial; the test proved nothing");

            // Alice's console saw the gateway online (node-a), offline (node-a's will, from the broker) and back (node-b).
            Assert.True(await ConsoleSeesAsync(console, ["online", "offline", "online"], TimeSpan.FromSeconds(20)),
                $"alice's console on the site broker did not see online, offline, online:\n{console.StandardOutput}\n{console.StandardError}");

            // Every accepted call-back is listed by the new active.
            var listed = (await CallbacksAsync(b)).Select(r => r.GetProperty("id").GetString()!).ToHashSet();
            Assert.All(accepted, id => Assert.Contains(id, listed));

            // Bob is ready on the new active (his last state, or set again): it dials the rest; each number gets exactly one INVITE.
            await SetReadyAsync(b, "bob");
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                IReadOnlyList<JsonElement> rows = [];
                while (!deadline.IsCancellationRequested)
                {
                    rows = [.. (await CallbacksAsync(b)).Where(r => accepted.Contains(r.GetProperty("id").GetString()!))];
                    if (rows.Count == Requests && rows.All(r => r.GetProperty("status").GetString() is "failed" or "interrupted" or "done")) break;
                    await Task.Delay(200);
                }
                Assert.False(deadline.IsCancellationRequested, $"not every call-back finished on the new active\n{Tail(b.Process.StandardOutput)}");
                output.WriteLine($"dialled before the kill: {atKill}; after takeover: {string.Join(", ", rows.GroupBy(r => r.GetProperty("status").GetString()).Select(g => $"{g.Key} {g.Count()}"))}");
                // One in flight at the kill is interrupted (never redialled), with its one attempt.
                Assert.All(rows.Where(r => r.GetProperty("status").GetString() == "interrupted"), r => Assert.Equal(1, r.GetProperty("attempts").GetInt32()));
            }

            // Alice's registration came over: a new call for sales ("1", SIP INFO 3 s after the answer) through the new
            // active rings her phone. The caller stays 20 s after the digit: the menu acts on it once its prompts are played.
            await SetReadyAsync(b, "alice");
            await using var rtp = new VoiceRtpEndpoint();
            await using (var caller = await ExternalProcess.RunAsync("/usr/bin/sipp",
            [
                $"127.0.0.1:{I(b.Listeners.Sip)}", "-sf", Scenario("voice_caller_info.xml"), "-i", "127.0.0.1", "-p", I(FreePorts.TcpAndUdp()),
                "-mp", I(FreePorts.UdpPair()), "-m", "1", "-nostdin", "-d", "20000", "-timeout", "60s", "-timeout_error",
                "-key", "caller", "+15550199", "-key", "rtp_port", I(rtp.Port), "-key", "digit", "1",
            ], TimeSpan.FromSeconds(90), workingDirectory: work))
                Assert.True(caller.ExitCode == 0, $"the new call failed ({caller.ExitCode}):\n{Tail(caller.StandardOutput)}\n{Tail(b.Process.StandardOutput)}");
            Assert.True(await alicePhone.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone was never rung or never got the BYE\n{Tail(b.Process.StandardOutput)}");
            Assert.True(alicePhone.ExitCode == 0, $"alice's phone failed ({alicePhone.ExitCode}):\n{Tail(alicePhone.StandardOutput)}");

            // Let any stray late dial show up, then count per number across both nodes.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var invites = InvitesSoFar(pbxLog);
            for (var i = 0; i < Requests; i++)
            {
                var calls = invites.GetValueOrDefault(Number(i))?.Count ?? 0;
                Assert.True(calls == 1, $"{Number(i)} was dialled {calls} times (INVITEs with distinct Call-IDs at the PBX)");
            }
            Assert.Equal(Requests, invites.Values.Sum(v => v.Count));

            // The old node comes back: it is a standby (not ready, 503 to work) and dials nothing.
            again = await DaemonUnderTest.StartAsync(NodeEnvironment(connectionString, passwordFile, "node-a", pbxPort, brokerPort), reuseRoot: rootA);
            Assert.Equal(("standby", "node-b"), (Text(await StatusAsync(again), "role"), Text(await StatusAsync(again), "holder")));
            using (var ready = await again.Http.GetAsync(new Uri("/readyz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using (var refused = await again.Http.PostAsJsonAsync("/api/help-requests", new { number = Number(99), topic = "billing", preferredTime = "now" }))
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(Requests, InvitesSoFar(pbxLog).Values.Sum(v => v.Count));
            Assert.Equal("active", Text(await StatusAsync(b), "role"));
        }
        finally
        {
            if (a is not null) await a.DisposeAsync();
            if (b is not null) await b.DisposeAsync();
            if (again is not null) await again.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(rootA, recursive: true);
            Directory.Delete(rootB, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Sets the agent ready; already ready (a state the new active rebuilt from storage) is fine too.</summary>
    private static async Task SetReadyAsync(DaemonUnderTest daemon, string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/admin/agents/{agent}/state", UriKind.Relative))
        {
            Content = JsonContent.Create(new { state = "ready" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await daemon.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict,
            $"{agent}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Waits until the console printed centre statuses whose <c>gateway</c> values end with <paramref name="sequence"/>.</summary>
    private static async Task<bool> ConsoleSeesAsync(ExternalProcess console, string[] sequence, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within && !console.HasExited)
        {
            var seen = console.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{'))
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("gateway").GetString()).ToArray();
            // Consecutive repeats (a republished retained status) count once.
            var distinct = seen.Where((g, i) => i == 0 || g != seen[i - 1]).ToArray();
            if (distinct.Length >= sequence.Length && distinct.AsSpan(distinct.Length - sequence.Length).SequenceEqual(sequence)) return true;
            await Task.Delay(100);
        }
        return false;
    }

    private static async Task WaitForPortAsync(int port, ExternalProcess broker)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10) && !broker.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    private static async Task<string> PostAsync(DaemonUnderTest daemon, string number, string pageUrl)
    {
        using var response = await daemon.Http.PostAsJsonAsync("/api/help-requests", new { number, topic = "billing", preferredTime = "now", pageUrl });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Polls <c>/readyz</c> until 200 (a node between standby and active refuses connections for a moment).</summary>
    private static async Task<TimeSpan?> ReadyWithinAsync(DaemonUnderTest daemon, TimeSpan within, Stopwatch? since = null)
    {
        var clock = since ?? Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            try
            {
                using var ready = await daemon.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK) return clock.Elapsed;
            }
            catch (HttpRequestException)
            {
                // The standby host has stopped and the daemon is binding its listeners.
            }
            if (daemon.Process.HasExited) return null;
            await Task.Delay(100);
        }
        return null;
    }

    private static async Task<JsonElement> StatusAsync(DaemonUnderTest daemon)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/admin/pair", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await daemon.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string? Text(JsonElement status, string name) => status.GetProperty(name).GetString();

    private static async Task<IReadOnlyList<JsonElement>> CallbacksAsync(DaemonUnderTest daemon)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/callbacks");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.Clone())];
    }

    private static IReadOnlyDictionary<string, HashSet<string>> InvitesSoFar(string log)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return SippLog.InvitesByUser(reader.ReadToEnd());
        }
        catch (FileNotFoundException)
        {
            return new Dictionary<string, HashSet<string>>();
        }
    }

    private static string Tail(string text) => text[^Math.Min(3000, text.Length)..];
}
