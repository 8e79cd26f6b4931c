using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// Registrar bindings on PostgreSQL, as <see cref="SqliteRegistrationBindingStore"/>: a replace is one transaction. The
/// twin of <c>sip_bindings</c> has no insertion-order column, so an address's bindings list by contact URI (SQLite:
/// by rowid); AORs compare case-insensitively through the <c>ccgw_nocase</c> collation.
/// </summary>
public sealed class PostgresRegistrationBindingStore(PostgresDatabase database) : IRegistrationBindingStore
{
    private const string Select = """
        SELECT aor AS Aor, contact_uri AS ContactUri, call_id AS CallId, cseq AS CSeq, expires_at AS ExpiresAt,
               q AS Q, received_from AS ReceivedFrom
        FROM sip_bindings
        """;

    public async ValueTask<IReadOnlyList<RegistrationBinding>> GetAsync(string aor, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"{Select} WHERE aor = @Aor ORDER BY contact_uri COLLATE \"C\"",
            new { Aor = aor }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToBinding())];
    }

    public ValueTask ReplaceAsync(string aor, IReadOnlyList<RegistrationBinding> bindings, CancellationToken cancellationToken) =>
        ReplaceManyAsync([new(aor, bindings)], cancellationToken);

    /// <summary>Every address in one transaction (retried whole on a serialization failure, as every write here).</summary>
    public async ValueTask ReplaceManyAsync(IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<RegistrationBinding>>> changes, CancellationToken cancellationToken) =>
        await database.WriteAsync(callbacks: false, async (c, tx) =>
        {
            foreach (var (aor, bindings) in changes)
            {
                await c.ExecuteAsync(new CommandDefinition("DELETE FROM sip_bindings WHERE aor = @Aor", new { Aor = aor }, tx, cancellationToken: cancellationToken));
                foreach (var b in bindings)
                    await c.ExecuteAsync(new CommandDefinition("""
                        INSERT INTO sip_bindings (aor, contact_uri, call_id, cseq, expires_at, q, received_from)
                        VALUES (@Aor, @ContactUri, @CallId, @CSeq, @ExpiresAt, @Q, @ReceivedFrom)
                        ON CONFLICT (aor, contact_uri) DO UPDATE SET call_id = excluded.call_id, cseq = excluded.cseq,
                            expires_at = excluded.expires_at, q = excluded.q, received_from = excluded.received_from
                        """,
                        new { Aor = aor, b.ContactUri, b.CallId, b.CSeq, ExpiresAt = StoredTime.Write(b.ExpiresAt), b.Q, b.ReceivedFrom },
                        tx, cancellationToken: cancellationToken));
            }
        }, cancellationToken);

    public async ValueTask<IReadOnlyList<RegistrationBinding>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"{Select} WHERE expires_at > @Now ORDER BY aor, contact_uri COLLATE \"C\"",
            new { Now = StoredTime.Write(now) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToBinding())];
    }

    private sealed record Row(string Aor, string ContactUri, string CallId, long CSeq, string ExpiresAt, string? Q, string ReceivedFrom)
    {
        public RegistrationBinding ToBinding() => new(Aor, ContactUri, CallId, CSeq, StoredTime.Read(ExpiresAt), Q, ReceivedFrom);
    }
}
