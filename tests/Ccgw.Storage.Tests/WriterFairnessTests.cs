using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Tests;

/// <summary>
/// Writers take turns at SQLite's write lock in the order they asked (<see cref="SqliteWriteTurns"/>), so a saturating
/// help-request intake cannot keep the scheduler's and supervisors' writes waiting; and the batched writes that share
/// one commit (a plan's attempts, a burst of history). Timeouts here only guard against a hang; nothing is timed.
/// Run alone (<see cref="AloneCollection"/>): how many intake batches commit while a writer gets in line depends on the
/// thread being scheduled, and the PostgreSQL tests running beside it on a 2-core machine once made that 4 instead of 3.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class WriterFairnessTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly MigratedDatabase _db = new();
    private readonly ManualTimeProvider _time = new(T0);

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Turns_go_in_the_order_asked_and_a_writer_asking_again_goes_behind_those_waiting()
    {
        var turns = new SqliteWriteTurns();
        var order = new List<string>();
        var first = await turns.TakeAsync(default);
        var second = turns.TakeAsync(default).AsTask();
        var third = turns.TakeAsync(default).AsTask();
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        // The first writer is done and at once wants the lock again (as the intake does after each commit).
        first.Dispose();
        var again = turns.TakeAsync(default).AsTask();
        using (await second.WaitAsync(HangGuard))
        {
            order.Add("second");
            Assert.False(third.IsCompleted);
            Assert.False(again.IsCompleted);
        }
        using (await third.WaitAsync(HangGuard))
        {
            order.Add("third");
            Assert.False(again.IsCompleted);
        }
        using (await again.WaitAsync(HangGuard)) order.Add("again");

        Assert.Equal(["second", "third", "again"], order);
        Assert.Equal(3, turns.Waited);
    }

    [Fact]
    public async Task A_batch_writer_waits_behind_at_most_a_few_others_however_long_the_line()
    {
        var turns = new SqliteWriteTurns();
        var order = new List<string>();
        var held = await turns.TakeAsync(default);
        var others = Enumerable.Range(1, 6).Select(i => (Name: $"w{i}", Turn: turns.TakeAsync(default).AsTask())).ToList();
        var batch = turns.TakeBatchAsync(default).AsTask();
        var late = turns.TakeAsync(default).AsTask();

        held.Dispose();
        var line = others.Append((Name: "batch", Turn: batch)).Append((Name: "late", Turn: late)).ToList();
        while (order.Count < line.Count)
        {
            var done = await Task.WhenAny(line.Where(l => !order.Contains(l.Name)).Select(l => l.Turn)).WaitAsync(HangGuard);
            var name = line.Single(l => l.Turn == done).Name;
            order.Add(name);
            // One turn at a time: nobody else holds it while this one does.
            Assert.DoesNotContain(line, l => !order.Contains(l.Name) && l.Turn.IsCompleted);
            (await done).Dispose();
        }

        // The first holder and w1-w3 are the four others the batch writer may wait behind; then the line goes on in order.
        Assert.Equal(["w1", "w2", "w3", "batch", "w4", "w5", "w6", "late"], order);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_line_and_the_next_writer_gets_the_turn()
    {
        var turns = new SqliteWriteTurns();
        var held = await turns.TakeAsync(default);
        using var cancel = new CancellationTokenSource();
        var cancelled = turns.TakeAsync(cancel.Token).AsTask();
        var next = turns.TakeAsync(default).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(HangGuard));
        held.Dispose();
        using (await next.WaitAsync(HangGuard))
        {
        }
        // Free again: a new writer goes straight in.
        using var free = await turns.TakeAsync(default).AsTask().WaitAsync(HangGuard);
    }

    [Fact]
    public async Task A_call_back_write_gets_its_turn_while_a_saturating_intake_keeps_committing()
    {
        var callbacks = new SqliteCallbackRepository(_db.Database, _time);
        await callbacks.AddAsync(new CallbackRequest("ivr-1", "sales", InteractionChannel.Callback, "+15550199", T0, 0, T0, CallbackStatus.Scheduled));
        await using var store = new SqliteHelpRequestStore(_db.Database, _time);
        var policy = new CallbackQueuePolicy("sales", "Sales");
        using var stop = new CancellationTokenSource();
        var number = 0;
        var accepted = new Progress();

        // 32 clients submitting back to back: the writer always has the next batch waiting when it commits.
        async Task ClientAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref number);
                await store.SubmitAsync(new HelpRequestSubmission("sales", $"+1555{n:D7}", T0, T0), policy);
                accepted.Add();
            }
        }
        var clients = Enumerable.Range(0, 32).Select(_ => Task.Run(ClientAsync)).ToArray();
        await accepted.WhenAsync(200).WaitAsync(HangGuard);

        var before = store.Commits;
        var attempts = await callbacks.BeginAttemptsAsync(["ivr-1"], T0).AsTask().WaitAsync(HangGuard);
        var after = store.Commits;
        Assert.Equal(["ivr-1"], attempts.Select(a => a.Id));
        Assert.True(await callbacks.BeginDiallingAsync("ivr-1").AsTask().WaitAsync(HangGuard));
        await accepted.WhenAsync(accepted.Count + 200).WaitAsync(HangGuard);
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(HangGuard);

        // It waited for the batch being written when it asked, and perhaps one begun just before: never for the intake
        // to run dry (it did not) nor for SQLite's busy handler to let it in by chance. The intake went on afterwards.
        Assert.InRange(after - before, 0, 3);
        Assert.True(_db.Database.WriteTurns.Waited > 0);
        Assert.Equal(CallbackStatus.Dialling, (await callbacks.GetAsync("ivr-1"))!.Status);
    }

    [Fact]
    public async Task A_plans_attempts_are_recorded_together_and_those_no_longer_scheduled_are_left_out()
    {
        var callbacks = new SqliteCallbackRepository(_db.Database, _time);
        foreach (var (id, status) in new[] { ("cb-1", CallbackStatus.Scheduled), ("cb-2", CallbackStatus.Cancelled), ("cb-3", CallbackStatus.Scheduled) })
            await callbacks.AddAsync(new CallbackRequest(id, "sales", InteractionChannel.Callback, "+15550199", T0, 0, T0, status));

        var started = await callbacks.BeginAttemptsAsync(["cb-3", "cb-2", "cb-1", "unknown"], T0 + TimeSpan.FromSeconds(5));

        Assert.Equal(["cb-3", "cb-1"], started.Select(s => s.Id));
        Assert.All(started, s => Assert.Equal((CallbackStatus.Queued, 1, T0 + TimeSpan.FromSeconds(5)), (s.Status, s.Attempts, s.LastAttemptAt)));
        // Committed: another connection sees both queued, the cancelled one untouched.
        using var c = new SqliteConnection($"Data Source={_db.Database.Path}");
        var rows = c.Query<(string Id, string Status, long Attempts)>("SELECT id, status, attempts FROM callbacks ORDER BY id").ToList();
        Assert.Equal([("cb-1", "Queued", 1L), ("cb-2", "Cancelled", 0L), ("cb-3", "Queued", 1L)], rows);
        Assert.Empty(await callbacks.BeginAttemptsAsync(["cb-1"], T0));
        Assert.Null(await callbacks.BeginAttemptAsync("cb-3", T0));
    }

    [Fact]
    public async Task A_burst_of_history_is_applied_in_order_in_one_transaction()
    {
        var history = new SqliteInteractionHistoryRepository(_db.Database);
        InteractionHistoryEntry Entry(InteractionState state, DateTimeOffset? ended = null) =>
            new("i-1", InteractionChannel.Callback, "sales", null, "+15550199", null, "alice", state, T0, T0, ended);
        InteractionHistoryEvent Event(long seq, InteractionState state) => new("i-1", seq, T0.AddSeconds(seq), "stateChanged", state, "alice", "sales", null);

        await history.AppendAsync(
        [
            new InteractionHistoryAppend(Entry(InteractionState.Queued), [Event(1, InteractionState.Queued)]),
            new InteractionHistoryAppend(Entry(InteractionState.Offered) with { CustomerId = "carol" }, [Event(2, InteractionState.Offered)]),
            new InteractionHistoryAppend(Entry(InteractionState.Failed, T0.AddSeconds(3)), [Event(3, InteractionState.Failed), Event(1, InteractionState.Queued)]),
        ]);

        var row = Assert.Single(await history.QueryAsync(new InteractionHistoryQuery(AgentId: "alice")));
        Assert.Equal((InteractionState.Failed, "carol", T0.AddSeconds(3)), (row.State, row.CustomerId, row.EndedAt));
        Assert.Equal([1L, 2L, 3L], (await history.GetEventsAsync("i-1")).Select(e => e.Sequence));
    }

    /// <summary>Counts accepted requests; a test waits for a count instead of sleeping.</summary>
    private sealed class Progress
    {
        private readonly Lock _gate = new();
        private readonly List<(int Target, TaskCompletionSource Reached)> _waits = [];
        private int _count;

        public int Count
        {
            get { lock (_gate) return _count; }
        }

        public void Add()
        {
            List<TaskCompletionSource> reached = [];
            lock (_gate)
            {
                _count++;
                for (var i = _waits.Count - 1; i >= 0; i--)
                    if (_count >= _waits[i].Target)
                    {
                        reached.Add(_waits[i].Reached);
                        _waits.RemoveAt(i);
                    }
            }
            foreach (var r in reached) r.TrySetResult();
        }

        public Task WhenAsync(int target)
        {
            lock (_gate)
            {
                if (_count >= target) return Task.CompletedTask;
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waits.Add((target, reached));
                return reached.Task;
            }
        }
    }
}

/// <summary>Test classes that run with no other test class beside them (xunit runs these after the parallel ones).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
