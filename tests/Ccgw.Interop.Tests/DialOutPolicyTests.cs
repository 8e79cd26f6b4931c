using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 16 acceptance, dial-out policy, against the running daemon: a call-back to a denied premium number is refused
/// at the web intake naming the rule (403 problem JSON, <c>ccgw_dialout_refused_total{rule="deny"}</c>), and one that
/// got into the list before the rule existed is never dialled (the customer's sipp, which does receive the allowed
/// control call-back, sees no INVITE for it); the 11th call-back for one number within a day is refused (429).
/// </summary>
public sealed class DialOutPolicyTests
{
    private const string Premium = "+19005550199";
    private const string Allowed = "+15550100"; // carol

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    [SkippableFact]
    public async Task A_denied_premium_number_is_refused_naming_the_rule_and_never_dialled()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var customerPort = FreePorts.TcpAndUdp();
        var work = Directory.CreateTempSubdirectory("ccgw-dialout-").FullName;
        var root = DaemonUnderTest.NewRoot();
        var open = new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Outbound__Port"] = I(customerPort),
            ["CCGW__Trunks__0__KeepaliveSeconds"] = "0",
            ["CCGW__Queues__0__Callbacks__Mode"] = "customerFirst",
            ["CCGW__Queues__0__Callbacks__MaxAttempts"] = "1",
        };
        var denying = new Dictionary<string, string?>(open) { ["CCGW__Trunks__0__DialOut__Deny__0"] = "+1900" };
        var log = Path.Combine(work, "customer.log");
        // The test PBX: answers each INVITE with ringing, then busy, and logs every message it receives.
        await using var customer = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "callback_customer_rings_then_busy.xml"), "-i", "127.0.0.1", "-p", I(customerPort),
            "-m", "10", "-nostdin", "-timeout", "120s", "-trace_msg", "-message_file", log,
        ], workingDirectory: work);
        try
        {
            // Before the rule: the premium number gets into the list (nobody is ready, so nothing is dialled yet).
            string early;
            var first = await DaemonUnderTest.StartAsync(open, reuseRoot: root);
            try
            {
                early = await AcceptedAsync(first, Premium);
            }
            finally
            {
                await first.Process.SignalAsync("TERM");
                await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(20));
                await first.DisposeAsync();
            }

            await using var daemon = await DaemonUnderTest.StartAsync(denying, reuseRoot: root);
            // At the intake now: refused, the rule named in the problem JSON, nothing stored.
            using (var refused = await PostAsync(daemon, Premium))
            {
                var body = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{(int)refused.StatusCode}: {body}");
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                var problem = JsonDocument.Parse(body).RootElement;
                Assert.Equal("deny", problem.GetProperty("rule").GetString());
                Assert.Contains("'deny'", problem.GetProperty("errors").GetProperty("number")[0].GetString(), StringComparison.Ordinal);
            }
            // The same number written as a SIP URI is no way around it.
            using (var viaUri = await PostAsync(daemon, "sip:" + Premium + "@carrier.example"))
                Assert.Equal(HttpStatusCode.Forbidden, viaUri.StatusCode);

            // Right before dialling: the row that got in earlier is refused, the allowed control call-back is dialled.
            var control = await AcceptedAsync(daemon, Allowed);
            await MqttInterop.SetAgentStateAsync(daemon, "alice", "ready", null);
            var earlyDone = await FinishedAsync(daemon, early);
            Assert.Equal("failed", earlyDone.GetProperty("status").GetString());
            Assert.Equal("dialOutRefused", earlyDone.GetProperty("lastOutcome").GetString());
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45)))
                while (!Invites(log).ContainsKey(Allowed) && !deadline.IsCancellationRequested) await Task.Delay(100);
            await FinishedAsync(daemon, control);

            var invites = Invites(log);
            Assert.True(invites.ContainsKey(Allowed), $"the control call-back was never dialled; the test proved nothing\n{Tail(daemon.Process.StandardOutput)}");
            Assert.DoesNotContain(invites.Keys, user => user.Contains("1900", StringComparison.Ordinal));
            Assert.Contains($"Call-back {early}: not dialled, trunk pbx's dial-out rule deny refuses it", daemon.Process.StandardOutput, StringComparison.Ordinal);

            var metrics = await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            // Two at the intake (the number and its SIP URI form), one right before dialling.
            Assert.Contains("ccgw_dialout_refused_total{rule=\"deny\"} 3", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await customer.SignalAsync("KILL");
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task The_eleventh_call_back_for_one_number_in_a_day_is_refused()
    {
        await using var daemon = await DaemonUnderTest.StartAsync();
        // Ten accepted (the demo's default cap), whether new or merged into the pending one of the same topic.
        for (var i = 0; i < 10; i++)
        {
            using var ok = await PostAsync(daemon, "+15550177", i % 2 == 0 ? "sales" : "billing");
            Assert.True(ok.StatusCode == HttpStatusCode.Accepted, $"request {i + 1}: {(int)ok.StatusCode} {await ok.Content.ReadAsStringAsync()}");
        }
        using var eleventh = await PostAsync(daemon, "+15550177", "sales");
        var body = await eleventh.Content.ReadAsStringAsync();
        Assert.True(eleventh.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)eleventh.StatusCode}: {body}");
        Assert.Equal("maxPerNumberPerDay", JsonDocument.Parse(body).RootElement.GetProperty("rule").GetString());
        // Another number is not affected.
        using (var other = await PostAsync(daemon, "+15550178", "sales"))
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);

        // The form says the same to a browser, naming the rule.
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["number"] = "+15550177", ["topic"] = "billing", ["preferredTime"] = "now" });
        using var formPost = await daemon.Http.PostAsync(new Uri("/help", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.TooManyRequests, formPost.StatusCode);
        Assert.Contains("maxPerNumberPerDay", await formPost.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var metrics = await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("ccgw_dialout_refused_total{rule=\"maxPerNumberPerDay\"} 2", metrics, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostAsync(DaemonUnderTest daemon, string number, string topic = "sales") =>
        daemon.Http.PostAsJsonAsync("/api/help-requests", new { number, topic, preferredTime = "now" });

    private static async Task<string> AcceptedAsync(DaemonUnderTest daemon, string number)
    {
        using var response = await PostAsync(daemon, number);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> FinishedAsync(DaemonUnderTest daemon, string id)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var last = default(JsonElement);
        while (!deadline.IsCancellationRequested)
        {
            last = await daemon.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{id}");
            if (last.GetProperty("status").GetString() is "failed" or "done") return last;
            await Task.Delay(100);
        }
        Assert.Fail($"call-back {id} never finished; last {last}\n{Tail(daemon.Process.StandardOutput)}");
        return last;
    }

    private static IReadOnlyDictionary<string, HashSet<string>> Invites(string log)
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
