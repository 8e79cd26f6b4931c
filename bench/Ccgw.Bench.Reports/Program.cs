// Interval reports over a generated month of history (issue 20: "a report over a month of history under 2 s").
// Usage: dotnet run -c Release --project bench/Ccgw.Bench.Reports -- [days=30] [perDay=5000]
// Pin as DEVELOPERS.md says: taskset -c 0 dotnet bench/Ccgw.Bench.Reports/bin/Release/net10.0/Ccgw.Bench.Reports.dll
// Writes the history through the real repository (the recorder's statements), then times the report builder the
// admin API runs, with the indexes of migration 0040 and, for comparison, without them.
using System.Diagnostics;
using Ccgw.Core;
using Ccgw.Core.Reports;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

var days = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 30;
var perDay = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5000;
var dir = Directory.CreateTempSubdirectory("ccgw-bench-reports-").FullName;
try
{
    var db = new SqliteDatabase(Path.Combine(dir, "ccgw.db"));
    await db.InitializeAsync(default);
    await new MigrationRunner(db, TimeProvider.System).ApplyAsync(default);
    var history = new SqliteInteractionHistoryRepository(db);
    string[] queues = ["sales", "billing", "support", "retention", "tech"];
    var agents = Enumerable.Range(1, 60).Select(i => $"agent{i:00}").ToArray();
    var start = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    var random = new Random(20);
    var write = Stopwatch.StartNew();
    long events = 0;
    for (var day = 0; day < days; day++)
    {
        var batch = new List<InteractionHistoryAppend>(perDay);
        for (var n = 0; n < perDay; n++)
        {
            var id = $"d{day:00}-{n:00000}";
            var queue = queues[random.Next(queues.Length)];
            var agent = agents[random.Next(agents.Length)];
            var arrived = start.AddDays(day).AddSeconds(random.Next(86_400));
            var steps = new List<InteractionHistoryEvent>();
            var seq = 0L;
            void Step(double seconds, string kind, InteractionState? state, string? who, string? detail = null) =>
                steps.Add(new InteractionHistoryEvent(id, ++seq, arrived.AddSeconds(seconds), kind, state, who, queue, detail));
            Step(0, "stateChanged", InteractionState.Queued, null);
            var wait = random.Next(90);
            InteractionState final;
            if (random.Next(10) == 0)
            {
                Step(wait, "stateChanged", InteractionState.Abandoned, null, "hung up");
                final = InteractionState.Abandoned;
            }
            else
            {
                if (random.Next(20) == 0)
                {
                    Step(wait / 2.0, "stateChanged", InteractionState.Offered, agent);
                    Step(wait / 2.0, "offerMade", InteractionState.Offered, agent);
                    Step(wait / 2.0 + 1, "offerRejected", null, agent);
                    Step(wait / 2.0 + 1, "stateChanged", InteractionState.Queued, null, "rejected");
                }
                Step(wait, "stateChanged", InteractionState.Offered, agent);
                Step(wait, "offerMade", InteractionState.Offered, agent);
                Step(wait + 3, "offerAccepted", null, agent);
                Step(wait + 3, "stateChanged", InteractionState.Connected, agent);
                var talk = 60 + random.Next(600);
                Step(wait + 3 + talk, "stateChanged", InteractionState.WrapUp, agent);
                Step(wait + 33 + talk, "stateChanged", InteractionState.Ended, agent);
                final = InteractionState.Ended;
            }
            events += steps.Count;
            batch.Add(new InteractionHistoryAppend(new InteractionHistoryEntry(id, InteractionChannel.Voice, queue, null, null, null,
                final == InteractionState.Ended ? agent : null, final, arrived, null, steps[^1].At), steps));
        }
        await history.AppendAsync(batch);
    }
    write.Stop();
    Console.WriteLine($"history: {days} days x {perDay} interactions = {days * perDay:N0} interactions, {events:N0} events, written in {write.Elapsed.TotalSeconds:0.0} s");

    var definitions = queues.Select(q => new QueueDefinition(q, new Dictionary<string, int>(), ServiceLevel: new ServiceLevelTarget(TimeSpan.FromSeconds(20), 0.8))).ToList();
    var builder = new IntervalReportBuilder(new SqliteReportHistoryReader(db));
    var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    ReportPeriod.TryParseBound("2026-10-01", berlin, out var from);
    ReportPeriod.TryParseBound("2026-10-31", berlin, out var to);

    async Task MeasureAsync(string label)
    {
        foreach (var interval in new[] { ReportInterval.Hour, ReportInterval.FifteenMinutes, ReportInterval.Day })
        {
            var period = ReportPeriod.Create(from, to, interval, berlin);
            var times = new List<double>();
            var cpu = new List<double>();
            IntervalReport? report = null;
            for (var run = 0; run < 3; run++)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                report = await builder.BuildAsync(period, definitions);
                sw.Stop();
                times.Add(sw.Elapsed.TotalMilliseconds);
                cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds);
            }
            Console.WriteLine($"{label,-16} {ReportPeriod.Name(interval),-5} {period.Slots.Count,5} intervals: wall {string.Join(" / ", times.Select(t => $"{t:0}"))} ms, " +
                $"CPU {string.Join(" / ", cpu.Select(t => $"{t:0}"))} ms; offered {report!.Queues.Sum(r => r.Offered):N0}, rows {report.Queues.Count:N0} + {report.Agents.Count:N0}");
        }
    }

    if (args.Length > 2 && args[2] == "read")
    {
        var reader = new SqliteReportHistoryReader(db);
        for (var run = 0; run < 2; run++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var rows = 0;
            await foreach (var e in reader.ReadEventsAsync(from, to)) rows++;
            Console.WriteLine($"read only: {rows:N0} rows, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds:0} ms");
        }
        return;
    }
    await MeasureAsync("with 0040");
    await using (var c = await db.OpenAsync(default))
        await c.ExecuteAsync("DROP INDEX interaction_events_for_reports; DROP INDEX interactions_by_end;");
    await MeasureAsync("without 0040");
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}
