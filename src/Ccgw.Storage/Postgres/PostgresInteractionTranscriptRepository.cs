using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>Chat transcripts on PostgreSQL, as <see cref="SqliteInteractionTranscriptRepository"/>; idempotent per (interaction, sequence).</summary>
public sealed class PostgresInteractionTranscriptRepository(PostgresDatabase database) : IInteractionTranscriptRepository
{
    public async ValueTask AppendAsync(IReadOnlyList<TranscriptLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0) return;
        await database.WriteAsync(callbacks: false, async (c, tx) =>
        {
            foreach (var line in lines)
                await c.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO interaction_transcripts (interaction_id, seq, at, sender, agent_id, body)
                    VALUES (@InteractionId, @Sequence, @At, @Sender, @AgentId, @Body)
                    ON CONFLICT DO NOTHING
                    """,
                    new
                    {
                        line.InteractionId,
                        Sequence = (long)line.Sequence,
                        At = StoredTime.Write(line.At),
                        Sender = line.Sender.ToString(),
                        line.AgentId,
                        line.Body,
                    }, tx, cancellationToken: cancellationToken));
        }, cancellationToken);
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
