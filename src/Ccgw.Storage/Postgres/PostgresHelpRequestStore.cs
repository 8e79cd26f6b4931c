using System.Security.Cryptography;
using System.Threading.Channels;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// The durable intake of help requests on PostgreSQL with group commit, the same rules as
/// <see cref="SqliteHelpRequestStore"/>: one writer takes whatever has queued (at most <see cref="MaxBatch"/>), applies
/// each request in one transaction (dedup, caps, slot cap, insert or update) under the call-back writers' advisory lock,
/// and commits once; every caller's task completes only after that commit. A transaction that lost a race (deadlock,
/// serialization) runs again whole, since no caller was answered yet.
/// Positions are counted in SQL inside the transaction rather than kept in memory (SQLite's
/// <see cref="CallbackPositionIndex"/>): with two daemons on one database the other node's writes would have to be
/// followed, and the count is one index range scan per request.
/// </summary>
public sealed class PostgresHelpRequestStore : IHelpRequestStore, IAsyncDisposable
{
    public const int MaxBatch = SqliteHelpRequestStore.MaxBatch;

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static readonly string[] Due = [nameof(CallbackStatus.Scheduled), nameof(CallbackStatus.Queued)];

    private static readonly string[] Pending =
        [nameof(CallbackStatus.Scheduled), nameof(CallbackStatus.Queued), nameof(CallbackStatus.Dialling), nameof(CallbackStatus.Interrupted)];

    private const string PositionSql = """
        SELECT count(*) FROM callbacks
        WHERE queue_id = @Queue AND scheduled_at <= @Now AND status = ANY(@Due) AND id <> @Id
          AND (priority > @Priority OR (priority = @Priority AND (original_started_at < @Started
               OR (original_started_at = @Started AND id COLLATE "C" < @Id COLLATE "C"))))
        """;

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly int _maxBatch;
    private readonly Channel<Work> _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Task _writer;
    private long _commits;
    private long _committed;
    private int _disposed;

    // The writer's own: the last counter value in an id (NewOrderedId).
    private long _lastOrder;

    /// <param name="maxBatch">Most requests per transaction; 1 turns group commit off.</param>
    public PostgresHelpRequestStore(PostgresDatabase database, TimeProvider time, int maxBatch = MaxBatch)
    {
        _database = database;
        _time = time;
        _maxBatch = Math.Clamp(maxBatch, 1, MaxBatch);
        _writer = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Transactions committed so far and requests they carried (for the benchmark and metrics).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long Committed => Interlocked.Read(ref _committed);

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
        return await PositionAsync(c, null, callback, _time.GetUtcNow(), cancellationToken);
    }

