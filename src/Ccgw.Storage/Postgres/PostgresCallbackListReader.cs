using Ccgw.Core.Callbacks;
using Ccgw.Storage.Sqlite;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// A queue's pending call-backs for consoles, as <see cref="SqliteCallbackListReader"/>: counts and items from one
/// REPEATABLE READ transaction (one snapshot), so the figures always match the items.
/// </summary>
public sealed class PostgresCallbackListReader(PostgresDatabase database) : ICallbackListReader
{
    private static readonly string[] Pending = [.. CallbackQueueList.PendingStatuses.Select(s => s.ToString())];

    public async ValueTask<CallbackQueueList> ReadQueueAsync(string queueId, DateTimeOffset now, int limit,
        CancellationToken cancellationToken = default)
    {
        var stamp = StoredTime.Write(now);
        await using var c = await database.OpenAsync(cancellationToken);
        // Read-only snapshot: takes no lock a writer of call-backs waits for.
        await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long pending, dueNow;
        string? nextDueAt;
        await using (var counts = Pg.Command(c, tx, """
            SELECT count(*), count(*) FILTER (WHERE scheduled_at <= @Now), min(scheduled_at) FILTER (WHERE scheduled_at > @Now)
            FROM callbacks WHERE queue_id = @Queue AND status = ANY(@Pending)
            """).Text("Now", stamp).Text("Queue", queueId).Texts("Pending", Pending))
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            pending = reader.GetInt64(0);
            dueNow = reader.GetInt64(1);
            nextDueAt = reader.TextOrNull(2);
        }
        IReadOnlyList<Core.Repositories.CallbackRequest> items;
        await using (var select = Pg.Command(c, tx, $"""
            SELECT {PostgresCallbackRepository.Columns} FROM callbacks
            WHERE queue_id = @Queue AND status = ANY(@Pending)
            ORDER BY {PostgresCallbackRepository.ListOrder} LIMIT @Limit
            """).Text("Queue", queueId).Texts("Pending", Pending).Int("Limit", Math.Clamp(limit, 0, 1000)))
            items = await PostgresCallbackRepository.ReadAllAsync(select, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new CallbackQueueList(queueId, (int)pending, (int)dueNow, items, StoredTime.ReadNullable(nextDueAt));
    }
}
