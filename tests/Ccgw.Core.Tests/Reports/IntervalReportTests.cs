using Ccgw.Configuration;
using Ccgw.Core.History;
using Ccgw.Core.Reports;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Reports;

/// <summary>
/// Exact counts: the real engine makes the steps, the real recorder writes them to SQLite, and the report reads them
/// back through the indexes of migration 0040.
/// </summary>
public sealed class IntervalReportTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ccgw-report-").FullName;
    private SqliteDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir, "ccgw.db"));
        await _db.InitializeAsync(default);
        await new MigrationRunner(_db, TimeProvider.System).ApplyAsync(default);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private sealed class Centre(RoutingEngine engine, ManualTimeProvider time, SqliteInteractionHistoryRepository history,
        IReadOnlyList<QueueDefinition> queues, CancellationTokenSource stop, Task loop, Task recording) : IAsyncDisposable
    {
        public RoutingEngine Engine => engine;
        public ManualTimeProvider Time => time;
        public IReadOnlyList<QueueDefinition> Queues => queues;
        private long _submitted;

        public async Task<string> SubmitAsync(string queue)
        {
            _submitted++;
            var result = await engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = queue, Address = "+15550100" });
            return result.InteractionId;
        }

        /// <summary>Waits until the recorder has written every terminal step the test made (bounded poll, no fixed sleep).</summary>
        public async Task SettleAsync(int terminal)
        {
            for (var i = 0; i < 500; i++)
            {
                var rows = await history.QueryAsync(new Core.Repositories.InteractionHistoryQuery(Limit: 1000));
                if (rows.Count(r => r.EndedAt is not null) >= terminal) return;
                await Task.Delay(10);
            }
            Assert.Fail("the recorder did not write the history in time");
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await recording;
            await loop;
            stop.Dispose();
        }
    }

    private Centre Start(DateTimeOffset at)
    {
        var options = GatewayConfiguration.Load(Path.Combine(RepoPaths.Root, "config", "ccgw.json"), new Dictionary<string, string>()).Options;
        var definitions = CoreDefinitions.From(options);
        var time = new ManualTimeProvider(at);
        var engine = new RoutingEngine(definitions, time);
        var history = new SqliteInteractionHistoryRepository(_db);
        var recorder = new HistoryRecorder(engine, history, NullLogger<HistoryRecorder>.Instance);
        var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var recording = recorder.RunAsync(stop.Token);
        return new Centre(engine, time, history, definitions.Queues, stop, loop, recording);
    }

    private async Task<IntervalReport> ReportAsync(Centre centre, string from, string to, ReportInterval interval, TimeZoneInfo zone)
    {
        Assert.True(ReportPeriod.TryParseBound(from, zone, out var start));
        Assert.True(ReportPeriod.TryParseBound(to, zone, out var end));
        return await new IntervalReportBuilder(new SqliteReportHistoryReader(_db))
            .BuildAsync(ReportPeriod.Create(start, end, interval, zone), centre.Queues);
    }

    [Fact]
    public async Task Counts_answer_and_handle_times_match_what_the_core_did()
    {
        await using var c = Start(DateTimeOffset.Parse("2026-01-01T09:00:00Z"));
        var e = c.Engine;

        // i1, billing (target 30 s): answered by bob after 10 s, 100 s talk, wrap-up done after 5 s: handle 105 s.
        await e.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        var i1 = await c.SubmitAsync("billing");
        c.Time.Advance(TimeSpan.FromSeconds(10));
        await e.AcceptOfferAsync("bob", i1);
        c.Time.Advance(TimeSpan.FromSeconds(100));
        await e.EndInteractionAsync(i1);
        c.Time.Advance(TimeSpan.FromSeconds(5));
        await e.WrapUpDoneAsync("bob", i1);
        await e.SetAgentStateAsync("bob", AgentStateRequest.NotReady, "lunch");

        // i2 abandons after 40 s (past the 30 s threshold), i3 after 5 s (a short abandon).
        c.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(115));
        var i2 = await c.SubmitAsync("billing");
        c.Time.Advance(TimeSpan.FromSeconds(40));
        await e.AbandonInteractionAsync(i2, "hung up");
        c.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(40));
        var i3 = await c.SubmitAsync("billing");
        c.Time.Advance(TimeSpan.FromSeconds(5));
        await e.AbandonInteractionAsync(i3, "hung up");

        // i4 at 09:29 waits 50 s for bob (late: not within target), talks 60 s, is transferred to sales, waits for
        // alice 10 s more (answered in sales 120 s after arrival), and talks to her for 60 s.
        c.Time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromSeconds(5));
        var i4 = await c.SubmitAsync("billing");
        c.Time.Advance(TimeSpan.FromSeconds(50));
        await e.SetAgentStateAsync("bob", AgentStateRequest.Ready);
        await e.AcceptOfferAsync("bob", i4);
        c.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(CommandStatus.Ok, (await e.TransferAsync(i4, "sales")).Status);
        await e.SetAgentStateAsync("bob", AgentStateRequest.NotReady, "done");
        c.Time.Advance(TimeSpan.FromSeconds(10));
        await e.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        await e.AcceptOfferAsync("alice", i4);
        c.Time.Advance(TimeSpan.FromSeconds(60));
        await e.EndInteractionAsync(i4, TimeSpan.Zero);

        // i5 at 10:05 in sales: alice rejects it, the caller hangs up at 20 s (not past sales' 20 s threshold).
        c.Time.Advance(DateTimeOffset.Parse("2026-01-01T10:05:00Z") - c.Time.GetUtcNow());
        var i5 = await c.SubmitAsync("sales");
        await e.RejectOfferAsync("alice", i5, "busy");
        c.Time.Advance(TimeSpan.FromSeconds(20));
        await e.AbandonInteractionAsync(i5, "hung up");
        await c.SettleAsync(terminal: 5);

        var report = await ReportAsync(c, "2026-01-01T09:00Z", "2026-01-01T11:00Z", ReportInterval.Hour, TimeZoneInfo.Utc);

        var rows = report.Queues.ToDictionary(r => (r.IntervalStart.Hour, r.Queue));
        Assert.Equal(4, rows.Count);
        var billing9 = rows[(9, "billing")];
        Assert.Equal((4, 2, 1, 2, 1, 1, 0), (billing9.Offered, billing9.Answered, billing9.AnsweredWithinTarget, billing9.Abandoned,
            billing9.AbandonedAfterThreshold, billing9.Transferred, billing9.Overflowed));
        Assert.Equal(0.3333, billing9.ServiceLevel);
        Assert.Equal((30.0, 50.0), (billing9.AverageAnswerSeconds, billing9.MaxAnswerSeconds));
        Assert.Equal((2, 82.5), (billing9.Handled, billing9.AverageHandleSeconds));

        var sales9 = rows[(9, "sales")];
        Assert.Equal((1, 1, 0, 0), (sales9.Offered, sales9.Answered, sales9.AnsweredWithinTarget, sales9.Abandoned));
        Assert.Equal(0.0, sales9.ServiceLevel);
        Assert.Equal(120.0, sales9.MaxAnswerSeconds);
        Assert.Equal((1, 60.0), (sales9.Handled, sales9.AverageHandleSeconds));

        var sales10 = rows[(10, "sales")];
        Assert.Equal((1, 0, 1, 0), (sales10.Offered, sales10.Answered, sales10.Abandoned, sales10.AbandonedAfterThreshold));
        Assert.Null(sales10.ServiceLevel);
        Assert.Equal(0, rows[(10, "billing")].Offered);

        var agents = report.Agents.ToDictionary(r => (r.IntervalStart.Hour, r.Agent));
        Assert.Equal(3, agents.Count);
        Assert.Equal((2, 2, 0, 2, 165.0), (agents[(9, "bob")].Offered, agents[(9, "bob")].Answered, agents[(9, "bob")].Rejected,
            agents[(9, "bob")].Handled, agents[(9, "bob")].HandleSeconds));
        Assert.Equal((1, 1, 1, 60.0), (agents[(9, "alice")].Offered, agents[(9, "alice")].Answered, agents[(9, "alice")].Handled,
            agents[(9, "alice")].HandleSeconds));
        Assert.Equal((1, 0, 1, 0), (agents[(10, "alice")].Offered, agents[(10, "alice")].Answered, agents[(10, "alice")].Rejected,
            agents[(10, "alice")].Handled));

        // A period that starts while i4 is being handled follows it from its first step: its transfer and both
        // handlings end in the later period and are counted there, its arrival is not.
        var late = await ReportAsync(c, "2026-01-01T09:30Z", "2026-01-01T09:45Z", ReportInterval.FifteenMinutes, TimeZoneInfo.Utc);
        var lateBilling = late.Queues.Single(r => r.Queue == "billing");
        Assert.Equal((0, 0, 1, 1), (lateBilling.Offered, lateBilling.Answered, lateBilling.Transferred, lateBilling.Handled));
        Assert.Equal(60.0, lateBilling.AverageHandleSeconds);
        var lateSales = late.Queues.Single(r => r.Queue == "sales");
        Assert.Equal((1, 1, 1), (lateSales.Offered, lateSales.Answered, lateSales.Handled));
    }

    [Fact]
    public async Task Abandons_in_the_repeated_hour_of_the_autumn_change_land_in_two_Berlin_intervals()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        await using var c = Start(DateTimeOffset.Parse("2026-10-25T00:30:00Z")); // 02:30 summer time
        var first = await c.SubmitAsync("sales");
        c.Time.Advance(TimeSpan.FromSeconds(25));
        await c.Engine.AbandonInteractionAsync(first, "hung up");
        c.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(25)); // 02:30 winter time
        var second = await c.SubmitAsync("sales");
        c.Time.Advance(TimeSpan.FromSeconds(5));
        await c.Engine.AbandonInteractionAsync(second, "hung up");
        await c.SettleAsync(terminal: 2);

        var report = await ReportAsync(c, "2026-10-25", "2026-10-26", ReportInterval.Hour, berlin);
        var sales = report.Queues.Where(r => r.Queue == "sales").ToList();
        Assert.Equal(25, sales.Count);
        var twos = sales.Where(r => r.IntervalStart.Hour == 2).ToList();
        Assert.Equal([TimeSpan.FromHours(2), TimeSpan.FromHours(1)], twos.Select(r => r.IntervalStart.Offset));
        Assert.Equal([(1, 1, 1), (1, 1, 0)], twos.Select(r => (r.Offered, r.Abandoned, r.AbandonedAfterThreshold)));
        Assert.Equal(2, sales.Sum(r => r.Offered));

        var day = await ReportAsync(c, "2026-10-25", "2026-10-26", ReportInterval.Day, berlin);
        var whole = day.Queues.Single(r => r.Queue == "sales");
        Assert.Equal(TimeSpan.FromHours(25), whole.IntervalEnd - whole.IntervalStart);
        Assert.Equal(2, whole.Abandoned);
    }
}
