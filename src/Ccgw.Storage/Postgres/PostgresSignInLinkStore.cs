using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>PostgreSQL twin of <see cref="SqliteSignInLinkStore"/> (migration 0030): links by the SHA-256 of their token.</summary>
public sealed class PostgresSignInLinkStore(PostgresDatabase database) : ISignInLinkStore
{
    public async ValueTask AddAsync(byte[] tokenHash, string customerId, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM customer_sign_in_links WHERE expires_at < @Horizon",
            new { Horizon = StoredTime.Write(createdAt - SqliteSignInLinkStore.KeepAfterExpiry) }, tx, cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO customer_sign_in_links (token_hash, customer_id, created_at, expires_at) VALUES (@Hash, @CustomerId, @CreatedAt, @ExpiresAt)
            """,
            new { Hash = tokenHash, CustomerId = customerId, CreatedAt = StoredTime.Write(createdAt), ExpiresAt = StoredTime.Write(expiresAt) },
            tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<string?> ConsumeAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        // One statement: a second use racing this one waits on the row lock, then re-checks used_at and finds it set,
        // so of two uses (on one daemon or on both of a pair) exactly one gets the customer.
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition("""
            UPDATE customer_sign_in_links SET used_at = @Now
            WHERE token_hash = @Hash AND used_at IS NULL AND expires_at > @Now
            RETURNING customer_id
            """, new { Hash = tokenHash, Now = StoredTime.Write(now) }, cancellationToken: cancellationToken));
    }
}