    public async ValueTask<CallbackAlias?> AliasAsync(string aliasId, CancellationToken cancellationToken = default)
    {
        await using var c = await _database.OpenAsync(cancellationToken);
        await using var select = Pg.Command(c, null, "SELECT callback_id, attempts_before FROM callback_aliases WHERE alias_id = @Id").Text("Id", aliasId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new CallbackAlias(reader.GetString(0), reader.GetInt32(1)) : null;
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

    private async Task RunAsync()
    {
        var batch = new List<Work>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var work)) batch.Add(work);
                try
                {
                    // Not cancellable: requests already queued are committed (or failed) before the writer ends.
                    var receipts = await _database.WriteAsync(callbacks: true, (c, tx) => ApplyAsync(c, tx, batch), CancellationToken.None);
                    Interlocked.Increment(ref _commits);
                    Interlocked.Add(ref _committed, batch.Count);
                    for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(receipts[i]);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
                {
                    foreach (var work in batch) work.Completion.TrySetException(new StorageException("the help request could not be stored", e));
                }
            }
        }
        finally
        {
            foreach (var work in batch) work.Completion.TrySetCanceled(CancellationToken.None);
            while (_queue.Reader.TryRead(out var left)) left.Completion.TrySetCanceled(CancellationToken.None);
        }
    }

    /// <summary>One transaction for the whole batch; requests in it see each other (two for the same number merge).</summary>
    private async Task<HelpRequestReceipt[]> ApplyAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<Work> batch)
    {
        var now = _time.GetUtcNow();
        var stamp = StoredTime.Write(now);
        var receipts = new HelpRequestReceipt[batch.Count];
        await using (var purge = Pg.Command(c, tx, "DELETE FROM callback_intake WHERE at < @Before").Text("Before", StoredTime.Write(now - (2 * Day))))
            await purge.ExecuteNonQueryAsync();
        for (var i = 0; i < batch.Count; i++) receipts[i] = await ApplyOneAsync(c, tx, batch[i].Submission, batch[i].Policy, now, stamp);
        return receipts;
    }

    private async Task<HelpRequestReceipt> ApplyOneAsync(NpgsqlConnection c, NpgsqlTransaction tx, HelpRequestSubmission s,
        CallbackQueuePolicy policy, DateTimeOffset now, string stamp)
    {
        // The caps come first: a merged repeat counts too, so asking again and again is no way around them.
        if (await OverCapAsync(c, tx, s, policy, now) is { } rule)
            return new HelpRequestReceipt(HelpRequestDisposition.Refused, null, 0) { Rule = rule };

        string? customerId;
        await using (var customer = Pg.Command(c, tx, "SELECT customer_id FROM customer_phones WHERE phone = @Address ORDER BY customer_id LIMIT 1")
            .Text("Address", s.Address))
            customerId = await customer.ExecuteScalarAsync() as string;

        CallbackRequest? existing;
        await using (var pending = Pg.Command(c, tx, $"""
            SELECT {PostgresCallbackRepository.Columns} FROM callbacks
            WHERE queue_id = @Queue AND status = ANY(@Pending) AND (address = @Address OR customer_id = @CustomerId)
            ORDER BY original_started_at, id COLLATE "C" LIMIT 1
            """).Text("Queue", s.QueueId).Texts("Pending", Pending).Text("Address", s.Address).Text("CustomerId", customerId))
            existing = (await PostgresCallbackRepository.ReadAllAsync(pending, CancellationToken.None)) is [var first, ..] ? first : null;

        if (existing is { Status: CallbackStatus.Queued or CallbackStatus.Dialling })
        {
            await LogIntakeAsync(c, tx, stamp, s, created: false);
            return new HelpRequestReceipt(HelpRequestDisposition.InProgress, existing, await PositionAsync(c, tx, existing, now, CancellationToken.None))
            {
                AliasId = await AliasAsync(c, tx, existing, stamp),
            };
        }
        if (policy.HasSlotCap && await SlotCountAsync(c, tx, policy, s.ScheduledAt, existing?.Id) >= policy.MaxPerSlot)
            return new HelpRequestReceipt(HelpRequestDisposition.SlotFull, existing, 0);

        CallbackRequest stored;
        if (existing is not null)
        {
            // The latest wish wins; the place in line is the first ask; an interrupted call-back stays interrupted (issue 16).
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
            await using var update = Pg.Command(c, tx, """
                UPDATE callbacks SET scheduled_at = @ScheduledAt, status = @Status, page_url = @PageUrl, name = @Name,
                                     im_address = @ImAddress, time_zone = @TimeZone, customer_id = @CustomerId, updated_at = @UpdatedAt,
                                     medium = @Medium
                WHERE id = @Id
                """).Text("ScheduledAt", StoredTime.Write(stored.ScheduledAt)).Text("Status", stored.Status.ToString())
                .Text("PageUrl", stored.PageUrl).Text("Name", stored.Name).Text("ImAddress", stored.ImAddress)
                .Text("TimeZone", stored.TimeZone).Text("CustomerId", stored.CustomerId).Text("UpdatedAt", stamp)
                .Text("Medium", HelpMediums.Name(stored.Medium)).Text("Id", stored.Id);
            await update.ExecuteNonQueryAsync();
        }
        else
        {
            stored = new CallbackRequest(NewOrderedId(), s.QueueId, InteractionChannel.Callback, s.Address, s.ScheduledAt, s.Priority,
                s.ReceivedAt, CallbackStatus.Scheduled, customerId, s.PageUrl, s.QueueId, null, s.Name, s.ImAddress, s.TimeZone,
                Medium: s.Medium);
            await using var insert = PostgresCallbackRepository.Insert(c, tx, stored, stamp);
            await insert.ExecuteNonQueryAsync();
        }
        await LogIntakeAsync(c, tx, stamp, s, created: existing is null);
        return new HelpRequestReceipt(existing is null ? HelpRequestDisposition.Created : HelpRequestDisposition.Updated, stored,
            stored.Status == CallbackStatus.Interrupted ? 0 : await PositionAsync(c, tx, stored, now, CancellationToken.None))
        {
            AliasId = existing is null ? null : await AliasAsync(c, tx, existing, stamp),
        };
    }

    /// <summary>The dial-out cap this request would break (per number, per source, the topic's budget), or null.</summary>
    private static async Task<string?> OverCapAsync(NpgsqlConnection c, NpgsqlTransaction tx, HelpRequestSubmission s, CallbackQueuePolicy policy,
        DateTimeOffset now)
    {
        var dialOut = policy.DialOut;
        var since = StoredTime.Write(now - Day);
        if (dialOut.MaxPerNumberPerDay is { } perNumber
            && await CountAsync(c, tx, "SELECT count(*) FROM callback_intake WHERE address = @Key AND at >= @Since", s.Address, since) >= perNumber)
            return DialOutRule.PerNumber;
        if (dialOut.MaxPerSourcePerDay is { } perSource && s.Source is { } source
            && await CountAsync(c, tx, "SELECT count(*) FROM callback_intake WHERE source = @Key AND at >= @Since", source, since) >= perSource)
            return DialOutRule.PerSource;
        // The budget is for new call-backs (a merge adds no dial); counting a merge against a spent budget is the safe side.
        if (dialOut.BudgetFor(s.QueueId) is { } budget
            && await CountAsync(c, tx, "SELECT count(*) FROM callback_intake WHERE queue_id = @Key AND at >= @Since AND created = 1", s.QueueId, since) >= budget)
            return DialOutRule.TopicBudget;
        return null;
    }

    private static async Task<long> CountAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, string key, string since)
    {
        await using var count = Pg.Command(c, tx, sql).Text("Key", key).Text("Since", since);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task<long> SlotCountAsync(NpgsqlConnection c, NpgsqlTransaction tx, CallbackQueuePolicy policy, DateTimeOffset at, string? except)
    {
        var start = policy.SlotStart(at);
        await using var count = Pg.Command(c, tx, """
            SELECT count(*) FROM callbacks
            WHERE queue_id = @Queue AND scheduled_at >= @From AND scheduled_at < @To AND status <> 'Cancelled' AND id <> @Except
            """).Text("Queue", policy.QueueId).Text("From", StoredTime.Write(start)).Text("To", StoredTime.Write(start + policy.EffectiveSlotLength))
            .Text("Except", except ?? "");
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task LogIntakeAsync(NpgsqlConnection c, NpgsqlTransaction tx, string at, HelpRequestSubmission s, bool created)
    {
        await using var log = Pg.Command(c, tx, "INSERT INTO callback_intake (at, address, source, queue_id, created) VALUES (@At, @Address, @Source, @Queue, @Created)")
            .Text("At", at).Text("Address", s.Address).Text("Source", s.Source).Text("Queue", s.QueueId).Int("Created", created ? 1 : 0);
        await log.ExecuteNonQueryAsync();
    }

    /// <summary>A fresh id for a merged request, standing for <paramref name="callback"/> from now on.</summary>
    private static async Task<string> AliasAsync(NpgsqlConnection c, NpgsqlTransaction tx, CallbackRequest callback, string stamp)
    {
        var alias = NewId();
        await using var insert = Pg.Command(c, tx, "INSERT INTO callback_aliases (alias_id, callback_id, attempts_before, created_at) VALUES (@Alias, @Id, @Attempts, @At)")
            .Text("Alias", alias).Text("Id", callback.Id).Int("Attempts", callback.Attempts).Text("At", stamp);
        await insert.ExecuteNonQueryAsync();
        return alias;
    }

    /// <summary>1-based place among the queue's due call-backs served before it; 0 while it is not due yet.</summary>
    private static async Task<int> PositionAsync(NpgsqlConnection c, NpgsqlTransaction? tx, CallbackRequest callback, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (callback.ScheduledAt > now) return 0;
        await using var count = Pg.Command(c, tx, PositionSql).Text("Queue", callback.QueueId).Text("Now", StoredTime.Write(now))
            .Texts("Due", Due).Text("Id", callback.Id).Int("Priority", callback.Priority)
            .Text("Started", StoredTime.Write(callback.OriginalStartedAt));
        return 1 + (int)(long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// A new call-back's id: 16 hex digits of a time-based counter that only grows in this writer, then 16 random ones
    /// (64 bits nobody can guess). Exact ties of priority and original start are broken by id on PostgreSQL (its
    /// <c>callbacks</c> has no insertion-order column like SQLite's rowid), so ids that sort in the order they were
    /// stored keep SQLite's answer: requests asked at the same instant are served in the order they were taken.
    /// </summary>
    private string NewOrderedId()
    {
        _lastOrder = Math.Max(_time.GetUtcNow().UtcTicks, _lastOrder + 1);
        return _lastOrder.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose it under two registrations; the second call has nothing left to do.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Drain: requests already queued are committed (or failed) before the writer ends.
        _queue.Writer.TryComplete();
        await _writer;
    }

    private sealed class Work(HelpRequestSubmission submission, CallbackQueuePolicy policy)
    {
        public HelpRequestSubmission Submission { get; } = submission;
        public CallbackQueuePolicy Policy { get; } = policy;
        public TaskCompletionSource<HelpRequestReceipt> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
