using System.Globalization;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>The one-row identity of this installation (both daemons of a pair share it), created on first start.</summary>
public sealed class PostgresGatewayInstanceStore(PostgresDatabase database, TimeProvider time)
{
    public async Task<string> EnsureAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO gateway_instance (id, instance_id, created_at) VALUES (1, @Id, @At) ON CONFLICT (id) DO NOTHING",
            new { Id = Guid.NewGuid().ToString("N"), At = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT instance_id FROM gateway_instance WHERE id = 1", cancellationToken: cancellationToken)) ?? "";
    }
}
