using Ccgw.Core.Callbacks;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteCustomerAlertStore"/>: triggering is a conditional update, so an alert is sent at
/// most once even when both daemons of a pair see the queue's figures. Ids are compared and ordered byte-wise
/// (<c>COLLATE "C"</c>), as SQLite does, so the due list pages the same way whatever the database's locale.
/// </summary>
public sealed class PostgresCustomerAlertStore(PostgresDatabase database) : ICustomerAlertStore
{
    private const string Columns = """
        id AS Id, queue_id AS QueueId, threshold_seconds::bigint AS ThresholdSeconds, channel AS Channel, address AS Address,
        created_at AS CreatedAt, status AS Status, triggered_at AS TriggeredAt, ewt_seconds_at_trigger AS EwtSecondsAtTrigger,
        source AS Source
        """;

    public async ValueTask AddAsync(CustomerAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        // Alerts past their lifetime go as new ones come: the table is bounded by what a day's caps let in.
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM customer_alerts WHERE created_at < @Before",
            new { Before = StoredTime.Write(alert.CreatedAt - CustomerAlert.Lifetime) }, tx, cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO customer_alerts (id, queue_id, threshold_seconds, channel, address, created_at, status, source)
            VALUES (@Id, @QueueId, @ThresholdSeconds, @Channel, @Address, @CreatedAt, 'Waiting', @Source)
            """, new
        {
            alert.Id,
            alert.QueueId,
            ThresholdSeconds = (int)alert.Threshold.TotalSeconds,
            Channel = alert.Channel.ToString(),
            alert.Address,
            CreatedAt = StoredTime.Write(alert.CreatedAt),
            alert.Source,
        }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<CustomerAlert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM customer_alerts WHERE id = @Id", new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToAlert();
    }

    public async ValueTask<IReadOnlyList<CustomerAlert>> ListWaitingAsync(string queueId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM customer_alerts WHERE queue_id = @Queue AND status = 'Waiting' ORDER BY created_at, id COLLATE \"C\" LIMIT 10000",
            new { Queue = queueId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToAlert())];
    }

    public async ValueTask<IReadOnlyList<CustomerAlert>> ListDueAsync(string queueId, double ewtSeconds, DateTimeOffset createdSince,
        string? afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM customer_alerts
            WHERE queue_id = @Queue AND status = 'Waiting' AND threshold_seconds >= @Ewt AND created_at >= @Since
              AND id COLLATE "C" > @After
            ORDER BY id COLLATE "C" LIMIT @Limit
            """, new { Queue = queueId, Ewt = ewtSeconds, Since = StoredTime.Write(createdSince), After = afterId ?? "", Limit = limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToAlert())];
    }

    public async ValueTask<int> CountFromSourceAsync(string source, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM customer_alerts WHERE source = @Source AND created_at >= @Since",
            new { Source = source, Since = StoredTime.Write(since) }, cancellationToken: cancellationToken));
    }

    public async ValueTask<bool> TriggerAsync(string id, DateTimeOffset at, double ewtSeconds, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        // A racing trigger waits on the row, then re-checks status and updates nothing: one winner.
        return await c.ExecuteAsync(new CommandDefinition("""
            UPDATE customer_alerts SET status = 'Triggered', triggered_at = @At, ewt_seconds_at_trigger = @Ewt
            WHERE id = @Id AND status = 'Waiting'
            """, new { Id = id, At = StoredTime.Write(at), Ewt = ewtSeconds }, cancellationToken: cancellationToken)) == 1;
    }

    private sealed record Row(string Id, string QueueId, long ThresholdSeconds, string Channel, string? Address, string CreatedAt,
        string Status, string? TriggeredAt, double? EwtSecondsAtTrigger, string? Source)
    {
        public CustomerAlert ToAlert() => new(Id, QueueId, TimeSpan.FromSeconds(ThresholdSeconds), Enum.Parse<AlertChannel>(Channel), Address,
            StoredTime.Read(CreatedAt), Enum.Parse<CustomerAlertStatus>(Status), StoredTime.ReadNullable(TriggeredAt), EwtSecondsAtTrigger)
        {
            Source = Source,
        };
    }
}
