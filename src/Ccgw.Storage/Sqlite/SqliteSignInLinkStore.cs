using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>One-time sign-in links (migration 0030), by the SHA-256 of their token; used and expired rows are swept on write.</summary>
public sealed class SqliteSignInLinkStore(SqliteDatabase database) : ISignInLinkStore
{
    /// <summary>Used or expired links are kept this long (for an operator's look), then deleted by the next write.</summary>
    public static readonly TimeSpan KeepAfterExpiry = TimeSpan.FromDays(1);

    public async ValueTask AddAsync(byte[] tokenHash, string customerId, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            DELETE FROM customer_sign_in_links WHERE expires_at < @Horizon;
            INSERT INTO customer_sign_in_links (token_hash, customer_id, created_at, expires_at) VALUES (@Hash, @CustomerId, @CreatedAt, @ExpiresAt);
            """,
            new
            {
                Hash = tokenHash,
                CustomerId = customerId,
                CreatedAt = StoredTime.Write(createdAt),
                ExpiresAt = StoredTime.Write(expiresAt),
                Horizon = StoredTime.Write(createdAt - KeepAfterExpiry),
            }, cancellationToken: cancellationToken));
    }

    public async ValueTask<string?> ConsumeAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        // One statement: the row is marked used only if it was unused and current, so two racing uses get one winner.
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition("""
            UPDATE customer_sign_in_links SET used_at = @Now
            WHERE token_hash = @Hash AND used_at IS NULL AND expires_at > @Now
            RETURNING customer_id
            """, new { Hash = tokenHash, Now = StoredTime.Write(now) }, cancellationToken: cancellationToken));
    }
}
