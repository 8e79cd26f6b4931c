namespace Ccgw.Core.Repositories;

/// <summary>
/// What the customer may change on their own page; lists are whole (a phone removed is gone). Phones are E.164.
/// </summary>
public sealed record CustomerDetails(
    string Name,
    IReadOnlyList<string> Phones,
    string? Email,
    string? ImAddress,
    InteractionChannel? PreferredChannel,
    string? PreferredHours,
    IReadOnlyList<string> Interests);

/// <summary>
/// The customer's own window on their record: found by e-mail for sign-in links, their details changed with every
/// changed field audited (who, when, before, after) in the same transaction as the change.
/// </summary>
public interface ICustomerAccountStore
{
    /// <summary>By e-mail address, compared without regard to case; null when no customer has it.</summary>
    ValueTask<string?> FindIdByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="details"/> and records one <see cref="CustomerDetailChange"/> per field that differs, by
    /// <paramref name="actor"/> at <paramref name="at"/>. Returns the changes recorded (empty: nothing differed); null
    /// when there is no such customer. Products, orders and further IM addresses are kept as they are.
    /// </summary>
    ValueTask<IReadOnlyList<CustomerDetailChange>?> UpdateDetailsAsync(string customerId, CustomerDetails details, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The customer's audited changes, newest first.</summary>
    ValueTask<IReadOnlyList<CustomerDetailChange>> GetChangesAsync(string customerId, int limit = 50, CancellationToken cancellationToken = default);
}

/// <summary>
/// One-time sign-in links: only the SHA-256 of the token is stored, so a copy of the database signs no one in.
/// </summary>
public interface ISignInLinkStore
{
    ValueTask AddAsync(byte[] tokenHash, string customerId, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the link used, once: returns its customer when it exists, is unused and has not expired at
    /// <paramref name="now"/>; null otherwise (a second use, an expired or unknown link). Atomic against a concurrent use.
    /// </summary>
    ValueTask<string?> ConsumeAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default);
}
