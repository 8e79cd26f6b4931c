using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>Customers' XMPP credentials on PostgreSQL (migration 0010's twin), beside the customers they belong to.</summary>
public sealed class PostgresCustomerCredentialStore(PostgresDatabase database, TimeProvider time) : ICustomerCredentialStore
{
    public async ValueTask<string?> GetXmppCredentialAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT credential FROM customer_xmpp_credentials WHERE customer_id = @Id", new { Id = customerId }, cancellationToken: cancellationToken));
    }

    public async ValueTask SetXmppCredentialAsync(string customerId, string credential, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO customer_xmpp_credentials (customer_id, credential, updated_at) VALUES (@Id, @Credential, @UpdatedAt)
            ON CONFLICT (customer_id) DO UPDATE SET credential = excluded.credential, updated_at = excluded.updated_at
            """, new { Id = customerId, Credential = credential, UpdatedAt = StoredTime.Write(time.GetUtcNow()) }, cancellationToken: cancellationToken));
    }
}
