using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20, contact-centre KPIs on <c>/metrics</c>, against the running daemon: sipp callers on DID 100 choose billing
/// (SIP INFO "2"); one hangs up while queued, one is answered by bob's sipp phone. The counters move by exactly those
/// numbers and agree with the core's queue figures and the interaction history the admin API serves.
/// </summary>
public sealed class KpiDaemonTests
{
    private const string BillingVoice = "{channel=\"voice\",queue=\"billing\"}";

    [SkippableFact]
    public async Task Sipp_calls_answered_and_abandoned_move_the_queue_counters_by_exactly_those_numbers()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync();
        var before = await ScrapeAsync(call.Daemon);
        foreach (var family in new[] { "offered", "answered", "abandoned", "transferred" })
            Assert.Equal(0, Sample(before, $"ccgw_queue_{family}_total{BillingVoice}"));
        Assert.Equal(0, Sample(before, $"ccgw_queue_answer_time_seconds_count{BillingVoice}") ?? 0);

        // Nobody is ready: the caller chooses billing once the menu has played, waits in the queue and hangs up
        // 20 s after choosing.
        await using (var rtp = new VoiceRtpEndpoint())
        await using (var abandoning = call.StartCaller(rtp.Port, "voice_caller_info.xml", talkMs: 20_000, name: "abandoning"))
        {
            Assert.True(await call.Daemon.MetricBecomesAsync($"ccgw_queue_waiting{BillingVoice} 1", TimeSpan.FromSeconds(20)),
                $"the caller never waited in billing\n{call.DaemonLog}");
            Assert.True(await abandoning.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the abandoning caller's sipp did not finish");
            Assert.True(abandoning.ExitCode == 0, $"abandoning caller failed ({abandoning.ExitCode}):\n{abandoning.StandardOutput[^Math.Min(3000, abandoning.StandardOutput.Length)..]}");
        }
        Assert.True(await call.Daemon.MetricBecomesAsync($"ccgw_queue_abandoned_total{BillingVoice} 1", TimeSpan.FromSeconds(15)),
            $"the abandoned call was not counted\n{call.DaemonLog}");

        // Bob is ready and his phone answers: the second caller is answered, talks, hangs up.
        await call.SetReadyAsync("bob");
        await using var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using (var rtp = new VoiceRtpEndpoint())
        await using (var answered = call.StartCaller(rtp.Port, "voice_caller_info.xml", talkMs: 20_000, sipPort: FreePorts.TcpAndUdp(), name: "answered"))
        {
            Assert.True(await answered.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the answered caller's sipp did not finish");
            Assert.True(answered.ExitCode == 0, $"answered caller failed ({answered.ExitCode}):\n{answered.StandardOutput[^Math.Min(3000, answered.StandardOutput.Length)..]}");
        }
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"bob's phone never got the call and its BYE\n{call.DaemonLog}");
        Assert.True(await call.Daemon.MetricBecomesAsync($"ccgw_queue_answered_total{BillingVoice} 1", TimeSpan.FromSeconds(15)),
            $"the answered call was not counted\n{call.DaemonLog}");

        var after = await ScrapeAsync(call.Daemon);
        Assert.Equal(2, Sample(after, $"ccgw_queue_offered_total{BillingVoice}"));
        Assert.Equal(1, Sample(after, $"ccgw_queue_answered_total{BillingVoice}"));
        Assert.Equal(1, Sample(after, $"ccgw_queue_abandoned_total{BillingVoice}"));
        Assert.Equal(0, Sample(after, $"ccgw_queue_transferred_total{BillingVoice}"));
        Assert.Equal(0, Sample(after, "ccgw_queue_offered_total{channel=\"voice\",queue=\"sales\"}"));
        Assert.Equal(1, Sample(after, $"ccgw_queue_answer_time_seconds_count{BillingVoice}"));
        Assert.Equal(0, Sample(after, $"ccgw_queue_waiting{BillingVoice}"));
        // Billing's target is 30 s: the answered call waited less; the abandoned one left before 30 s and is not counted.
        Assert.Equal(1, Sample(after, "ccgw_queue_service_level_ratio" + BillingVoice));
        Assert.Equal(0.8, Sample(after, "ccgw_queue_service_level_target_ratio{queue=\"billing\"}"));
        Assert.Equal(30, Sample(after, "ccgw_queue_service_level_threshold_seconds{queue=\"billing\"}"));

        // The same figures as the core's own queue figures and the interaction history.
        using var queues = await AdminGetAsync(call.Daemon, "/api/admin/queues");
        var billing = queues.RootElement.EnumerateArray().Single(q => q.GetProperty("queue").GetString() == "billing");
        Assert.Equal(1, billing.GetProperty("answered").GetInt64());
        Assert.Equal(1, billing.GetProperty("abandoned").GetInt64());
        using var history = await AdminGetAsync(call.Daemon, "/api/admin/interactions");
        var rows = history.RootElement.EnumerateArray().Where(r => r.GetProperty("queueId").GetString() == "billing").ToList();
        Assert.Equal(2, rows.Count);
        Assert.Single(rows, r => r.GetProperty("state").GetString() == "abandoned");

        // And the interval report for the same period, read from the history in storage, has exactly the same counts
        // (the recorder writes behind the core, so it is read until it has caught up, for at most 15 s).
        var from = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        (long Offered, long Answered, long Abandoned, long Transferred) report = default, kpi = (2, 1, 1, 0);
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            using var day = await AdminGetAsync(call.Daemon, $"/api/admin/reports/queues?from={from}&to={to}&interval=day&tz=UTC");
            var billingRows = day.RootElement.GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("queue").GetString() == "billing").ToList();
            report = (billingRows.Sum(r => r.GetProperty("offered").GetInt64()), billingRows.Sum(r => r.GetProperty("answered").GetInt64()),
                billingRows.Sum(r => r.GetProperty("abandoned").GetInt64()), billingRows.Sum(r => r.GetProperty("transferred").GetInt64()));
            if (report == kpi) break;
        }
        Assert.Equal(kpi, report);
    }

    [SkippableFact]
    public async Task The_scrape_carries_every_kpi_family_for_every_queue_and_channel_and_promtool_accepts_it()
    {
        Skip.IfNot(File.Exists("/usr/bin/promtool"), "promtool (Debian package 'prometheus') is not installed");
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            var text = await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            foreach (var counter in new[] { "offered", "answered", "abandoned", "transferred" })
                Assert.Contains($"# TYPE ccgw_queue_{counter}_total counter", text);
            Assert.Contains("# TYPE ccgw_queue_answer_time_seconds histogram", text);
            Assert.Contains("# TYPE ccgw_queue_handle_time_seconds histogram", text);
            foreach (var queue in new[] { "sales", "billing" })
            foreach (var channel in new[] { "voice", "im", "callback", "web" })
            {
                Assert.Contains($"ccgw_queue_waiting{{channel=\"{channel}\",queue=\"{queue}\"}} 0\n", text);
                Assert.Contains($"ccgw_queue_offered_total{{channel=\"{channel}\",queue=\"{queue}\"}} 0\n", text);
            }
            Assert.Contains("ccgw_agents{state=\"offline\"} 2\n", text);
            Assert.Contains("ccgw_im_chats_active{queue=\"billing\"} 0\n", text);
            // Bounded labels: never a customer or an interaction.
            Assert.DoesNotContain("customer", text.Split('\n').Where(l => l.StartsWith("ccgw_queue", StringComparison.Ordinal)).Aggregate("", string.Concat));

            await using var check = await ExternalProcess.RunAsync("/usr/bin/promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), standardInput: text);
            Assert.True(check.ExitCode == 0 && check.StandardError.Trim().Length == 0 && check.StandardOutput.Trim().Length == 0,
                $"promtool check metrics: exit {check.ExitCode}\n{check.StandardOutput}\n{check.StandardError}");
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    [Fact]
    public async Task Call_back_series_move_as_a_call_back_is_booked_and_cancelled()
    {
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            const string Scheduled = "ccgw_callbacks{queue=\"sales\",status=\"scheduled\"}";
            const string Cancelled = "ccgw_callback_outcomes_total{outcome=\"cancelled\",queue=\"sales\"}";
            Assert.Equal(0, Sample(await ScrapeAsync(daemon), Scheduled));
            Assert.Null(Sample(await ScrapeAsync(daemon), Cancelled));

            var when = DateTimeOffset.UtcNow.AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            using (var booked = await daemon.Http.PostAsJsonAsync("/api/help-requests",
                       new { number = "+15550100", topic = "sales", preferredTime = when, pageUrl = "https://shop.example/help/kpi" }))
                Assert.Equal(System.Net.HttpStatusCode.Accepted, booked.StatusCode);
            Assert.True(await SeriesReachesAsync(daemon, Scheduled, 1), "ccgw_callbacks never counted the scheduled call-back");

            using var list = await AdminGetAsync(daemon, "/api/admin/callbacks");
            var id = list.RootElement.EnumerateArray().Single().GetProperty("id").GetString();
            using (var cancel = new HttpRequestMessage(HttpMethod.Delete, $"/api/admin/callbacks/{id}"))
            {
                cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-admin-token-change-me");
                using var cancelled = await daemon.Http.SendAsync(cancel);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, cancelled.StatusCode);
            }

            Assert.Equal(1, Sample(await ScrapeAsync(daemon), Cancelled));
            Assert.True(await SeriesReachesAsync(daemon, Scheduled, 0), "ccgw_callbacks still counts the cancelled call-back");
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    /// <summary>The gauge re-reads the list every 5 s: polls a series until it shows <paramref name="value"/> (20 s at most).</summary>
    private static async Task<bool> SeriesReachesAsync(DaemonUnderTest daemon, string series, double value)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < until)
        {
            if (Sample(await ScrapeAsync(daemon), series) == value) return true;
            await Task.Delay(250);
        }
        return false;
    }

    /// <summary>Every sample of a scrape by its series (name and labels as written).</summary>
    internal static async Task<Dictionary<string, double>> ScrapeAsync(DaemonUnderTest daemon)
    {
        var text = await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            samples[line[..space]] = line[(space + 1)..] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
        }
        return samples;
    }

    private static double? Sample(Dictionary<string, double> samples, string series) =>
        samples.TryGetValue(series, out var value) ? value : null;

    private static async Task<JsonDocument> AdminGetAsync(DaemonUnderTest daemon, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-admin-token-change-me");
        using var response = await daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
    }
}
