using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Dapper;

namespace Ccgw.Storage.Tests;

public sealed class SqliteHelpMediumStorageTests() : HelpMediumStorageTests(new SqliteEngine())
{
    protected override async Task<CallbackRequest?> ReadRowWrittenBefore0051Async(string insertSql, object parameters, TimeProvider time)
    {
        var dir = Directory.CreateTempSubdirectory("ccgw-medium-").FullName;
        try
        {
            var db = new SqliteDatabase(Path.Combine(dir, "ccgw.db"));
            await db.InitializeAsync(default);
            var all = Migration.Embedded();
            await new MigrationRunner(db, [.. all.Where(m => m.Version < 51)], TimeProvider.System).ApplyAsync(default);
            await using (var c = await db.OpenAsync(default))
                await c.ExecuteAsync(insertSql, parameters);
            await new MigrationRunner(db, all, TimeProvider.System).ApplyAsync(default);
            return await new SqliteCallbackRepository(db, time).GetAsync("old");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}

[Collection("postgres")]
public sealed class PostgresHelpMediumStorageTests(PostgresServerFixture postgres) : HelpMediumStorageTests(new PostgresEngine(postgres))
{
    protected override async Task<CallbackRequest?> ReadRowWrittenBefore0051Async(string insertSql, object parameters, TimeProvider time)
    {
        await using var db = new PostgresDatabase(await postgres.NewDatabaseAsync());
        var all = Migration.EmbeddedPostgres();
        await new PostgresMigrationRunner(db, [.. all.Where(m => m.Version < 51)], TimeProvider.System).ApplyAsync(default);
        await using (var c = await db.OpenAsync(default))
            await c.ExecuteAsync(insertSql, parameters);
        await new PostgresMigrationRunner(db, all, TimeProvider.System).ApplyAsync(default);
        return await new PostgresCallbackRepository(db, time).GetAsync("old");
    }
}

/// <summary>Issue 18, migration 0051: a call-back's medium and the history's, stored and read back on each engine; old rows are voice.</summary>
public abstract class HelpMediumStorageTests(EngineUnderTest engine) : EngineTests(engine)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly CallbackQueuePolicy Sales = new("sales", "Sales");

    private readonly ManualTimeProvider _time = new(T0);

    /// <summary>
    /// Migrates a database of its own up to 0050, runs <paramref name="insertSql"/> there (a row without the column),
    /// migrates it to the release and reads back the call-back "old".
    /// </summary>
    protected abstract Task<CallbackRequest?> ReadRowWrittenBefore0051Async(string insertSql, object parameters, TimeProvider time);

    [SkippableFact]
    public async Task A_row_written_before_0051_reads_as_a_voice_call_back()
    {
        _ = Engine;
        var old = await ReadRowWrittenBefore0051Async("""
            INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status, attempts, updated_at)
            VALUES ('old', 'sales', 'Callback', '+15550100', @At, 0, @At, 'Scheduled', 0, @At)
            """, new { At = StoredTime.Write(T0) }, _time);
        Assert.Equal(HelpMedium.Voice, old!.Medium);
        Assert.Equal(HelpMedium.Voice, old.ToInteractionRequest().Medium);
    }

    [SkippableFact]
    public async Task The_intake_stores_the_medium_and_a_repeat_takes_the_latest_choice()
    {
        var callbacks = Engine.Callbacks(_time);
        var store = Engine.HelpRequests(_time);
        await using var writer = (IAsyncDisposable)store;
        var first = await store.SubmitAsync(new HelpRequestSubmission("sales", "+15550100", T0, T0, Medium: HelpMedium.Email), Sales);
        Assert.Equal(HelpMedium.Email, (await callbacks.GetAsync(first.Callback!.Id))!.Medium);
        Assert.Single(await callbacks.ListAsync(), c => c.Medium == HelpMedium.Email);

        var again = await store.SubmitAsync(new HelpRequestSubmission("sales", "+15550100", T0, T0, Medium: HelpMedium.Ivr), Sales);
        Assert.Equal(HelpRequestDisposition.Updated, again.Disposition);
        Assert.Equal(HelpMedium.Ivr, again.Callback!.Medium);
        Assert.Equal(HelpMedium.Ivr, (await callbacks.GetAsync(first.Callback.Id))!.Medium);

        await callbacks.AddAsync(new CallbackRequest("direct", "sales", InteractionChannel.Callback, "+15550199", T0, 0, T0, CallbackStatus.Scheduled,
            Medium: HelpMedium.Email));
        Assert.Equal(HelpMedium.Email, (await callbacks.GetAsync("direct"))!.Medium);
    }

    [SkippableFact]
    public async Task History_keeps_the_medium_and_a_later_step_without_one_does_not_erase_it()
    {
        var history = Engine.History();
        var entry = new InteractionHistoryEntry("cb1", InteractionChannel.Callback, "sales", "carol", "+15550100", null, null,
            InteractionState.Queued, T0, T0, null, HelpMedium.Email);
        await history.AppendAsync(entry, []);
        await history.AppendAsync(entry with { State = InteractionState.Ended, EndedAt = T0.AddMinutes(1), Medium = null }, []);
        var live = entry with { InteractionId = "call1", Channel = InteractionChannel.Voice, Medium = null };
        await history.AppendAsync(live, []);

        var rows = await history.QueryAsync(new InteractionHistoryQuery(CustomerId: "carol"));
        Assert.Equal(HelpMedium.Email, rows.Single(r => r.InteractionId == "cb1").Medium);
        Assert.Null(rows.Single(r => r.InteractionId == "call1").Medium);
    }
}
