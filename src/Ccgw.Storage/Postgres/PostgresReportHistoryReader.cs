using System.Runtime.CompilerServices;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteReportHistoryReader"/>: the same two queries through the indexes of migration
/// 0040's twin, rows read with the plain data reader (a month is most of a million rows). Interaction ids are ordered
/// byte-wise (<c>COLLATE "C"</c>) as SQLite orders them.
/// </summary>
public sealed class PostgresReportHistoryReader(PostgresDatabase database) : IReportHistoryReader
{
    private const string Columns = "e.interaction_id, e.seq, e.at, e.kind, e.state, e.agent_id, e.queue_id, e.detail";

    // Exactly the partial index's condition (migration 0040), so the planner can prove the index covers the query.
    private const string Kinds = "('stateChanged', 'offerRejected', 'offerTimedOut')";

    private const string NotWrapUp = "(e.state IS NULL OR e.state <> 'WrapUp')";

    public async IAsyncEnumerable<ReportEvent> ReadEventsAsync(DateTimeOffset from, DateTimeOffset to,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var fromText = StoredTime.Write(from);
        // Interactions open when the period starts: their earlier steps first, so each is followed from its start.
        await using (var context = new NpgsqlCommand($"""
            SELECT {Columns} FROM interaction_events e
            WHERE e.interaction_id IN (
                SELECT interaction_id FROM interactions WHERE ended_at >= @from AND arrived_at < @from
                UNION ALL SELECT interaction_id FROM interactions WHERE ended_at IS NULL AND arrived_at < @from)
              AND e.at < @from AND e.kind IN {Kinds} AND {NotWrapUp}
            ORDER BY e.interaction_id COLLATE "C", e.seq
            """, c))
        {
            context.Parameters.AddWithValue("from", fromText);
            await foreach (var e in ReadAsync(context, cancellationToken)) yield return e;
        }
        await using var period = new NpgsqlCommand($"""
            SELECT {Columns} FROM interaction_events e
            WHERE e.at >= @from AND e.at < @to AND e.kind IN {Kinds} AND {NotWrapUp}
            ORDER BY e.at, e.interaction_id COLLATE "C", e.seq
            """, c);
        period.Parameters.AddWithValue("from", fromText);
        period.Parameters.AddWithValue("to", StoredTime.Write(to));
        await foreach (var e in ReadAsync(period, cancellationToken)) yield return e;
    }

    private static async IAsyncEnumerable<ReportEvent> ReadAsync(NpgsqlCommand command, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new ReportEvent(
                reader.GetString(0),
                reader.GetInt64(1),
                StoredTime.Read(reader.GetString(2)),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : Enum.Parse<InteractionState>(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7));
        }
    }

    public async ValueTask<IReadOnlyList<ReportCallbackAttempt>> ReadCallbackAttemptsAsync(DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<(string QueueId, string At, string? Outcome)>(new CommandDefinition("""
            SELECT queue_id, last_attempt_at, last_outcome FROM callbacks
            WHERE last_attempt_at >= @From AND last_attempt_at < @To
            """, new { From = StoredTime.Write(from), To = StoredTime.Write(to) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ReportCallbackAttempt(r.QueueId, StoredTime.Read(r.At), r.Outcome ?? "unknown"))];
    }
}
