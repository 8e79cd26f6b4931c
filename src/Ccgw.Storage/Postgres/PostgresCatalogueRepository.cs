using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>PostgreSQL twin of <see cref="SqliteCatalogueRepository"/> (migration 0036), listed in SQLite's byte order.</summary>
public sealed class PostgresCatalogueRepository(PostgresDatabase database, TimeProvider time) : ICatalogueRepository
{
    private const string Select = """
        SELECT item_id AS Id, product AS Product, kind AS Kind, name AS Name, description AS Description, price_minor AS PriceMinor,
               currency AS Currency FROM catalogue_items
        """;

    public async ValueTask<IReadOnlyList<CatalogueItem>> ListAsync(string? product = null, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"{Select} WHERE CAST(@Product AS text) IS NULL OR product = @Product ORDER BY product COLLATE \"C\", name COLLATE \"C\", item_id COLLATE \"C\"",
            new { Product = product }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToItem())];
    }

    public async ValueTask<CatalogueItem?> GetAsync(string itemId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"{Select} WHERE item_id = @Id", new { Id = itemId },
            cancellationToken: cancellationToken));
        return row?.ToItem();
    }

    public async ValueTask UpsertAsync(CatalogueItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO catalogue_items (item_id, product, kind, name, description, price_minor, currency, updated_at)
            VALUES (@Id, @Product, @Kind, @Name, @Description, @PriceMinor, @Currency, @Now)
            ON CONFLICT (item_id) DO UPDATE SET product = excluded.product, kind = excluded.kind, name = excluded.name,
                description = excluded.description, price_minor = excluded.price_minor, currency = excluded.currency,
                updated_at = excluded.updated_at
            """,
            new
            {
                item.Id, item.Product, Kind = item.Kind == CatalogueItemKind.Part ? "part" : "service", item.Name, item.Description,
                item.PriceMinor, item.Currency, Now = StoredTime.Write(time.GetUtcNow()),
            }, cancellationToken: cancellationToken));
    }

    public async ValueTask<bool> DeleteAsync(string itemId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition("DELETE FROM catalogue_items WHERE item_id = @Id", new { Id = itemId },
            cancellationToken: cancellationToken)) > 0;
    }

    private sealed record Row(string Id, string Product, string Kind, string Name, string? Description, long? PriceMinor, string? Currency)
    {
        public CatalogueItem ToItem() =>
            new(Id, Product, Kind == "part" ? CatalogueItemKind.Part : CatalogueItemKind.Service, Name, Description, PriceMinor, Currency);
    }
}
