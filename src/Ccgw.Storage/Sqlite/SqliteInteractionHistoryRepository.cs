using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

public sealed class SqliteInteractionHistoryRepository(SqliteDatabase database) : IInteractionHistoryRepository
{
    public async ValueTask AppendAsync(InteractionHistoryEntry entry, IReadOnlyList<InteractionHistoryEvent> events,
        CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO interactions (interaction_id, channel, queue_id, customer_id, address, product, agent_id, state, arrived_at, original_started_at, ended_at)
            VALUES (@InteractionId, @Channel, @QueueId, @CustomerId, @Address, @Product, @AgentId, @State, @ArrivedAt, @OriginalStartedAt, @EndedAt)
            ON CONFLICT (interaction_id) DO UPDATE SET queue_id = excluded.queue_id, customer_id = coalesce(excluded.customer_id, customer_id),
                address = coalesce(excluded.address, address), product = coalesce(excluded.product, product),
                agent_id = coalesce(excluded.agent_id, agent_id), state = excluded.state, ended_at = coalesce(excluded.ended_at, ended_at)
            """,
            new
            {
                entry.InteractionId,
                Channel = entry.Channel.ToString(),
                entry.QueueId,
                entry.CustomerId,
                entry.Address,
                entry.Product,
                entry.AgentId,
                State = entry.State.ToString(),
                ArrivedAt = StoredTime.Write(entry.ArrivedAt),
                OriginalStartedAt = StoredTime.Write(entry.OriginalStartedAt),
                EndedAt = StoredTime.Write(entry.EndedAt),
            }, tx, cancellationToken: cancellationToken));
        foreach (var e in events)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT OR IGNORE INTO interaction_events (interaction_id, seq, at, kind, state, agent_id, queue_id, detail)
                VALUES (@InteractionId, @Sequence, @At, @Kind, @State, @AgentId, @QueueId, @Detail)
                """,
                new
                {
                    e.InteractionId,
                    e.Sequence,
                    At = StoredTime.Write(e.At),
                    e.Kind,
                    State = e.State?.ToString(),
                    e.AgentId,
                    e.QueueId,
                    e.Detail,
                }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<InteractionHistoryEntry>> QueryAsync(InteractionHistoryQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder("""
            SELECT interaction_id AS InteractionId, channel AS Channel, queue_id AS QueueId, customer_id AS CustomerId,
                   address AS Address, product AS Product, agent_id AS AgentId, state AS State, arrived_at AS ArrivedAt,
                   original_started_at AS OriginalStartedAt, ended_at AS EndedAt
            FROM interactions WHERE 1 = 1
            """);
        if (query.AgentId is not null) sql.Append(" AND agent_id = @AgentId");
        if (query.CustomerId is not null) sql.Append(" AND customer_id = @CustomerId");
        if (query.Product is not null) sql.Append(" AND product = @Product");
        if (query.From is not null) sql.Append(" AND arrived_at >= @From");
        if (query.To is not null) sql.Append(" AND arrived_at < @To");
        sql.Append(" ORDER BY arrived_at DESC, interaction_id LIMIT @Limit");
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<EntryRow>(new CommandDefinition(sql.ToString(), new
        {
            query.AgentId,
            query.CustomerId,
            query.Product,
            From = StoredTime.Write(query.From),
            To = StoredTime.Write(query.To),
            Limit = Math.Clamp(query.Limit, 1, 10_000),
        }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new InteractionHistoryEntry(r.InteractionId, Enum.Parse<InteractionChannel>(r.Channel), r.QueueId,
            r.CustomerId, r.Address, r.Product, r.AgentId, Enum.Parse<InteractionState>(r.State), StoredTime.Read(r.ArrivedAt),
            StoredTime.ReadNullable(r.OriginalStartedAt), StoredTime.ReadNullable(r.EndedAt)))];
    }

    public async ValueTask<IReadOnlyList<InteractionHistoryEvent>> GetEventsAsync(string interactionId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<EventRow>(new CommandDefinition("""
            SELECT interaction_id AS InteractionId, seq AS Sequence, at AS At, kind AS Kind, state AS State,
                   agent_id AS AgentId, queue_id AS QueueId, detail AS Detail
            FROM interaction_events WHERE interaction_id = @Id ORDER BY seq
            """, new { Id = interactionId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new InteractionHistoryEvent(r.InteractionId, r.Sequence, StoredTime.Read(r.At), r.Kind,
            r.State is null ? null : Enum.Parse<InteractionState>(r.State), r.AgentId, r.QueueId, r.Detail))];
    }

    private sealed record EntryRow(string InteractionId, string Channel, string QueueId, string? CustomerId, string? Address,
        string? Product, string? AgentId, string State, string ArrivedAt, string? OriginalStartedAt, string? EndedAt);

    private sealed record EventRow(string InteractionId, long Sequence, string At, string Kind, string? State,
        string? AgentId, string? QueueId, string? Detail);
}
