using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Dapper;

namespace Ccgw.Storage.Sqlite;

/// <summary>The customer's own changes (migration 0030): the record and its audit rows written in one transaction.</summary>
public sealed class SqliteCustomerAccountStore(SqliteDatabase database, ICustomerRepository customers) : ICustomerAccountStore
{
    public async ValueTask<string?> FindIdByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT id FROM customers WHERE email = @Email COLLATE NOCASE LIMIT 1", new { Email = email }, cancellationToken: cancellationToken));
    }

    public async ValueTask<IReadOnlyList<CustomerDetailChange>?> UpdateDetailsAsync(string customerId, CustomerDetails details, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        using var turn = await database.WriteTurns.TakeAsync(cancellationToken);
        // Read inside the write turn: no other writer can change the record between this read and the write below,
        // so "before" is what the record really held.
        if (await customers.GetAsync(customerId, cancellationToken) is not { } current) return null;
        var before = Fields(current);
        var updated = Apply(current, details);
        var after = Fields(updated);
        var changes = new List<CustomerDetailChange>();
        foreach (var (field, old) in before)
            if (!string.Equals(old, after[field], StringComparison.Ordinal))
                changes.Add(new CustomerDetailChange(customerId, at, actor, field, old, after[field]));
        if (changes.Count == 0) return changes;

        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
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
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM customer_phones WHERE customer_id = @Id; DELETE FROM customer_im_addresses WHERE customer_id = @Id;",
            new { Id = customerId }, tx, cancellationToken: cancellationToken));
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
    /// The customer's details over the stored record: the first IM address is the one they edit (others stay), the
    /// preferred contact's address follows the medium (first phone or the IM address).
    /// </summary>
    internal static Customer Apply(Customer current, CustomerDetails d)
    {
        var ims = current.ImAddresses.Skip(1).ToList();
        if (d.ImAddress is { Length: > 0 } im) ims.Insert(0, im);
        PreferredContact? preferred = d.PreferredChannel switch
        {
            InteractionChannel.Im => new PreferredContact(InteractionChannel.Im, FirstOf(ims), d.PreferredHours),
            { } channel => new PreferredContact(channel, FirstOf(d.Phones), d.PreferredHours),
            null => null,
        };
        return current with
        {
            Name = d.Name,
            Phones = d.Phones,
            ImAddresses = ims,
            Email = d.Email,
            Interests = d.Interests,
            PreferredContact = preferred,
        };
    }

    /// <summary>Each audited field as text (lists joined by ", "), so before and after compare and store alike.</summary>
    internal static Dictionary<string, string?> Fields(Customer c) => new(StringComparer.Ordinal)
    {
        ["name"] = c.Name,
        ["phones"] = string.Join(", ", c.Phones),
        ["email"] = c.Email,
        ["imAddress"] = FirstOf(c.ImAddresses),
        ["preferredChannel"] = c.PreferredContact?.Channel.ToString().ToLowerInvariant(),
        ["preferredHours"] = c.PreferredContact?.Hours,
        ["interests"] = string.Join(", ", c.Interests ?? []),
    };

    private static string? FirstOf(IReadOnlyList<string> list) => list.Count > 0 ? list[0] : null;
}
