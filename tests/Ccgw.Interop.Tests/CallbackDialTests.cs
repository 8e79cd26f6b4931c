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
/// Issue 8 acceptance, voice side, against the running daemon: a sipp UAS behind the trunk's outbound port plays the
/// customer, a sipp UAS registered as alice plays the agent's phone, mosquitto_sub is alice's console. A web request
/// is dialled agent-first and customer-first; a customer who reaches an agent first is not called back; and after a
/// kill -9 in the middle of dialling every request has been dialled exactly once (counted at the customer UAS).
/// </summary>
public sealed class CallbackDialTests(ITestOutputHelper output)
{
    private const string Carol = "+15550100"; // carol in config/customers.json

    /// <summary>The trunk's OPTIONS keepalive would reach the customer's sipp, whose scenario expects only INVITEs.</summary>
    private const string NoKeepalive = "0";

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    [SkippableTheory]
    [InlineData("agentFirst")]
    [InlineData("customerFirst")]
    public async Task A_web_request_is_dialled_and_bridged_and_alice_sees_the_page_and_the_customer_record(string mode)
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        MqttInterop.RequireClients();
        var customerPort = FreePorts.TcpAndUdp();
        await using var rig = await VoiceRig.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Outbound__Port"] = I(customerPort),
            ["CCGW__Trunks__0__KeepaliveSeconds"] = NoKeepalive,
            ["CCGW__Queues__0__Callbacks__Mode"] = mode, // sales
        });
        var daemon = rig.Daemon;
        // The customer's phone and alice's phone: both answer, echo audio, and wait for the gateway's BYE.
        await using var customer = rig.StartPhone("customer", customerPort, "voice_agent_answers.xml");
        await using var alice = await rig.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers.xml");
        await using var console = await SubscribedAsync(daemon.Listeners.Mqtt, "alice", "demo-alice", "ccgw/agents/alice/offers");

        var id = await PostAsync(daemon, Carol, "sales", "now", "https://shop.example/orders/A-1002");
        await rig.SetReadyAsync("alice");

        // The screen pop: a call-back offer with the page the customer was on and the record found by the number.
        Assert.True(await console.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's console got no offer\n{rig.DaemonLog}");
        var offer = JsonDocument.Parse(console.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
        Assert.Equal("offer", offer.GetProperty("type").GetString());
        Assert.Equal(id, offer.GetProperty("interactionId").GetString());
        Assert.Equal("callback", offer.GetProperty("channel").GetString());
        Assert.Equal("https://shop.example/orders/A-1002", offer.GetProperty("url").GetString());
        Assert.Equal("carol", offer.GetProperty("customer").GetProperty("id").GetString());
        Assert.Equal("Carol Clark", offer.GetProperty("customer").GetProperty("name").GetString());

        // Both phones answer; the call-back is connected, then alice hangs up from her console.
        await WaitForStatusAsync(daemon, id, "connected", rig);
        await using (var hangup = await MqttInterop.PubAsync(daemon.Listeners.Mqtt, "4", "alice", "demo-alice",
            "-t", "ccgw/agents/alice/commands", "-q", "1", "-m", $$"""{"action":"hangup","interactionId":"{{id}}"}"""))
            Assert.Equal(0, hangup.ExitCode);
        Assert.True(await customer.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the customer's phone never got the BYE\n{rig.DaemonLog}");
        Assert.True(customer.Process.ExitCode == 0, $"customer sipp failed ({customer.Process.ExitCode}):\n{Tail(customer.Process.StandardOutput)}");
        Assert.True(await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone never got the BYE\n{rig.DaemonLog}");
        Assert.True(alice.Process.ExitCode == 0, $"alice's sipp failed ({alice.Process.ExitCode}):\n{Tail(alice.Process.StandardOutput)}");
        var done = await WaitForStatusAsync(daemon, id, "done", rig);
        Assert.Equal("answered", done.GetProperty("lastOutcome").GetString());

        // The order of the two legs is the queue's mode.
        var log = daemon.Process.StandardOutput;
        var ringAgent = log.IndexOf($"Call-back {id}: ringing agent alice", StringComparison.Ordinal);
        var dialCustomer = log.IndexOf($"Call-back {id}: dialling the customer", StringComparison.Ordinal);
        Assert.True(ringAgent >= 0 && dialCustomer >= 0, rig.DaemonLog);
        Assert.Equal(mode == "agentFirst", ringAgent < dialCustomer);

        // One INVITE reached the customer, for carol's number, from the gateway's trunk side; nothing of alice's leg leaks to it.
        var invites = SippLog.InvitesByUser(await File.ReadAllTextAsync(customer.MessageLog));
        Assert.Equal([Carol], invites.Keys);
        Assert.Single(invites[Carol]);
        var customerLog = await File.ReadAllTextAsync(customer.MessageLog);
        var aliceLog = await File.ReadAllTextAsync(alice.MessageLog);
        foreach (var leak in VoiceRig.Identifiers(aliceLog, alice.SipPort, alice.MediaPort)) Assert.DoesNotContain(leak, customerLog);
        foreach (var leak in VoiceRig.Identifiers(customerLog, customer.SipPort, customer.MediaPort)) Assert.DoesNotContain(leak, aliceLog);
        Assert.Contains("From: <sip:100@localhost>", customerLog); // the trunk's CallerId
    }

    /// <summary>
    /// Also the queue's own trunk (<c>Queues[].Callbacks.Trunk</c>) named by host name: the demo trunk's peer (port 5070)
    /// has nobody listening, so the customer's sipp is reached only through the second trunk, "localhost" resolved.
    /// </summary>
    [SkippableFact]
    public async Task A_busy_customer_ends_the_agents_leg_and_the_request_waits_for_its_retry()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var customerPort = FreePorts.TcpAndUdp();
        await using var rig = await VoiceRig.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__KeepaliveSeconds"] = NoKeepalive,
            ["CCGW__Trunks__1__Id"] = "carrier",
            ["CCGW__Trunks__1__AllowFrom__0"] = "127.0.0.2",
            ["CCGW__Trunks__1__Outbound__Host"] = "localhost",
            ["CCGW__Trunks__1__Outbound__Port"] = I(customerPort),
            ["CCGW__Trunks__1__CallerId"] = "200",
            ["CCGW__Trunks__1__KeepaliveSeconds"] = NoKeepalive,
            ["CCGW__Queues__0__Callbacks__Trunk"] = "carrier",
            ["CCGW__Queues__0__Callbacks__RetryBackoffSeconds"] = "600",
        });
        var daemon = rig.Daemon;
        await using var customer = rig.StartPhone("customer", customerPort, "callback_customer_busy.xml");
        await using var alice = await rig.StartAgentPhoneAsync("alice", "demo-alice", "voice_agent_answers.xml");

        var id = await PostAsync(daemon, "+15550102", "sales", "now", "https://shop.example/p/7"); // erin
        await rig.SetReadyAsync("alice");

        // Agent-first: alice answers, the customer's line is busy, the gateway hangs up on alice.
        Assert.True(await customer.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the customer was never dialled\n{rig.DaemonLog}");
        Assert.True(customer.Process.ExitCode == 0, $"customer sipp failed ({customer.Process.ExitCode}):\n{Tail(customer.Process.StandardOutput)}");
        Assert.True(await alice.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"alice's phone never got the BYE\n{rig.DaemonLog}");
        Assert.True(alice.Process.ExitCode == 0, $"alice's sipp failed ({alice.Process.ExitCode}):\n{Tail(alice.Process.StandardOutput)}");

        // The request shows the outcome and is scheduled again, ten minutes on (the queue's back-off), attempt 1 of 3.
        var status = await WaitForStatusAsync(daemon, id, "scheduled", rig);
        Assert.Equal("busy", status.GetProperty("lastOutcome").GetString());
        Assert.Equal(1, status.GetProperty("attempts").GetInt32());
        Assert.InRange(status.GetProperty("scheduledAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(11));
        Assert.Contains($"Call-back {id}: dialling the customer through trunk carrier", daemon.Process.StandardOutput);
        Assert.Contains("From: <sip:200@localhost>", await File.ReadAllTextAsync(customer.MessageLog)); // the second trunk's CallerId
    }

    [SkippableFact]
    public async Task A_customer_with_a_pending_call_back_who_calls_in_and_reaches_an_agent_is_not_called_back()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var customerPort = FreePorts.TcpAndUdp();
        await using var rig = await VoiceRig.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Outbound__Port"] = I(customerPort),
            ["CCGW__Trunks__0__KeepaliveSeconds"] = NoKeepalive,
        });
        var daemon = rig.Daemon;
        await using var customer = rig.StartPhone("customer", customerPort, "voice_agent_answers.xml");

        // Two requests for the same number and topic are one call-back (the second updates the first). The second
        // asker gets an id of its own, never the first request's (issue 16), which follows that one call-back.
        var when = DateTimeOffset.UtcNow.AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var first = await PostAsync(daemon, Carol, "billing", when, "https://shop.example/help/1");
        var second = await PostAsync(daemon, Carol, "billing", when, "https://shop.example/help/2");
        Assert.NotEqual(first, second);
        Assert.Single(await CallbacksAsync(daemon));

        // Carol calls in, presses 2 for billing and reaches bob before her call-back is due.
        await rig.SetReadyAsync("bob");
        await using var bob = await rig.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = rig.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 8_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);

        var status = await WaitForStatusAsync(daemon, first, "done", rig);
        Assert.StartsWith("reachedAgent:", status.GetProperty("lastOutcome").GetString());
        Assert.Equal("done", (await WaitForStatusAsync(daemon, second, "done", rig)).GetProperty("status").GetString());
        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the caller's sipp did not finish");
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the BYE\n{rig.DaemonLog}");

        // Her call-back is done: even with alice free and the time come, nobody dials her.
        await rig.SetReadyAsync("alice");
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/callbacks?status=scheduled"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MqttInterop.AdminToken);
            using var list = await daemon.Http.SendAsync(request);
            Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        }
        Assert.Empty(SippLog.InvitesByUser(File.Exists(customer.MessageLog) ? await File.ReadAllTextAsync(customer.MessageLog) : ""));
    }

    [SkippableFact]
    public async Task After_kill_9_during_dialling_every_accepted_request_is_dialled_exactly_once()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        const int Requests = 50;
        var customerPort = FreePorts.TcpAndUdp();
        var work = Directory.CreateTempSubdirectory("ccgw-dial-").FullName;
        var root = DaemonUnderTest.NewRoot();
        // Customer-first, one attempt: each call-back rings its customer once (a quarter second, then busy) and is done
        // with; alice and bob are free agents, so the dialler works through the list two at a time (about 7 a second:
        // dialling as fast as the box allows finished all 50 between our seeing the tenth and the kill).
        var environment = new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Outbound__Port"] = I(customerPort),
            ["CCGW__Trunks__0__KeepaliveSeconds"] = NoKeepalive,
            ["CCGW__Queues__0__Callbacks__Mode"] = "customerFirst",
            ["CCGW__Queues__0__Callbacks__MaxAttempts"] = "1",
            ["CCGW__Queues__1__Callbacks__Mode"] = "customerFirst",
            ["CCGW__Queues__1__Callbacks__MaxAttempts"] = "1",
        };
        var log = Path.Combine(work, "customers.log");
        await using var customers = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "callback_customer_rings_then_busy.xml"), "-i", "127.0.0.1", "-p", I(customerPort),
            "-m", I(Requests * 3), "-nostdin", "-timeout", "180s", "-trace_msg", "-message_file", log,
        ], workingDirectory: work);
        try
        {
            var accepted = new List<string>();
            var first = await DaemonUnderTest.StartAsync(environment, reuseRoot: root);
            try
            {
                for (var i = 0; i < Requests; i++)
                    accepted.Add(await PostAsync(first, Number(i), i % 2 == 0 ? "sales" : "billing", "now", $"https://shop.example/p/{I(i)}"));
                foreach (var agent in new[] { "alice", "bob" }) await MqttInterop.SetAgentStateAsync(first, agent, "ready", null);

                // Kill once a fifth of them have rung: some are done, some in flight, most not yet dialled.
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (InvitesSoFar(log).Count < Requests / 5 && !deadline.IsCancellationRequested) await Task.Delay(20);
                Assert.False(deadline.IsCancellationRequested, $"the dialler never got going\n{Tail(first.Process.StandardOutput)}");
                await first.Process.SignalAsync("KILL");
                Assert.True(await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            }
            finally
            {
                await first.DisposeAsync();
            }
            var atKill = InvitesSoFar(log).Count;

            var second = await DaemonUnderTest.StartAsync(environment, reuseRoot: root);
            try
            {
                foreach (var agent in new[] { "alice", "bob" }) await MqttInterop.SetAgentStateAsync(second, agent, "ready", null);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                IReadOnlyList<JsonElement> rows = [];
                while (!deadline.IsCancellationRequested)
                {
                    rows = await CallbacksAsync(second);
                    if (rows.All(r => r.GetProperty("status").GetString() is "failed" or "interrupted" or "done")) break;
                    await Task.Delay(200);
                }
                Assert.False(deadline.IsCancellationRequested, $"not every call-back finished after the restart\n{Tail(second.Process.StandardOutput)}");
                Assert.Equal(accepted.ToHashSet(), rows.Select(r => r.GetProperty("id").GetString()!).Where(accepted.Contains).ToHashSet());

                // Let any stray late dial show up before counting.
                await Task.Delay(TimeSpan.FromSeconds(2));
                var invites = InvitesSoFar(log);
                Assert.True(atKill < Requests, "the kill came after the last dial; the test proved nothing");
                for (var i = 0; i < Requests; i++)
                {
                    var calls = invites.GetValueOrDefault(Number(i))?.Count ?? 0;
                    Assert.True(calls == 1, $"{Number(i)} was dialled {calls} times (INVITEs with distinct Call-IDs at the customer UAS); "
                        + $"its call-back: {rows.FirstOrDefault(r => r.GetProperty("id").GetString() == accepted[i])}; {atKill} dialled at the kill\n{Tail(second.Process.StandardOutput)}");
                }
                output.WriteLine($"dialled before the kill: {atKill}; after restart: {string.Join(", ", rows.GroupBy(r => r.GetProperty("status").GetString()).Select(g => $"{g.Key} {g.Count()}"))}");
                // Those in flight at the kill were interrupted (never redialled); a supervisor sees them.
                Assert.All(rows.Where(r => r.GetProperty("status").GetString() == "interrupted"), r => Assert.Equal(1, r.GetProperty("attempts").GetInt32()));
            }
            finally
            {
                await second.DisposeAsync();
            }
        }
        finally
        {
            await customers.SignalAsync("KILL");
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
            Directory.Delete(work, recursive: true);
        }

        static string Number(int i) => "+1555" + (7000 + i).ToString("D6", CultureInfo.InvariantCulture);
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

    private static async Task<string> PostAsync(DaemonUnderTest daemon, string number, string topic, string preferredTime, string pageUrl)
    {
        using var response = await daemon.Http.PostAsJsonAsync("/api/help-requests", new { number, topic, preferredTime, pageUrl });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> WaitForStatusAsync(DaemonUnderTest daemon, string id, string status, VoiceRig rig)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var last = default(JsonElement);
        while (!deadline.IsCancellationRequested)
        {
            last = await daemon.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{id}");
            if (last.GetProperty("status").GetString() == status) return last;
            await Task.Delay(100);
        }
        Assert.Fail($"call-back {id} never became {status}; last {last}\n{rig.DaemonLog}");
        return last;
    }

    private static async Task<IReadOnlyList<JsonElement>> CallbacksAsync(DaemonUnderTest daemon)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/callbacks");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MqttInterop.AdminToken);
        using var response = await daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>mosquitto_sub for one message, started and subscribed (its debug output shows the SUBACK).</summary>
    private static async Task<ExternalProcess> SubscribedAsync(int port, string user, string password, string topic)
    {
        // stdbuf: mosquitto_sub's stdout is block-buffered into a pipe; line buffering shows the SUBACK as it comes.
        var sub = ExternalProcess.Start("/usr/bin/stdbuf",
            ["-oL", MqttInterop.Sub, "-h", "127.0.0.1", "-p", I(port), "-V", "mqttv311", "-u", user, "-P", password, "-t", topic, "-C", "1", "-W", "90", "-d"]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal) && !sub.HasExited && !deadline.IsCancellationRequested) await Task.Delay(50);
        Assert.True(sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal), $"{user}'s console did not subscribe:\n{sub.StandardOutput}\n{sub.StandardError}");
        return sub;
    }

    private static string Tail(string text) => text[^Math.Min(3000, text.Length)..];
}

/// <summary>Reads sipp's <c>-trace_msg</c> log: the INVITEs it received, by Request-URI user, as sets of Call-IDs (retransmissions count once).</summary>
internal static class SippLog
{
    public static IReadOnlyDictionary<string, HashSet<string>> InvitesByUser(string log)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var block in log.Split("----------------------------------------------- ", StringSplitOptions.RemoveEmptyEntries))
        {
            if (!block.Contains("message received", StringComparison.Ordinal)) continue;
            var lines = block.Split('\n').Select(l => l.Trim()).ToArray();
            var start = Array.FindIndex(lines, l => l.StartsWith("INVITE sip:", StringComparison.Ordinal));
            if (start < 0) continue;
            var uri = lines[start]["INVITE sip:".Length..];
            var user = uri[..Math.Max(0, uri.IndexOf('@', StringComparison.Ordinal))];
            var callId = lines.Skip(start).FirstOrDefault(l => l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase))?[8..].Trim();
            if (user.Length == 0 || callId is null) continue;
            if (!result.TryGetValue(user, out var ids)) result[user] = ids = new HashSet<string>(StringComparer.Ordinal);
            ids.Add(callId);
        }
        return result;
    }
}
