using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Dapper;

namespace Ccgw.Storage.Tests;

/// <summary>Issue 18, migration 0051: a call-back's medium and the history's, stored and read back; old rows are voice.</summary>
public sealed class HelpMediumStorageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly CallbackQueuePolicy Sales = new("sales", "Sales");

    private readonly MigratedDatabase _db = new();
    private readonly ManualTimeProvider _time = new(T0);

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_row_written_before_0051_reads_as_a_voice_call_back()
    {
        // A database at 0045 (every step but 0051 and later), with a call-back written then; the release migrates it.
        var dir = Directory.CreateTempSubdirectory("ccgw-medium-").FullName;
        try
        {
            var db = new SqliteDatabase(Path.Combine(dir, "ccgw.db"));
            await db.InitializeAsync(default);
            var all = Migration.Embedded();
            await new MigrationRunner(db, [.. all.Where(m => m.Version < 51)], TimeProvider.System).ApplyAsync(default);
            await using (var c = await db.OpenAsync(default))
            {
                await c.ExecuteAsync("""
                    INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status, attempts, updated_at)
                    VALUES ('old', 'sales', 'Callback', '+15550100', @At, 0, @At, 'Scheduled', 0, @At)
                    """, new { At = StoredTime.Write(T0) });
            }
            await new MigrationRunner(db, all, TimeProvider.System).ApplyAsync(default);
            var old = await new SqliteCallbackRepository(db, _time).GetAsync("old");
            Assert.Equal(HelpMedium.Voice, old!.Medium);
            Assert.Equal(HelpMedium.Voice, old.ToInteractionRequest().Medium);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_intake_stores_the_medium_and_a_repeat_takes_the_latest_choice()
    {
        var callbacks = new SqliteCallbackRepository(_db.Database, _time);
        await using var store = new SqliteHelpRequestStore(_db.Database, _time);
        var first = await store.SubmitAsync(new HelpRequestSubmission("sales", "+15550100", T0, T0, Medium: HelpMedium.Email), Sales);
        Assert.Equal(HelpMedium.Email, (await callbacks.GetAsync(first.Callback!.Id))!.Medium);
        Assert.Single(await callbacks.ListAsync(), c => c.Medium == HelpMedium.Email);

        var again = await store.SubmitAsync(new HelpRequestSubmission("sales", "+15550100", T0, T0, Medium: HelpMedium.Ivr), Sales);
        Assert.Equal(HelpRequestDisposition.Updated, again.Disposition);
        Assert.Equal(HelpMedium.Ivr, (await callbacks.GetAsync(first.Callback.Id))!.Medium);

        await callbacks.AddAsync(new CallbackRequest("direct", "sales", InteractionChannel.Callback, "+15550199", T0, 0, T0, CallbackStatus.Scheduled,
            Medium: HelpMedium.Email));
        Assert.Equal(HelpMedium.Email, (await callbacks.GetAsync("direct"))!.Medium);
    }

    [Fact]
    public async Task History_keeps_the_medium_and_a_later_step_without_one_does_not_erase_it()
    {
        var history = new SqliteInteractionHistoryRepository(_db.Database);
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
