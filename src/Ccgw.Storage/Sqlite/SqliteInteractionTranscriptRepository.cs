using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>Chat transcripts in <c>interaction_transcripts</c> (migration 0020).</summary>
public sealed class SqliteInteractionTranscriptRepository(SqliteDatabase database) : IInteractionTranscriptRepository
{
    public async ValueTask AppendAsync(IReadOnlyList<TranscriptLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0) return;
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        foreach (var line in lines)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT OR IGNORE INTO interaction_transcripts (interaction_id, seq, at, sender, agent_id, body)
                VALUES (@InteractionId, @Sequence, @At, @Sender, @AgentId, @Body)
                """,
                new
                {
                    line.InteractionId,
                    line.Sequence,
                    At = StoredTime.Write(line.At),
                    Sender = line.Sender.ToString(),
                    line.AgentId,
                    line.Body,
                }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<IReadOnlyList<TranscriptLine>> GetAsync(string interactionId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition("""
            SELECT interaction_id AS InteractionId, seq AS Sequence, at AS At, sender AS Sender, agent_id AS AgentId, body AS Body
            FROM interaction_transcripts WHERE interaction_id = @Id ORDER BY seq
            """, new { Id = interactionId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new TranscriptLine(r.InteractionId, (int)r.Sequence, StoredTime.Read(r.At),
            Enum.Parse<TranscriptSender>(r.Sender), r.AgentId, r.Body))];
    }

    private sealed record Row(string InteractionId, long Sequence, string At, string Sender, string? AgentId, string Body);
}
