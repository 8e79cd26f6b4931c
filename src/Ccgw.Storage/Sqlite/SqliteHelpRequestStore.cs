using System.Security.Cryptography;
using System.Threading.Channels;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// The durable intake of help requests with group commit. Every submission goes into one bounded queue; a single
/// writer takes whatever has queued up (at most <see cref="MaxBatch"/>), applies each request in one IMMEDIATE
/// transaction (dedup, slot cap, insert or update) and commits once: with WAL and synchronous=FULL that is one fsync
/// for the whole batch. Each caller's task completes only after that commit, so a 202 always follows a durable row;
/// concurrent requests share the fsync instead of queueing behind one another's. A failed commit fails every request
/// of the batch (none was answered 202). The writer's CPU per request is what limits throughput, so it keeps its
/// statements prepared on its own connection (<see cref="HelpRequestStatements"/>) and answers positions from an
/// in-memory index (<see cref="CallbackPositionIndex"/>) instead of counting the queue's due backlog per request.
/// </summary>
public sealed class SqliteHelpRequestStore : IHelpRequestStore, IAsyncDisposable
{
    public const int MaxBatch = 256;

    /// <summary>The dial-out caps' window (any 24 hours); the intake log keeps twice that.</summary>
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static readonly string[] Due = [nameof(CallbackStatus.Scheduled), nameof(CallbackStatus.Queued)];

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly Channel<Work> _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    private readonly int _maxBatch;

    // The writer's own: positions of the call-backs that count, and the last entry of the change log (callback_changes)
    // they reflect (null: load them all).
    private readonly CallbackPositionIndex _positions = new();
    private long? _indexedThrough;
    private readonly HashSet<string> _refreshed = new(StringComparer.Ordinal);

    /// <summary>Most logged changes applied one by one; beyond this a full load is cheaper.</summary>
    public const int MaxCatchUp = 2_000;

    /// <summary>Full loads of the position index so far: the first, then only after a failure or a gap in the change log.</summary>
    public long IndexLoads => Interlocked.Read(ref _indexLoads);

    private long _indexLoads;

