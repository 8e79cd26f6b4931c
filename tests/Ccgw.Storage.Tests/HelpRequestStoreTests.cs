using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Dapper;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>
/// The help request writer's in-memory positions against the SQL position query (an FsCheck property over arbitrary
/// call-back lists and clocks), and the durable intake itself: merging, positions after other connections' writes.
/// </summary>
public sealed class HelpRequestStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly CallbackQueuePolicy Sales = new("sales", "Sales");

    private readonly MigratedDatabase _db = new();
    private readonly ManualTimeProvider _time = new(T0);

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    /// <summary>A call-back row as generated: small ranges so that equal priorities, starts and times are common.</summary>
    public sealed record GeneratedRow(string Queue, int Priority, int StartedMinute, int ScheduledMinute, CallbackStatus Status);

    private static readonly Gen<GeneratedRow> Row =
        from queue in Gen.Elements("sales", "billing")
        from priority in Gen.Choose(0, 2)
        from started in Gen.Choose(0, 3)
        from scheduled in Gen.Choose(0, 5)
        from status in Gen.Elements(Enum.GetValues<CallbackStatus>())
        select new GeneratedRow(queue, priority, started, scheduled, status);

    [Fact]
    public void The_position_index_agrees_with_the_position_query_for_any_call_backs_clocks_and_changes()
    {
        using var c = new SqliteConnection($"Data Source={_db.Database.Path}");
        c.Open();
        // Only this test reads the file: no need to wait for the disk on every generated case.
        c.Execute("PRAGMA synchronous=OFF");
        // Sizes kept small: every case compares each row at each clock with one SQL query.
        var cases =
            from rows in Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(Row, n))
            from changes in Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(Row, n))
            from clocks in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Gen.Choose(-1, 6), n))
            select (Rows: rows, Changes: changes, Clocks: clocks);
        Prop.ForAll(cases.ToArbitrary(), x =>
        {
            c.Execute("DELETE FROM callbacks");
            var stored = x.Rows.Select((r, i) => Insert(c, $"cb{i}", r)).ToList();
            var index = new CallbackPositionIndex();
            // Newest first: the index must also place rows that do not sort last.
            foreach (var (callback, rowId) in Enumerable.Reverse(stored))
                if (Counts(callback)) index.Set(callback.Id, callback.QueueId, StoredTime.Write(callback.ScheduledAt), Key(callback, rowId));
            AssertAgrees(c, index, stored, x.Clocks);
            // Loaded in one go (as after another connection's commit), at a clock between the generated ones.
            var loaded = new CallbackPositionIndex();
            loaded.Load(stored.Where(s => Counts(s.Callback)).Select(s => (s.Callback.Id, s.Callback.QueueId,
                StoredTime.Write(s.Callback.ScheduledAt), Key(s.Callback, s.RowId))), StoredTime.Write(T0.AddMinutes(2.5)));
            AssertAgrees(c, loaded, stored, x.Clocks);

            // The writer's own changes: a row takes another time and status (a merge, or leaving the counted set).
            for (var i = 0; i < x.Changes.Length && stored.Count > 0; i++)
            {
                var (callback, rowId) = stored[i % stored.Count];
                var changed = callback with { ScheduledAt = T0.AddMinutes(x.Changes[i].ScheduledMinute), Status = x.Changes[i].Status };
                c.Execute("UPDATE callbacks SET scheduled_at = @At, status = @Status WHERE id = @Id",
                    new { At = StoredTime.Write(changed.ScheduledAt), Status = changed.Status.ToString(), changed.Id });
                if (Counts(changed)) index.Set(changed.Id, changed.QueueId, StoredTime.Write(changed.ScheduledAt), Key(changed, rowId));
                else index.Remove(changed.Id);
                stored[i % stored.Count] = (changed, rowId);
            }
            AssertAgrees(c, index, stored, x.Clocks);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public async Task The_writer_catches_up_on_the_rows_others_changed_instead_of_reloading_every_call_back()
    {
        var callbacks = new SqliteCallbackRepository(_db.Database, _time);
        await using var store = new SqliteHelpRequestStore(_db.Database, _time);
        var receipts = new List<HelpRequestReceipt>();
        for (var i = 0; i < 6; i++)
        {
            receipts.Add(await store.SubmitAsync(Now("+1555010" + i), Sales));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Between batches: the scheduler starts two, a supervisor cancels one and re-prioritises another, and a tool
        // outside the repositories (plain SQL on its own connection) reschedules one for tomorrow.
        foreach (var r in receipts.Take(2)) Assert.NotNull(await callbacks.BeginAttemptAsync(r.Callback!.Id, _time.GetUtcNow()));
        Assert.True(await callbacks.CancelAsync(receipts[2].Callback!.Id));
        Assert.True(await callbacks.ReprioritiseAsync(receipts[5].Callback!.Id, 9));
        await using (var c = await _db.Database.OpenAsync(default))
            await c.ExecuteAsync("UPDATE callbacks SET scheduled_at = @At WHERE id = @Id",
                new { At = StoredTime.Write(T0.AddDays(1)), Id = receipts[3].Callback!.Id });
        var last = await store.SubmitAsync(Now("+15550199"), Sales);

        Assert.Equal(1, store.IndexLoads); // the first batch's load only
        // The two started are still counted (queued), the cancelled and the rescheduled are not; priority 9 goes first.
        Assert.Equal(1, await store.PositionAsync((await callbacks.GetAsync(receipts[5].Callback!.Id))!));
        Assert.Equal(5, last.Position);
        Assert.Equal(last.Position, await store.PositionAsync(last.Callback!));
    }

    [Fact]
    public async Task After_more_changes_than_it_catches_up_on_the_writer_loads_again_and_stays_exact()
    {
        await using var store = new SqliteHelpRequestStore(_db.Database, _time);
        var first = await store.SubmitAsync(Now("+15550100"), Sales);
        _time.Advance(TimeSpan.FromSeconds(1));
        // One import of more rows than the writer catches up on one by one, in one transaction (plain SQL).
        await using (var c = await _db.Database.OpenAsync(default))
        await using (var tx = c.BeginTransaction())
        {
            var at = StoredTime.Write(_time.GetUtcNow());
            for (var i = 0; i <= SqliteHelpRequestStore.MaxCatchUp; i++)
                await c.ExecuteAsync("""
                    INSERT INTO callbacks (id, queue_id, channel, address, scheduled_at, priority, original_started_at, status, updated_at)
                    VALUES (@Id, 'sales', 'Callback', @Address, @At, 0, @At, 'Scheduled', @At)
                    """, new { Id = "import" + i, Address = "+1555" + (200_000 + i), At = at }, tx);
            tx.Commit();
        }
        _time.Advance(TimeSpan.FromSeconds(1));
        var last = await store.SubmitAsync(Now("+15550101"), Sales);

        Assert.Equal(2, store.IndexLoads);
        Assert.Equal(1, first.Position);
        Assert.Equal(SqliteHelpRequestStore.MaxCatchUp + 3, last.Position);
        Assert.Equal(last.Position, await store.PositionAsync(last.Callback!));
    }

    private HelpRequestSubmission Now(string number) => new("sales", number, _time.GetUtcNow(), _time.GetUtcNow());

    private static bool Counts(CallbackRequest callback) => callback.Status is CallbackStatus.Scheduled or CallbackStatus.Queued;

    private static PositionKey Key(CallbackRequest callback, long rowId) =>
        new(callback.Priority, StoredTime.Write(callback.OriginalStartedAt), rowId);

    private static (CallbackRequest Callback, long RowId) Insert(SqliteConnection c, string id, GeneratedRow r)
    {
        var callback = new CallbackRequest(id, r.Queue, InteractionChannel.Callback, "+15550100", T0.AddMinutes(r.ScheduledMinute),
            r.Priority, T0.AddMinutes(r.StartedMinute), r.Status);
        c.Execute(SqliteCallbackRepository.InsertSql, SqliteCallbackRepository.InsertParameters(callback, StoredTime.Write(T0)));
        return (callback, c.ExecuteScalar<long>("SELECT rowid FROM callbacks WHERE id = @id", new { id }));
    }

    /// <summary>Every row (counted or not, due or not) at every clock, in the generated order (the clock may go back).</summary>
    private static void AssertAgrees(SqliteConnection c, CallbackPositionIndex index, List<(CallbackRequest Callback, long RowId)> rows,
        IEnumerable<int> clocks)
    {
        foreach (var minute in clocks.Append(3))
        {
            var now = T0.AddMinutes(minute).AddSeconds(30 * (minute & 1));
            foreach (var (callback, rowId) in rows)
                Assert.Equal(SqliteHelpRequestStore.Position(c, callback, now), index.Position(callback, rowId, now));
        }
    }
}
