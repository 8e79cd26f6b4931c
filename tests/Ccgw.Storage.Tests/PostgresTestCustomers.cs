using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Postgres;
using Ccgw.Storage.Sqlite;
using Dapper;

namespace Ccgw.Storage.Tests;

/// <summary>
/// The customer record on PostgreSQL for the tests of the stores that read or seed it (portal, self-help, orders): the
/// same tables and reading rules as <see cref="SqliteCustomerRepository"/>. The daemon's PostgreSQL customer repository
/// is ported separately (issue 22, wt-pgcore); once it is in, these tests should use it and this file should go.
/// </summary>
internal sealed class PostgresTestCustomers(PostgresDatabase database, TimeProvider time) : ICustomerRepository
{
    public async ValueTask<Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var row = await c.QuerySingleOrDefaultAsync<CustomerRow>("""
            SELECT id AS Id, name AS Name, preferred_channel AS PreferredChannel, preferred_address AS PreferredAddress,
                   preferred_hours AS PreferredHours, products_json AS ProductsJson, orders_json AS OrdersJson,
                   email AS Email, interests_json AS InterestsJson
            FROM customers WHERE id = @Id
            """, new { Id = customerId });
        if (row is null) return null;
        var phones = await c.QueryAsync<string>("SELECT phone FROM customer_phones WHERE customer_id = @Id ORDER BY ordinal", new { Id = customerId });
        var ims = await c.QueryAsync<string>("SELECT address FROM customer_im_addresses WHERE customer_id = @Id ORDER BY ordinal", new { Id = customerId });
        var placed = await c.QueryAsync<(string OrderId, string Status, string PlacedAt, string Product)>(
            "SELECT order_id, status, placed_at, product FROM orders WHERE customer_id = @Id ORDER BY placed_at, order_id COLLATE \"C\"", new { Id = customerId });
        var changes = await c.QueryAsync<ChangeRow>("""
            SELECT customer_id AS CustomerId, at AS At, actor AS Actor, field AS Field, old_value AS Before, new_value AS After
            FROM customer_changes WHERE customer_id = @Id AND at >= @Since ORDER BY id DESC LIMIT @Limit
            """, new { Id = customerId, Since = StoredTime.Write(time.GetUtcNow() - SqliteCustomerRepository.RecentChangesWindow), Limit = SqliteCustomerRepository.RecentChangesOnRead });
        PreferredContact? preferred = row.PreferredChannel is { } channel && Enum.TryParse<InteractionChannel>(channel, out var ch)
            ? new PreferredContact(ch, row.PreferredAddress, row.PreferredHours)
            : null;
        return new Customer(row.Id, row.Name, [.. phones], [.. ims],
            JsonSerializer.Deserialize<List<CustomerProduct>>(row.ProductsJson, StorageJson.Options) ?? [],
            [.. JsonSerializer.Deserialize<List<CustomerOrder>>(row.OrdersJson, StorageJson.Options) ?? [],
                .. placed.Select(o => new CustomerOrder(o.OrderId, o.Status, StoredTime.Read(o.PlacedAt), o.Product))],
            preferred, row.Email, JsonSerializer.Deserialize<List<string>>(row.InterestsJson, StorageJson.Options) ?? [],
            [.. changes.Select(x => x.ToChange())]);
    }

    public async ValueTask<Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var id = await c.ExecuteScalarAsync<string?>("SELECT customer_id FROM customer_phones WHERE phone = @Phone ORDER BY customer_id LIMIT 1", new { Phone = e164 });
        return id is null ? null : await GetAsync(id, cancellationToken);
    }

    public async ValueTask<Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var id = await c.ExecuteScalarAsync<string?>("SELECT customer_id FROM customer_im_addresses WHERE address = @Address ORDER BY customer_id LIMIT 1", new { Address = address });
        return id is null ? null : await GetAsync(id, cancellationToken);
    }

    public async ValueTask UpsertAsync(Customer customer, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        var placed = (await c.QueryAsync<string>("SELECT order_id FROM orders WHERE customer_id = @Id", new { customer.Id }, tx)).ToHashSet(StringComparer.Ordinal);
        await c.ExecuteAsync("""
            INSERT INTO customers (id, name, preferred_channel, preferred_address, preferred_hours, products_json, orders_json, updated_at, email, interests_json)
            VALUES (@Id, @Name, @PreferredChannel, @PreferredAddress, @PreferredHours, @ProductsJson, @OrdersJson, @UpdatedAt, @Email, @InterestsJson)
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
            }, tx);
        await c.ExecuteAsync("DELETE FROM customer_phones WHERE customer_id = @Id", new { customer.Id }, tx);
        await c.ExecuteAsync("DELETE FROM customer_im_addresses WHERE customer_id = @Id", new { customer.Id }, tx);
        foreach (var phone in customer.Phones.Distinct(StringComparer.Ordinal))
            await c.ExecuteAsync("INSERT INTO customer_phones (phone, customer_id) VALUES (@Phone, @Id)", new { Phone = phone, customer.Id }, tx);
        foreach (var address in customer.ImAddresses.Distinct(StringComparer.OrdinalIgnoreCase))
            await c.ExecuteAsync("INSERT INTO customer_im_addresses (address, customer_id) VALUES (@Address, @Id)", new { Address = address, customer.Id }, tx);
        await tx.CommitAsync(cancellationToken);
    }

    private sealed record CustomerRow(string Id, string Name, string? PreferredChannel, string? PreferredAddress,
        string? PreferredHours, string ProductsJson, string OrdersJson, string? Email, string InterestsJson);
}
