using System.Runtime.CompilerServices;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// Reads a period's history for interval reports through the indexes of migration 0040 (the period's steps from one
/// covering index, in time order). Rows are read with the plain data reader, not Dapper: a month is most of a million
/// rows, and Dapper's mapping would cost more than the query (docs/reports.md has the figures).
/// </summary>
public sealed class SqliteReportHistoryReader(SqliteDatabase database) : IReportHistoryReader
{
    private const string Columns = "e.interaction_id, e.seq, e.at, e.kind, e.state, e.agent_id, e.queue_id, e.detail";

    // Exactly the partial index's condition (migration 0040): SQLite uses a partial index only when the query repeats it.
    private const string Kinds = "('stateChanged', 'offerRejected', 'offerTimedOut')";

    // Nothing is counted on entering wrap-up (handling ends when the interaction does), so those rows stay in SQLite.
    private const string NotWrapUp = "(e.state IS NULL OR e.state <> 'WrapUp')";

    public async IAsyncEnumerable<ReportEvent> ReadEventsAsync(DateTimeOffset from, DateTimeOffset to,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var fromText = StoredTime.Write(from);
        // Interactions open when the period starts: their earlier steps first, so each is followed from its start.
        await using (var context = c.CreateCommand())
        {
            context.CommandText = $"""
                SELECT {Columns} FROM interaction_events e
                WHERE e.interaction_id IN (
                    SELECT interaction_id FROM interactions WHERE ended_at >= @from AND arrived_at < @from
                    UNION ALL SELECT interaction_id FROM interactions WHERE ended_at IS NULL AND arrived_at < @from)
                  AND e.at < @from AND e.kind IN {Kinds} AND {NotWrapUp}
                ORDER BY e.interaction_id, e.seq
                """;
            context.Parameters.AddWithValue("@from", fromText);
            await foreach (var e in ReadAsync(context, cancellationToken)) yield return e;
        }
        await using var period = c.CreateCommand();
        period.CommandText = $"""
            SELECT {Columns} FROM interaction_events e
            WHERE e.at >= @from AND e.at < @to AND e.kind IN {Kinds} AND {NotWrapUp}
            ORDER BY e.at, e.interaction_id, e.seq
            """;
        period.Parameters.AddWithValue("@from", fromText);
        period.Parameters.AddWithValue("@to", StoredTime.Write(to));
        await foreach (var e in ReadAsync(period, cancellationToken)) yield return e;
    }

    private static async IAsyncEnumerable<ReportEvent> ReadAsync(SqliteCommand command, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new ReportEvent(
                reader.GetString(0),
                reader.GetInt64(1),
                StoredTime.Read(reader.GetString(2)),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : State(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7));
        }
    }

    private static InteractionState State(string text) => text switch
    {
        nameof(InteractionState.Queued) => InteractionState.Queued,
        nameof(InteractionState.Offered) => InteractionState.Offered,
        nameof(InteractionState.Connected) => InteractionState.Connected,
        nameof(InteractionState.WrapUp) => InteractionState.WrapUp,
        nameof(InteractionState.Ended) => InteractionState.Ended,
        _ => Enum.Parse<InteractionState>(text),
    };

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
