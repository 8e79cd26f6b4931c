using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// Customers on PostgreSQL, as <see cref="SqliteCustomerRepository"/>. Numbers and IM addresses keep the order they
/// were given through the identity column <c>ordinal</c> (SQLite's rowid); IM addresses match case-insensitively
/// through <c>ccgw_nocase</c>.
/// </summary>
public sealed class PostgresCustomerRepository(PostgresDatabase database, TimeProvider time) : ICustomerRepository
{
    private const string SelectById = """
        SELECT id AS Id, name AS Name, preferred_channel AS PreferredChannel, preferred_address AS PreferredAddress,
               preferred_hours AS PreferredHours, products_json AS ProductsJson, orders_json AS OrdersJson,
               email AS Email, interests_json AS InterestsJson
        FROM customers WHERE id = @Id
        """;

    public async ValueTask<Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await LoadAsync(c, customerId, cancellationToken);
    }

    public async ValueTask<Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var id = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT customer_id FROM customer_phones WHERE phone = @Phone ORDER BY customer_id LIMIT 1", new { Phone = e164 },
            cancellationToken: cancellationToken));
        return id is null ? null : await LoadAsync(c, id, cancellationToken);
    }

    public async ValueTask<Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var id = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT customer_id FROM customer_im_addresses WHERE address = @Address ORDER BY customer_id LIMIT 1", new { Address = address },
            cancellationToken: cancellationToken));
        return id is null ? null : await LoadAsync(c, id, cancellationToken);
    }

    public async ValueTask UpsertAsync(Customer customer, CancellationToken cancellationToken = default) =>
        await database.WriteAsync(callbacks: false, async (c, tx) =>
        {
            // Orders placed through ccgw live in their own table (migration 0036): never copied into orders_json.
            var placed = (await c.QueryAsync<string>(new CommandDefinition("SELECT order_id FROM orders WHERE customer_id = @Id",
                new { customer.Id }, tx, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO customers (id, name, preferred_channel, preferred_address, preferred_hours, products_json, orders_json, updated_at,
                    email, interests_json)
                VALUES (@Id, @Name, @PreferredChannel, @PreferredAddress, @PreferredHours, @ProductsJson, @OrdersJson, @UpdatedAt,
                    @Email, @InterestsJson)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, preferred_channel = excluded.preferred_channel,
                    preferred_address = excluded.preferred_address, preferred_hours = excluded.preferred_hours,
                    products_json = excluded.products_json, orders_json = excluded.orders_json, updated_at = excluded.updated_at,
                    email = excluded.email, interests_json = excluded.interests_json
                """,
                new
                {
                    customer.Id,
                    customer.Name,
                    PreferredChannel = customer.PreferredContact?.Channel.ToString(),
                    PreferredAddress = customer.PreferredContact?.Address,
                    PreferredHours = customer.PreferredContact?.Hours,
                    ProductsJson = JsonSerializer.Serialize(customer.Products, StorageJson.Options),
                    OrdersJson = JsonSerializer.Serialize(customer.Orders.Where(o => !placed.Contains(o.OrderId)).ToList(), StorageJson.Options),
                    UpdatedAt = StoredTime.Write(time.GetUtcNow()),
                    Email = customer.Email is { Length: > 0 } email ? email : null,
                    InterestsJson = JsonSerializer.Serialize(customer.Interests ?? [], StorageJson.Options),
                }, tx, cancellationToken: cancellationToken));
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM customer_phones WHERE customer_id = @Id; DELETE FROM customer_im_addresses WHERE customer_id = @Id;",
                new { customer.Id }, tx, cancellationToken: cancellationToken));
            foreach (var phone in customer.Phones.Distinct(StringComparer.Ordinal))
                await c.ExecuteAsync(new CommandDefinition("INSERT INTO customer_phones (phone, customer_id) VALUES (@Phone, @Id)",
                    new { Phone = phone, customer.Id }, tx, cancellationToken: cancellationToken));
            foreach (var address in customer.ImAddresses.Distinct(StringComparer.OrdinalIgnoreCase))
                await c.ExecuteAsync(new CommandDefinition("INSERT INTO customer_im_addresses (address, customer_id) VALUES (@Address, @Id)",
                    new { Address = address, customer.Id }, tx, cancellationToken: cancellationToken));
        }, cancellationToken);

    private async ValueTask<Customer?> LoadAsync(System.Data.Common.DbConnection c, string id, CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(SelectById, new { Id = id }, cancellationToken: cancellationToken));
        if (row is null) return null;
        var phones = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT phone FROM customer_phones WHERE customer_id = @Id ORDER BY ordinal", new { Id = id }, cancellationToken: cancellationToken));
        var ims = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT address FROM customer_im_addresses WHERE customer_id = @Id ORDER BY ordinal", new { Id = id }, cancellationToken: cancellationToken));
        PreferredContact? preferred = row.PreferredChannel is { } channel && Enum.TryParse<InteractionChannel>(channel, out var ch)
            ? new PreferredContact(ch, row.PreferredAddress, row.PreferredHours)
            : null;
        var placed = await c.QueryAsync<(string OrderId, string Status, string PlacedAt, string Product)>(new CommandDefinition(
            "SELECT order_id, status, placed_at, product FROM orders WHERE customer_id = @Id ORDER BY placed_at, order_id", new { Id = id },
            cancellationToken: cancellationToken));
        var changes = await c.QueryAsync<ChangeRow>(new CommandDefinition("""
            SELECT customer_id AS CustomerId, at AS At, actor AS Actor, field AS Field, old_value AS Before, new_value AS After
            FROM customer_changes WHERE customer_id = @Id AND at >= @Since ORDER BY id DESC LIMIT @Limit
            """, new { Id = id, Since = StoredTime.Write(time.GetUtcNow() - SqliteCustomerRepository.RecentChangesWindow), Limit = SqliteCustomerRepository.RecentChangesOnRead },
            cancellationToken: cancellationToken));
        return new Customer(row.Id, row.Name, [.. phones], [.. ims],
            JsonSerializer.Deserialize<List<CustomerProduct>>(row.ProductsJson, StorageJson.Options) ?? [],
            [.. JsonSerializer.Deserialize<List<CustomerOrder>>(row.OrdersJson, StorageJson.Options) ?? [],
                .. placed.Select(o => new CustomerOrder(o.OrderId, o.Status, StoredTime.Read(o.PlacedAt), o.Product))],
            preferred,
            row.Email,
            JsonSerializer.Deserialize<List<string>>(row.InterestsJson, StorageJson.Options) ?? [],
            [.. changes.Select(ch => ch.ToChange())]);
    }

    private sealed record CustomerRow(string Id, string Name, string? PreferredChannel, string? PreferredAddress,
        string? PreferredHours, string ProductsJson, string OrdersJson, string? Email, string InterestsJson);
}
