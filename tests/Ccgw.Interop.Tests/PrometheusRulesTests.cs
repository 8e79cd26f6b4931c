using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The shipped alerting rules and dashboard (packaging/prometheus, packaging/grafana) against Debian's Prometheus:
/// promtool checks and unit-tests the rules, and a real Prometheus scrapes the real daemon and evaluates them.
/// </summary>
public sealed class PrometheusRulesTests
{
    private static readonly string Rules = Path.Combine(RepoPaths.Root, "packaging", "prometheus", "ccgw-rules.yml");
    private static readonly string RulesTest = Path.Combine(RepoPaths.Root, "packaging", "prometheus", "ccgw-rules.test.yml");
    private static readonly string Dashboard = Path.Combine(RepoPaths.Root, "packaging", "grafana", "ccgw.json");

    [SkippableFact]
    public async Task Promtool_checks_the_rules_and_their_unit_tests_pass()
    {
        Skip.IfNot(File.Exists("/usr/bin/promtool"), "promtool (Debian package 'prometheus') is not installed");
        await using var check = await ExternalProcess.RunAsync("/usr/bin/promtool", ["check", "rules", Rules], TimeSpan.FromSeconds(30));
        Assert.True(check.ExitCode == 0, $"promtool check rules: exit {check.ExitCode}\n{check.StandardOutput}\n{check.StandardError}");
        Assert.Contains("SUCCESS: 9 rules found", check.StandardOutput);

        await using var test = await ExternalProcess.RunAsync("/usr/bin/promtool", ["test", "rules", RulesTest], TimeSpan.FromSeconds(60),
            workingDirectory: Path.GetDirectoryName(RulesTest));
        Assert.True(test.ExitCode == 0, $"promtool test rules: exit {test.ExitCode}\n{test.StandardOutput}\n{test.StandardError}");
        Assert.Contains("SUCCESS", test.StandardOutput);
    }

    [SkippableFact]
    public async Task Prometheus_scrapes_the_daemon_evaluates_the_rules_and_answers_every_dashboard_query()
    {
        Skip.IfNot(File.Exists("/usr/bin/prometheus"), "prometheus (Debian package 'prometheus') is not installed");
        var daemon = await DaemonUnderTest.StartAsync();
        var work = Directory.CreateTempSubdirectory("ccgw-prometheus-").FullName;
        try
        {
            var port = FreePorts.Tcp();
            var config = Path.Combine(work, "prometheus.yml");
            await File.WriteAllTextAsync(config, string.Join('\n',
                "global:", "  scrape_interval: 1s", "  evaluation_interval: 1s",
                "rule_files:", $"  - {Rules}",
                "scrape_configs:", "  - job_name: ccgw", "    static_configs:", $"      - targets: ['127.0.0.1:{I(daemon.Listeners.Http)}']", ""));
            await using var prometheus = ExternalProcess.Start("/usr/bin/prometheus",
            [
                $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(work, "data")}", $"--web.listen-address=127.0.0.1:{I(port)}",
            ], workingDirectory: work);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{I(port)}"), Timeout = TimeSpan.FromSeconds(5) };

            // A recorded series exists only once Prometheus scraped the daemon and evaluated the rule over the scrape.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            JsonElement recorded = default;
            while (!deadline.IsCancellationRequested)
            {
                recorded = await TryQueryAsync(http, "queue:ccgw_queue_waiting:sum{queue=\"billing\"}");
                if (recorded.ValueKind == JsonValueKind.Array && recorded.GetArrayLength() == 1) break;
                await Task.Delay(250, CancellationToken.None);
            }
            Assert.True(recorded.ValueKind == JsonValueKind.Array && recorded.GetArrayLength() == 1,
                $"no recorded series from the daemon within 30 s\n{prometheus.StandardError[^Math.Min(4000, prometheus.StandardError.Length)..]}");
            Assert.Equal("ccgw", recorded[0].GetProperty("metric").GetProperty("job").GetString());
            Assert.Equal("0", recorded[0].GetProperty("value")[1].GetString());

            // Every rule evaluated without error; the daemon is ready, so its not-ready alert is inactive.
            using var rules = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/rules", UriKind.Relative)));
            var all = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            Assert.Equal(9, all.Count);
            var notReady = all.Single(r => r.GetProperty("name").GetString() == "CcgwDaemonNotReady");
            Assert.Equal("inactive", notReady.GetProperty("state").GetString());
            Assert.All(all.Where(r => r.TryGetProperty("lastEvaluation", out _)), r =>
                Assert.True(r.GetProperty("health").GetString() != "err", $"rule {r.GetProperty("name")} failed: {r}"));

            // The dashboard's queries parse and run (its template variables as "everything").
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard));
            var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
                .Where(p => p.TryGetProperty("targets", out _))
                .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
                .ToList();
            Assert.True(queries.Count >= 20, $"only {queries.Count} dashboard queries");
            foreach (var query in queries)
                await QueryAsync(http, Regex.Replace(query, @"\$(job|instance|queue)\b", ".*"));
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>An instant query's result vector; fails the test when Prometheus refuses the query.</summary>
    private static async Task<JsonElement> QueryAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"query {query}: {(int)response.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>As <see cref="QueryAsync"/> while Prometheus starts: nothing (default) until it listens and answers.</summary>
    private static async Task<JsonElement> TryQueryAsync(HttpClient http, string query)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.OK) return default;
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return doc.RootElement.GetProperty("data").GetProperty("result").Clone();
        }
        catch (HttpRequestException)
        {
            return default; // not listening yet
        }
        catch (TaskCanceledException)
        {
            return default; // the 5 s client timeout on a loaded box; the loop's own deadline bounds the wait
        }
    }

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
