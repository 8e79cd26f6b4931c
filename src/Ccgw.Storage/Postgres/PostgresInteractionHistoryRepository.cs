using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>Interaction history on PostgreSQL, as <see cref="SqliteInteractionHistoryRepository"/>: a burst of events is one commit.</summary>
public sealed class PostgresInteractionHistoryRepository(PostgresDatabase database) : IInteractionHistoryRepository
{
    public ValueTask AppendAsync(InteractionHistoryEntry entry, IReadOnlyList<InteractionHistoryEvent> events,
        CancellationToken cancellationToken = default) =>
        AppendAsync([new InteractionHistoryAppend(entry, events)], cancellationToken);

    public async ValueTask AppendAsync(IReadOnlyList<InteractionHistoryAppend> appends, CancellationToken cancellationToken = default)
    {
        if (appends.Count == 0) return;
        await database.WriteAsync(callbacks: false, async (c, tx) =>
        {
            // Two statements prepared once and run with new values per row.
            await using var upsert = Pg.Command(c, tx, """
                INSERT INTO interactions AS i (interaction_id, channel, queue_id, customer_id, address, product, agent_id, state, arrived_at, original_started_at, ended_at, medium)
                VALUES (@InteractionId, @Channel, @QueueId, @CustomerId, @Address, @Product, @AgentId, @State, @ArrivedAt, @OriginalStartedAt, @EndedAt, @Medium)
                ON CONFLICT (interaction_id) DO UPDATE SET queue_id = excluded.queue_id, customer_id = coalesce(excluded.customer_id, i.customer_id),
                    address = coalesce(excluded.address, i.address), product = coalesce(excluded.product, i.product),
                    agent_id = coalesce(excluded.agent_id, i.agent_id), state = excluded.state, ended_at = coalesce(excluded.ended_at, i.ended_at),
                    medium = coalesce(excluded.medium, i.medium)
                """).Text("InteractionId", null).Text("Channel", null).Text("QueueId", null).Text("CustomerId", null).Text("Address", null)
                .Text("Product", null).Text("AgentId", null).Text("State", null).Text("ArrivedAt", null).Text("OriginalStartedAt", null)
                .Text("EndedAt", null).Text("Medium", null);
            await using var insertEvent = Pg.Command(c, tx, """
                INSERT INTO interaction_events (interaction_id, seq, at, kind, state, agent_id, queue_id, detail)
                VALUES (@InteractionId, @Sequence, @At, @Kind, @State, @AgentId, @QueueId, @Detail)
                ON CONFLICT DO NOTHING
                """).Text("InteractionId", null).Long("Sequence", 0).Text("At", null).Text("Kind", null).Text("State", null)
                .Text("AgentId", null).Text("QueueId", null).Text("Detail", null);
            foreach (var (entry, events) in appends)
            {
                await ExecuteAsync(upsert, cancellationToken, entry.InteractionId, entry.Channel.ToString(), entry.QueueId, entry.CustomerId,
                    entry.Address, entry.Product, entry.AgentId, entry.State.ToString(), StoredTime.Write(entry.ArrivedAt),
                    StoredTime.Write(entry.OriginalStartedAt), StoredTime.Write(entry.EndedAt),
                    entry.Medium is { } medium ? HelpMediums.Name(medium) : null);
                foreach (var e in events)
                    await ExecuteAsync(insertEvent, cancellationToken, e.InteractionId, e.Sequence, StoredTime.Write(e.At), e.Kind,
                        e.State?.ToString(), e.AgentId, e.QueueId, e.Detail);
            }
        }, cancellationToken);
    }

    private static async ValueTask ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<InteractionHistoryEntry>> QueryAsync(InteractionHistoryQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder("""
            SELECT interaction_id AS InteractionId, channel AS Channel, queue_id AS QueueId, customer_id AS CustomerId,
                   address AS Address, product AS Product, agent_id AS AgentId, state AS State, arrived_at AS ArrivedAt,
                   original_started_at AS OriginalStartedAt, ended_at AS EndedAt, medium AS Medium
            FROM interactions WHERE TRUE
            """);
        if (query.AgentId is not null) sql.Append(" AND agent_id = @AgentId");
        if (query.CustomerId is not null) sql.Append(" AND customer_id = @CustomerId");
        if (query.Product is not null) sql.Append(" AND product = @Product");
        if (query.From is not null) sql.Append(" AND arrived_at >= @From");
        if (query.To is not null) sql.Append(" AND arrived_at < @To");
        // COLLATE "C": the same byte order of ids as SQLite's BINARY.
        sql.Append(" ORDER BY arrived_at DESC, interaction_id COLLATE \"C\" LIMIT @Limit");
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
            StoredTime.ReadNullable(r.OriginalStartedAt), StoredTime.ReadNullable(r.EndedAt),
            r.Medium is null ? null : HelpMediums.Read(r.Medium)))];
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
        string? Product, string? AgentId, string State, string ArrivedAt, string? OriginalStartedAt, string? EndedAt, string? Medium);

    private sealed record EventRow(string InteractionId, long Sequence, string At, string Kind, string? State,
        string? AgentId, string? QueueId, string? Detail);
}
