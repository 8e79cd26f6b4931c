using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteCustomerAccountStore"/> (migration 0030): the record and its audit rows written in
/// one transaction. Where SQLite reads the record inside its one-writer turn, this reads it in the writing transaction
/// under <c>SELECT ... FOR UPDATE</c>, so no other writer (on this daemon or the pair's other one) changes the record
/// between the read that gives "before" and the write.
/// </summary>
public sealed class PostgresCustomerAccountStore(PostgresDatabase database) : ICustomerAccountStore
{
    public async ValueTask<string?> FindIdByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        // The expression of the unique index customers_by_email, so the lookup uses it (and ignores case as NOCASE does).
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT id FROM customers WHERE (email COLLATE ccgw_nocase) = @Email AND email IS NOT NULL LIMIT 1", new { Email = email },
            cancellationToken: cancellationToken));
    }

    public async ValueTask<IReadOnlyList<CustomerDetailChange>?> UpdateDetailsAsync(string customerId, CustomerDetails details, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        if (await LoadForUpdateAsync(c, tx, customerId, cancellationToken) is not { } current) return null;
        var before = SqliteCustomerAccountStore.Fields(current);
        var updated = SqliteCustomerAccountStore.Apply(current, details);
        var after = SqliteCustomerAccountStore.Fields(updated);
        var changes = new List<CustomerDetailChange>();
        foreach (var (field, old) in before)
            if (!string.Equals(old, after[field], StringComparison.Ordinal))
                changes.Add(new CustomerDetailChange(customerId, at, actor, field, old, after[field]));
        if (changes.Count == 0) return changes;

        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE customers SET name = @Name, email = @Email, interests_json = @InterestsJson, preferred_channel = @PreferredChannel,
                preferred_address = @PreferredAddress, preferred_hours = @PreferredHours, updated_at = @At
            WHERE id = @Id
            """,
            new
            {
                Id = customerId,
                updated.Name,
                updated.Email,
                InterestsJson = JsonSerializer.Serialize(updated.Interests ?? [], StorageJson.Options),
                PreferredChannel = updated.PreferredContact?.Channel.ToString(),
                PreferredAddress = updated.PreferredContact?.Address,
                PreferredHours = updated.PreferredContact?.Hours,
                At = StoredTime.Write(at),
            }, tx, cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM customer_phones WHERE customer_id = @Id",
            new { Id = customerId }, tx, cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM customer_im_addresses WHERE customer_id = @Id",
            new { Id = customerId }, tx, cancellationToken: cancellationToken));
        // One row at a time, in list order: the identity column keeps the order the customer gave (SQLite's rowid).
        foreach (var phone in updated.Phones.Distinct(StringComparer.Ordinal))
            await c.ExecuteAsync(new CommandDefinition("INSERT INTO customer_phones (phone, customer_id) VALUES (@Phone, @Id)",
                new { Phone = phone, Id = customerId }, tx, cancellationToken: cancellationToken));
        foreach (var address in updated.ImAddresses.Distinct(StringComparer.OrdinalIgnoreCase))
            await c.ExecuteAsync(new CommandDefinition("INSERT INTO customer_im_addresses (address, customer_id) VALUES (@Address, @Id)",
                new { Address = address, Id = customerId }, tx, cancellationToken: cancellationToken));
        foreach (var change in changes)
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO customer_changes (customer_id, at, actor, field, old_value, new_value)
                VALUES (@CustomerId, @At, @Actor, @Field, @Before, @After)
                """, new { change.CustomerId, At = StoredTime.Write(change.At), change.Actor, change.Field, change.Before, change.After },
                tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return changes;
    }

    public async ValueTask<IReadOnlyList<CustomerDetailChange>> GetChangesAsync(string customerId, int limit = 50, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<ChangeRow>(new CommandDefinition("""
            SELECT customer_id AS CustomerId, at AS At, actor AS Actor, field AS Field, old_value AS Before, new_value AS After
            FROM customer_changes WHERE customer_id = @Id ORDER BY id DESC LIMIT @Limit
            """, new { Id = customerId, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToChange())];
    }

    /// <summary>
    /// The fields a customer may edit (the rest of the record is not touched by the write), with the customer's row locked
    /// until the transaction ends.
    /// </summary>
    private static async Task<Customer?> LoadForUpdateAsync(NpgsqlConnection c, NpgsqlTransaction tx, string id, CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<EditableRow>(new CommandDefinition("""
            SELECT name AS Name, preferred_channel AS PreferredChannel, preferred_address AS PreferredAddress, preferred_hours AS PreferredHours,
                   email AS Email, interests_json AS InterestsJson
            FROM customers WHERE id = @Id FOR UPDATE
            """, new { Id = id }, tx, cancellationToken: cancellationToken));
        if (row is null) return null;
        var phones = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT phone FROM customer_phones WHERE customer_id = @Id ORDER BY ordinal", new { Id = id }, tx, cancellationToken: cancellationToken));
        var ims = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT address FROM customer_im_addresses WHERE customer_id = @Id ORDER BY ordinal", new { Id = id }, tx, cancellationToken: cancellationToken));
        PreferredContact? preferred = row.PreferredChannel is { } channel && Enum.TryParse<InteractionChannel>(channel, out var ch)
            ? new PreferredContact(ch, row.PreferredAddress, row.PreferredHours)
            : null;
        return new Customer(id, row.Name, [.. phones], [.. ims], [], [], preferred, row.Email,
            JsonSerializer.Deserialize<List<string>>(row.InterestsJson, StorageJson.Options) ?? []);
    }

    private sealed record EditableRow(string Name, string? PreferredChannel, string? PreferredAddress, string? PreferredHours, string? Email,
        string InterestsJson);
}
