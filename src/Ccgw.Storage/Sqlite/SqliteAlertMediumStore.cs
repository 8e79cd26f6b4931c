using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>The customers' alert media (migration 0050), one row per customer who chose one.</summary>
public sealed class SqliteAlertMediumStore(SqliteDatabase database) : IAlertMediumStore
{
    public async ValueTask<AlertMedium?> GetAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var text = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT medium FROM customer_alert_media WHERE customer_id = @CustomerId", new { CustomerId = customerId }, cancellationToken: cancellationToken));
        return text switch { "page" => AlertMedium.Page, "chat" => AlertMedium.Chat, "email" => AlertMedium.Email, _ => null };
    }

    public async ValueTask SetAsync(string customerId, AlertMedium medium, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO customer_alert_media (customer_id, medium, updated_at) VALUES (@CustomerId, @Medium, @At)
            ON CONFLICT (customer_id) DO UPDATE SET medium = excluded.medium, updated_at = excluded.updated_at
            """,
            new { CustomerId = customerId, Medium = medium switch { AlertMedium.Chat => "chat", AlertMedium.Email => "email", _ => "page" }, At = StoredTime.Write(at) },
            cancellationToken: cancellationToken));
    }
}
