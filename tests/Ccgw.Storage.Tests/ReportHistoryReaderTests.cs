using System.Data.Common;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Tests;

/// <summary>
/// What interval reports read (migration 0040's queries), from the same rows on each engine: the steps of interactions
/// open when the period starts come first, then the period's steps in time order; other kinds and wrap-up are left out.
/// (tests/Ccgw.Core.Tests/Reports checks the counts built from them, on SQLite.)
/// </summary>
public abstract class ReportHistoryReaderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset From = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddHours(1);

    protected abstract IReportHistoryReader NewReader();

    protected abstract Task<DbConnection> OpenAsync();

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    private static string T(int minutes) => StoredTime.Write(From.AddMinutes(minutes));

    private async Task SeedAsync()
    {
        await using var c = await OpenAsync();
        const string interaction = """
            INSERT INTO interactions (interaction_id, channel, queue_id, state, arrived_at, ended_at)
            VALUES (@Id, 'Voice', 'sales', 'Ended', @Arrived, @Ended)
            """;
        // "b-open" began before the period and is still open; "a-ended" began before and ended inside it; "c-new" is
        // the period's own; "z-before" ended before the period and is not read at all. Ids sort byte-wise: "B-upper"
        // before "a-…" (as SQLite's BINARY collation does, and unlike most locales).
        await c.ExecuteAsync(interaction, new[]
        {
            new { Id = "b-open", Arrived = T(-30), Ended = (string?)null },
            new { Id = "a-ended", Arrived = T(-20), Ended = (string?)T(5) },
            new { Id = "B-upper", Arrived = T(-10), Ended = (string?)T(50) },
            new { Id = "c-new", Arrived = T(10), Ended = (string?)T(20) },
            new { Id = "z-before", Arrived = T(-50), Ended = (string?)T(-40) },
        });
        const string step = """
            INSERT INTO interaction_events (interaction_id, seq, at, kind, state, agent_id, queue_id, detail)
            VALUES (@Id, @Seq, @At, @Kind, @State, @Agent, 'sales', @Detail)
            """;
        await c.ExecuteAsync(step, new[]
        {
            new { Id = "z-before", Seq = 1L, At = T(-50), Kind = "stateChanged", State = (string?)"Queued", Agent = (string?)null, Detail = (string?)null },
            new { Id = "b-open", Seq = 1L, At = T(-30), Kind = "stateChanged", State = (string?)"Queued", Agent = (string?)null, Detail = (string?)null },
            new { Id = "b-open", Seq = 2L, At = T(-29), Kind = "offerRejected", State = (string?)null, Agent = (string?)"dave", Detail = (string?)"busy" },
            new { Id = "b-open", Seq = 3L, At = T(-28), Kind = "note", State = (string?)null, Agent = (string?)null, Detail = (string?)"not a report kind" },
            new { Id = "a-ended", Seq = 1L, At = T(-20), Kind = "stateChanged", State = (string?)"Queued", Agent = (string?)null, Detail = (string?)null },
            new { Id = "a-ended", Seq = 2L, At = T(-15), Kind = "stateChanged", State = (string?)"Connected", Agent = (string?)"erin", Detail = (string?)null },
            new { Id = "a-ended", Seq = 3L, At = T(2), Kind = "stateChanged", State = (string?)"WrapUp", Agent = (string?)"erin", Detail = (string?)null },
            new { Id = "a-ended", Seq = 4L, At = T(5), Kind = "stateChanged", State = (string?)"Ended", Agent = (string?)null, Detail = (string?)null },
            new { Id = "B-upper", Seq = 1L, At = T(-10), Kind = "stateChanged", State = (string?)"Queued", Agent = (string?)null, Detail = (string?)null },
            new { Id = "B-upper", Seq = 2L, At = T(5), Kind = "offerTimedOut", State = (string?)null, Agent = (string?)"dave", Detail = (string?)null },
            new { Id = "B-upper", Seq = 3L, At = T(50), Kind = "stateChanged", State = (string?)"Ended", Agent = (string?)null, Detail = (string?)null },
            new { Id = "c-new", Seq = 1L, At = T(10), Kind = "stateChanged", State = (string?)"Queued", Agent = (string?)null, Detail = (string?)null },
            new { Id = "c-new", Seq = 2L, At = T(20), Kind = "stateChanged", State = (string?)"Ended", Agent = (string?)null, Detail = (string?)null },
            new { Id = "c-new", Seq = 3L, At = T(70), Kind = "stateChanged", State = (string?)"Queued", Agent = (string?)null, Detail = (string?)"after the period" },
        });
        const string callback = """
            INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status, updated_at, last_attempt_at, last_outcome)
            VALUES (@Id, 'sales', 'Voice', '+15550100', @At, 0, @At, 'done', @At, @At, @Outcome)
            """;
        await c.ExecuteAsync(callback, new[]
        {
            new { Id = "cb-in", At = T(30), Outcome = (string?)"answered" },
            new { Id = "cb-unknown", At = T(0), Outcome = (string?)null },
            new { Id = "cb-late", At = T(60), Outcome = (string?)"busy" },
        });
    }

    [SkippableFact]
    public async Task Open_interactions_come_first_then_the_period_in_time_order_without_other_kinds_or_wrap_up()
    {
        await SeedAsync();
        var events = new List<ReportEvent>();
        await foreach (var e in NewReader().ReadEventsAsync(From, To)) events.Add(e);

        Assert.Equal(
            [
                ("B-upper", 1L, -10), ("a-ended", 1L, -20), ("a-ended", 2L, -15), ("b-open", 1L, -30), ("b-open", 2L, -29),
                ("B-upper", 2L, 5), ("a-ended", 4L, 5), ("c-new", 1L, 10), ("c-new", 2L, 20), ("B-upper", 3L, 50),
            ],
            events.Select(e => (e.InteractionId, e.Sequence, (int)(e.At - From).TotalMinutes)));
        var rejected = events.Single(e => e.Kind == "offerRejected");
        Assert.Equal(((InteractionState?)null, "dave", "sales", "busy"), (rejected.State, rejected.AgentId, rejected.QueueId, rejected.Detail));
        Assert.Equal(InteractionState.Connected, events.Single(e => e is { InteractionId: "a-ended", Sequence: 2 }).State);
    }

    [SkippableFact]
    public async Task Call_back_attempts_are_those_of_the_period_and_an_unknown_outcome_is_named()
    {
        await SeedAsync();
        var attempts = await NewReader().ReadCallbackAttemptsAsync(From, To);
        Assert.Equal([(From, "unknown"), (From.AddMinutes(30), "answered")], attempts.OrderBy(a => a.At).Select(a => (a.At, a.Outcome)));
    }
}

public sealed class SqliteReportHistoryReaderTests : ReportHistoryReaderTests
{
    private readonly MigratedDatabase _db = new();
    protected override IReportHistoryReader NewReader() => new SqliteReportHistoryReader(_db.Database);
    protected override async Task<DbConnection> OpenAsync() => await _db.Database.OpenAsync(default);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}

[Collection("postgres")]
public sealed class PostgresReportHistoryReaderTests(PostgresServerFixture postgres) : ReportHistoryReaderTests
{
    private readonly MigratedPostgres _db = new(postgres);
    protected override IReportHistoryReader NewReader() => new PostgresReportHistoryReader(_db.Database);
    protected override async Task<DbConnection> OpenAsync() => await _db.Database.OpenAsync(default);
    public override Task InitializeAsync() => _db.InitializeAsync();
    public override Task DisposeAsync() => _db.DisposeAsync();
}