    /// <param name="maxBatch">Most requests per transaction; 1 turns group commit off (one fsync per request, for comparison).</param>
    public SqliteHelpRequestStore(SqliteDatabase database, TimeProvider time, int maxBatch = MaxBatch)
    {
        _database = database;
        _time = time;
        _maxBatch = Math.Clamp(maxBatch, 1, MaxBatch);
        _writer = Task.Factory.StartNew(() => RunAsync(_stop.Token), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Transactions committed so far and requests they carried (for the benchmark and metrics).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long Committed => Interlocked.Read(ref _committed);

    private long _commits;
    private long _committed;

    public async ValueTask<HelpRequestReceipt> SubmitAsync(HelpRequestSubmission submission, CallbackQueuePolicy policy,
        CancellationToken cancellationToken = default)
    {
        var work = new Work(submission, policy);
        await _queue.Writer.WriteAsync(work, cancellationToken);
        // Not cancellable once queued: the request may commit, and the caller must not be told otherwise.
        return await work.Completion.Task;
    }

    public async ValueTask<int> PositionAsync(CallbackRequest callback, CancellationToken cancellationToken = default)
    {
        await using var c = await _database.OpenAsync(cancellationToken);
        return Position(c, callback, _time.GetUtcNow());
    }

    public async ValueTask<CallbackAlias?> AliasAsync(string aliasId, CancellationToken cancellationToken = default)
    {
        await using var c = await _database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<AliasRow>(new CommandDefinition(
            "SELECT callback_id AS CallbackId, attempts_before AS AttemptsBefore FROM callback_aliases WHERE alias_id = @Id",
            new { Id = aliasId }, cancellationToken: cancellationToken));
        return row is null ? null : new CallbackAlias(row.CallbackId, (int)row.AttemptsBefore);
    }

    public async ValueTask<IReadOnlyList<SlotUsage>> SlotUsageAsync(CallbackQueuePolicy policy, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default)
    {
        await using var c = await _database.OpenAsync(cancellationToken);
        var times = await c.QueryAsync<string>(new CommandDefinition("""
            SELECT scheduled_at FROM callbacks
            WHERE queue_id = @Queue AND scheduled_at >= @From AND scheduled_at < @To AND status <> 'Cancelled'
            """, new { Queue = policy.QueueId, From = StoredTime.Write(policy.SlotStart(from)), To = StoredTime.Write(to) },
            cancellationToken: cancellationToken));
        return [.. times.Select(t => policy.SlotStart(StoredTime.Read(t))).GroupBy(s => s).OrderBy(g => g.Key).Select(g => new SlotUsage(g.Key, g.Count()))];
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Work>(_maxBatch);
        HelpRequestStatements? statements = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken))
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var work)) batch.Add(work);
                try
                {
                    if (statements is null)
                    {
                        statements = await HelpRequestStatements.OpenAsync(_database, cancellationToken);
                        _indexedThrough = null;
                    }
                    HelpRequestReceipt[] receipts;
                    // A turn per batch: writers that asked while this batch was written go next (up to a few), before
                    // the intake's next batch; SQLite alone would let this loop re-take its lock right after each commit.
                    using (await _database.WriteTurns.TakeBatchAsync(cancellationToken))
                    {
                        receipts = Apply(statements, batch);
                    }
                    Interlocked.Increment(ref _commits);
                    Interlocked.Add(ref _committed, batch.Count);
                    for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(receipts[i]);
                }
                catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException)
                {
                    foreach (var work in batch) work.Completion.TrySetException(new StorageException("the help request could not be stored", e));
                    if (statements is not null) await statements.DisposeAsync();
                    statements = null;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (statements is not null) await statements.DisposeAsync();
            foreach (var work in batch) work.Completion.TrySetCanceled(CancellationToken.None);
            while (_queue.Reader.TryRead(out var left)) left.Completion.TrySetCanceled(CancellationToken.None);
        }
    }

    /// <summary>One transaction for the whole batch; requests in it see each other (two for the same number merge).</summary>
    private HelpRequestReceipt[] Apply(HelpRequestStatements statements, List<Work> batch)
    {
        var now = _time.GetUtcNow();
        var stamp = StoredTime.Write(now);
        var receipts = new HelpRequestReceipt[batch.Count];
        using var tx = statements.Begin();
        try
        {
            // Inside this transaction, before its own writes, the index catches up with what other connections committed
            // (the scheduler moving call-backs on, a supervisor cancelling one), so it answers exactly what the position
            // query would; after them it is level with the change log again, since nobody else writes meanwhile.
            CatchUp(statements, stamp);
            statements.PurgeIntake(StoredTime.Write(now - (2 * Day)));
            for (var i = 0; i < batch.Count; i++) receipts[i] = ApplyOne(statements, batch[i].Submission, batch[i].Policy, now, stamp);
            _indexedThrough = statements.LastChange();
            tx.Commit();
        }
        catch
        {
            // The index may hold this batch's rolled-back rows.
            _indexedThrough = null;
            throw;
        }
        return receipts;
    }

    /// <summary>
    /// Brings the position index level with the change log: each call-back changed since it was last level is read
    /// again (one indexed row each). A full load on the first batch, after a failure, when the log was trimmed past us,
    /// or when more changed than <see cref="MaxCatchUp"/>.
    /// </summary>
    private void CatchUp(HelpRequestStatements statements, string stamp)
    {
        if (_indexedThrough is { } through)
        {
            var changes = statements.ChangesAfter(through, MaxCatchUp + 1);
            if (changes.Count == 0) return;
            if (changes[0].Seq == through + 1 && changes.Count <= MaxCatchUp)
            {
                // A call-back moving on (queued, dialling, done) logs one entry per step; its row is read once.
                _refreshed.Clear();
                foreach (var (_, id) in changes)
                    if (_refreshed.Add(id)) statements.Refresh(_positions, id);
                _indexedThrough = changes[^1].Seq;
                return;
            }
        }
        _indexedThrough = statements.LastChange();
        statements.Load(_positions, stamp);
        Interlocked.Increment(ref _indexLoads);
    }

    private HelpRequestReceipt ApplyOne(HelpRequestStatements statements, HelpRequestSubmission s, CallbackQueuePolicy policy,
        DateTimeOffset now, string stamp)
    {
        // The caps come first: a merged repeat counts too, so asking again and again is no way around them.
        if (OverCap(statements, s, policy, now) is { } rule)
            return new HelpRequestReceipt(HelpRequestDisposition.Refused, null, 0) { Rule = rule };

        var customerId = statements.CustomerId(s.Address);
        var found = statements.FindPending(s.QueueId, s.Address, customerId);
        var existing = found?.Callback;

        if (existing is { Status: CallbackStatus.Queued or CallbackStatus.Dialling })
        {
            statements.LogIntake(stamp, s.Address, s.Source, s.QueueId, created: false);
            return new HelpRequestReceipt(HelpRequestDisposition.InProgress, existing, _positions.Position(existing, found!.Value.RowId, now))
            {
                AliasId = Alias(statements, existing, stamp),
            };
        }
        if (policy.HasSlotCap && SlotCount(statements, policy, s.ScheduledAt, existing?.Id) >= policy.MaxPerSlot)
            return new HelpRequestReceipt(HelpRequestDisposition.SlotFull, existing, 0);

        CallbackRequest stored;
        long rowId;
        if (existing is not null)
        {
            // The customer asked again: the latest wish (time, page, contact details) wins; the place in line is the first
            // ask. An interrupted call-back stays interrupted: it may have rung the customer when the daemon died, and
            // only a person decides to dial it again (issue 16), however often the form is sent.
            stored = existing with
            {
                ScheduledAt = s.ScheduledAt,
                Status = existing.Status == CallbackStatus.Interrupted ? CallbackStatus.Interrupted : CallbackStatus.Scheduled,
                PageUrl = s.PageUrl ?? existing.PageUrl,
                Name = s.Name ?? existing.Name,
                ImAddress = s.ImAddress ?? existing.ImAddress,
                TimeZone = s.TimeZone ?? existing.TimeZone,
                CustomerId = existing.CustomerId ?? customerId,
                Medium = s.Medium,
            };
            statements.Update(stored, stamp);
            rowId = found!.Value.RowId;
        }
        else
        {
            stored = new CallbackRequest(NewId(), s.QueueId, InteractionChannel.Callback, s.Address, s.ScheduledAt, s.Priority,
                s.ReceivedAt, CallbackStatus.Scheduled, customerId, s.PageUrl, s.QueueId, null, s.Name, s.ImAddress, s.TimeZone,
                Medium: s.Medium);
            rowId = statements.Insert(stored, stamp);
        }
        statements.LogIntake(stamp, s.Address, s.Source, s.QueueId, created: existing is null);
        if (stored.Status is CallbackStatus.Scheduled or CallbackStatus.Queued)
            _positions.Set(stored.Id, stored.QueueId, StoredTime.Write(stored.ScheduledAt),
                new PositionKey(stored.Priority, StoredTime.Write(stored.OriginalStartedAt), rowId));
        else
            _positions.Remove(stored.Id);
        return new HelpRequestReceipt(existing is null ? HelpRequestDisposition.Created : HelpRequestDisposition.Updated, stored,
            stored.Status == CallbackStatus.Interrupted ? 0 : _positions.Position(stored, rowId, now))
        {
            AliasId = existing is null ? null : Alias(statements, existing, stamp),
        };
    }

    /// <summary>The dial-out cap this request would break (per number, per source, the topic's budget), or null.</summary>
    private static string? OverCap(HelpRequestStatements statements, HelpRequestSubmission s, CallbackQueuePolicy policy, DateTimeOffset now)
    {
        var dialOut = policy.DialOut;
        var since = StoredTime.Write(now - Day);
        if (dialOut.MaxPerNumberPerDay is { } perNumber && statements.AskedFor(s.Address, since) >= perNumber) return DialOutRule.PerNumber;
        if (dialOut.MaxPerSourcePerDay is { } perSource && s.Source is { } source && statements.AskedFrom(source, since) >= perSource)
            return DialOutRule.PerSource;
        // The budget is for new call-backs: a merge adds no dial. (Whether this one is new is known only after the
        // pending look-up; counting a merge against a spent budget refuses a repeat that would have cost nothing, the
        // safe side.)
        if (dialOut.BudgetFor(s.QueueId) is { } budget && statements.CreatedFor(s.QueueId, since) >= budget) return DialOutRule.TopicBudget;
        return null;
    }

    /// <summary>A fresh id for a merged request, standing for <paramref name="callback"/> from now on.</summary>
    private static string Alias(HelpRequestStatements statements, CallbackRequest callback, string stamp)
    {
        var alias = NewId();
        statements.InsertAlias(alias, callback.Id, callback.Attempts, stamp);
        return alias;
    }

    private static int SlotCount(HelpRequestStatements statements, CallbackQueuePolicy policy, DateTimeOffset at, string? except)
    {
        var start = policy.SlotStart(at);
        return statements.SlotCount(policy.QueueId, StoredTime.Write(start), StoredTime.Write(start + policy.EffectiveSlotLength), except);
    }

    /// <summary>
    /// 1-based place among the queue's due call-backs served before it; 0 while it is not due yet. For a status query on
    /// any connection; the writer answers the same from <see cref="CallbackPositionIndex"/>.
    /// </summary>
    internal static int Position(SqliteConnection c, CallbackRequest callback, DateTimeOffset now)
    {
        if (callback.ScheduledAt > now) return 0;
        return 1 + c.ExecuteScalar<int>("""
            SELECT count(*) FROM callbacks
            WHERE queue_id = @Queue AND scheduled_at <= @Now AND status IN @Due AND id <> @Id
              AND (priority > @Priority OR (priority = @Priority AND (original_started_at < @Started
                   OR (original_started_at = @Started AND rowid < (SELECT rowid FROM callbacks WHERE id = @Id)))))
            """, new
        {
            Queue = callback.QueueId,
            Now = StoredTime.Write(now),
            Due,
            callback.Id,
            callback.Priority,
            Started = StoredTime.Write(callback.OriginalStartedAt),
        });
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        // The container may dispose it under two registrations; the second call has nothing left to do.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Drain: requests already queued are committed (or failed) before the writer ends.
        _queue.Writer.TryComplete();
        await _writer;
        await _stop.CancelAsync();
        _stop.Dispose();
    }

    private sealed record AliasRow(string CallbackId, long AttemptsBefore);

    private sealed class Work(HelpRequestSubmission submission, CallbackQueuePolicy policy)
    {
        public HelpRequestSubmission Submission { get; } = submission;
        public CallbackQueuePolicy Policy { get; } = policy;
        public TaskCompletionSource<HelpRequestReceipt> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
