using Ccgw.Core.Callbacks;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// A queue's pending call-backs for consoles. Counts and items come from one read transaction (a WAL snapshot), so the
/// figures always match the items; the queue's index (queue_id, scheduled_at, status) keeps both cheap on a long list.
/// </summary>
public sealed class SqliteCallbackListReader(SqliteDatabase database) : ICallbackListReader
{
    private static readonly string[] Pending = [.. CallbackQueueList.PendingStatuses.Select(s => s.ToString())];

    public async ValueTask<CallbackQueueList> ReadQueueAsync(string queueId, DateTimeOffset now, int limit,
        CancellationToken cancellationToken = default)
    {
        var parameters = new { Queue = queueId, Pending, Now = StoredTime.Write(now), Limit = Math.Clamp(limit, 0, 1000) };
        await using var c = await database.OpenAsync(cancellationToken);
        // Deferred: a read must not take the write lock the help-request intake commits under.
        await using var tx = c.BeginTransaction(deferred: true);
        var counts = await c.QuerySingleAsync<Counts>(new CommandDefinition("""
            SELECT count(*) AS Pending, coalesce(sum(scheduled_at <= @Now), 0) AS DueNow,
                   min(CASE WHEN scheduled_at > @Now THEN scheduled_at END) AS NextDueAt
            FROM callbacks WHERE queue_id = @Queue AND status IN @Pending
            """, parameters, tx, cancellationToken: cancellationToken));
        var rows = await c.QueryAsync<SqliteCallbackRepository.Row>(new CommandDefinition($"""
            SELECT {SqliteCallbackRepository.Columns} FROM callbacks
            WHERE queue_id = @Queue AND status IN @Pending
            ORDER BY {SqliteCallbackRepository.ListOrder} LIMIT @Limit
            """, parameters, tx, cancellationToken: cancellationToken));
        var items = rows.Select(r => r.ToRequest()).ToList();
        await tx.CommitAsync(cancellationToken);
        return new CallbackQueueList(queueId, (int)counts.Pending, (int)counts.DueNow, items, StoredTime.ReadNullable(counts.NextDueAt));
    }

    // Settable properties, not a record: min() of no rows is a NULL that SQLite does not type as text.
    private sealed class Counts
    {
        public long Pending { get; set; }

        public long DueNow { get; set; }

        public string? NextDueAt { get; set; }
    }
}
