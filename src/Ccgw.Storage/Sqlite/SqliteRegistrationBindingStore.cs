using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>A registrar binding as stored; protocol-neutral so Storage needs no SIP reference.</summary>
public sealed record RegistrationBinding(string Aor, string ContactUri, string CallId, long CSeq, DateTimeOffset ExpiresAt,
    string? Q, string ReceivedFrom);

/// <summary>Registrar bindings, durable: SQLite or PostgreSQL (<c>Storage:Engine</c>).</summary>
public interface IRegistrationBindingStore
{
    ValueTask<IReadOnlyList<RegistrationBinding>> GetAsync(string aor, CancellationToken cancellationToken);

    /// <summary>The address's bindings become exactly <paramref name="bindings"/>, in one transaction.</summary>
    ValueTask ReplaceAsync(string aor, IReadOnlyList<RegistrationBinding> bindings, CancellationToken cancellationToken);

    /// <summary>
    /// Each address's bindings become exactly its list (empty: none), every address in one transaction: the registrar's
    /// group commit, one fsync for the REGISTERs of many phones.
    /// </summary>
    ValueTask ReplaceManyAsync(IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<RegistrationBinding>>> changes, CancellationToken cancellationToken);

    /// <summary>Bindings not yet expired at <paramref name="now"/>, for every address of record.</summary>
    ValueTask<IReadOnlyList<RegistrationBinding>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// Registrar bindings in SQLite. A replace is one transaction, so a REGISTER's answer (200 listing the bindings)
/// never describes a state that a crash could undo.
/// </summary>
public sealed class SqliteRegistrationBindingStore(SqliteDatabase database) : IRegistrationBindingStore
{
    public async ValueTask<IReadOnlyList<RegistrationBinding>> GetAsync(string aor, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition("""
            SELECT aor AS Aor, contact_uri AS ContactUri, call_id AS CallId, cseq AS CSeq, expires_at AS ExpiresAt,
                   q AS Q, received_from AS ReceivedFrom
            FROM sip_bindings WHERE aor = @Aor ORDER BY rowid
            """, new { Aor = aor }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToBinding())];
    }

    public ValueTask ReplaceAsync(string aor, IReadOnlyList<RegistrationBinding> bindings, CancellationToken cancellationToken) =>
        ReplaceManyAsync([new(aor, bindings)], cancellationToken);

    public async ValueTask ReplaceManyAsync(IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<RegistrationBinding>>> changes, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        foreach (var (aor, bindings) in changes)
        {
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM sip_bindings WHERE aor = @Aor", new { Aor = aor }, tx, cancellationToken: cancellationToken));
            foreach (var b in bindings)
                await c.ExecuteAsync(new CommandDefinition("""
                    INSERT OR REPLACE INTO sip_bindings (aor, contact_uri, call_id, cseq, expires_at, q, received_from)
                    VALUES (@Aor, @ContactUri, @CallId, @CSeq, @ExpiresAt, @Q, @ReceivedFrom)
                    """,
                    new { Aor = aor, b.ContactUri, b.CallId, b.CSeq, ExpiresAt = StoredTime.Write(b.ExpiresAt), b.Q, b.ReceivedFrom },
                    tx, cancellationToken: cancellationToken));
        }
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Bindings not yet expired at <paramref name="now"/>, for every address of record.</summary>
    public async ValueTask<IReadOnlyList<RegistrationBinding>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition("""
            SELECT aor AS Aor, contact_uri AS ContactUri, call_id AS CallId, cseq AS CSeq, expires_at AS ExpiresAt,
                   q AS Q, received_from AS ReceivedFrom
            FROM sip_bindings WHERE expires_at > @Now ORDER BY aor, rowid
            """, new { Now = StoredTime.Write(now) }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToBinding())];
    }

    private sealed record Row(string Aor, string ContactUri, string CallId, long CSeq, string ExpiresAt, string? Q, string ReceivedFrom)
    {
        public RegistrationBinding ToBinding() => new(Aor, ContactUri, CallId, CSeq, StoredTime.Read(ExpiresAt), Q, ReceivedFrom);
    }
}
