using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>Interval reports through the admin API and ccgwctl, against the running daemon and history in its database.</summary>
public sealed class ReportApiTests : IAsyncLifetime
{
    private const string Token = "demo-admin-token-change-me";
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync()
    {
        _daemon = await DaemonUnderTest.StartAsync();
        // Written by a second process into the daemon's own database (WAL), as the recorder would have: r1 answered
        // in sales after 5 s (target 20 s) and handled 60 s, r2 abandoned after 30 s, r3 on the next Berlin day.
        var history = new SqliteInteractionHistoryRepository(new SqliteDatabase(Path.Combine(_daemon.DataDirectory, "ccgw.db")));
        var t1 = DateTimeOffset.Parse("2026-01-01T08:00:00Z");
        await history.AppendAsync(Entry("r1", t1, InteractionState.Ended),
        [
            Step("r1", 1, t1, InteractionState.Queued, null), Step("r1", 2, t1.AddSeconds(2), InteractionState.Offered, "alice"),
            Step("r1", 3, t1.AddSeconds(5), InteractionState.Connected, "alice"), Step("r1", 4, t1.AddSeconds(65), InteractionState.Ended, "alice"),
        ]);
        var t2 = DateTimeOffset.Parse("2026-01-01T09:00:00Z");
        await history.AppendAsync(Entry("r2", t2, InteractionState.Abandoned),
            [Step("r2", 1, t2, InteractionState.Queued, null), Step("r2", 2, t2.AddSeconds(30), InteractionState.Abandoned, null)]);
        var t3 = DateTimeOffset.Parse("2026-01-01T23:30:00Z"); // 00:30 on 2 January in Berlin
        await history.AppendAsync(Entry("r3", t3, InteractionState.Abandoned),
            [Step("r3", 1, t3, InteractionState.Queued, null), Step("r3", 2, t3.AddSeconds(3), InteractionState.Abandoned, null)]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    private static InteractionHistoryEntry Entry(string id, DateTimeOffset at, InteractionState state) =>
        new(id, InteractionChannel.Voice, "sales", null, "+15550100", null, null, state, at, null, at.AddMinutes(1));

    private static InteractionHistoryEvent Step(string id, long seq, DateTimeOffset at, InteractionState state, string? agent) =>
        new(id, seq, at, "stateChanged", state, agent, "sales", null);

    private async Task<HttpResponseMessage> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await _daemon.Http.SendAsync(request);
    }

    private Task<ExternalProcess> Ctl(params string[] args) =>
        ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, .. args, "--url", $"http://127.0.0.1:{_daemon.Listeners.Http}", "--token", Token],
            TimeSpan.FromSeconds(60));

    [Fact]
    public async Task A_Berlin_day_of_sales_counts_what_history_holds()
    {
        using var response = await GetAsync("/api/admin/reports/queues?from=2026-01-01&to=2026-01-02&interval=day&tz=Europe/Berlin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("2026-01-01T00:00:00+01:00", report.GetProperty("from").GetString());
        Assert.Equal("Europe/Berlin", report.GetProperty("tz").GetString());
        var sales = report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("queue").GetString() == "sales");
        Assert.Equal(2, sales.GetProperty("offered").GetInt32());
        Assert.Equal(1, sales.GetProperty("answered").GetInt32());
        Assert.Equal(1, sales.GetProperty("abandonedAfterThreshold").GetInt32());
        Assert.Equal(0.5, sales.GetProperty("serviceLevel").GetDouble());
        Assert.Equal(60, sales.GetProperty("averageHandleSeconds").GetDouble());
        Assert.Equal(0, report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("queue").GetString() == "billing").GetProperty("offered").GetInt32());

        using var agents = await GetAsync("/api/admin/reports/agents?from=2026-01-01&to=2026-01-02&interval=hour&tz=Europe/Berlin");
        var alice = Assert.Single((await agents.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").EnumerateArray());
        Assert.Equal(("alice", "2026-01-01T09:00:00+01:00", 1), (alice.GetProperty("agent").GetString(), alice.GetProperty("intervalStart").GetString(),
            alice.GetProperty("handled").GetInt32()));
    }

    [Fact]
    public async Task A_bad_parameter_is_a_problem_naming_it()
    {
        using var response = await GetAsync("/api/admin/reports/queues?from=2026-01-01&to=2026-01-02&tz=Mars/Olympus");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("tz", out _));

        await using var ctl = await Ctl("report", "queues", "--from", "2026-01-01", "--to", "2026-01-02", "--interval", "week");
        Assert.Equal(1, ctl.ExitCode);
        Assert.Contains("\"interval\"", ctl.StandardError);
    }

    [Fact]
    public async Task ccgwctl_writes_the_report_as_csv()
    {
        await using var ctl = await Ctl("report", "queues", "--from", "2026-01-01", "--to", "2026-01-03", "--interval", "day", "--tz", "Europe/Berlin", "--csv");
        Assert.True(ctl.ExitCode == 0, ctl.StandardError);
        // The process runner hands output over line by line (the CRLF of RFC 4180 is checked in ReportCsvTests).
        var lines = ctl.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        Assert.StartsWith("intervalStart,intervalEnd,queue,offered,answered", lines[0]);
        Assert.Equal(5, lines.Length); // header, 2 days x (sales, billing)
        Assert.StartsWith("2026-01-01T00:00:00+01:00,2026-01-02T00:00:00+01:00,sales,2,1,", lines[1]);
        Assert.StartsWith("2026-01-02T00:00:00+01:00,2026-01-03T00:00:00+01:00,sales,1,0,0,1,0,", lines[3]);

        using var csv = await GetAsync("/api/admin/reports/agents?from=2026-01-01&to=2026-01-02&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", csv.Content.Headers.ContentDisposition?.ToString() ?? csv.Headers.ToString());
    }
}
