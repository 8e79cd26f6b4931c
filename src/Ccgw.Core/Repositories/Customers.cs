namespace Ccgw.Core.Repositories;

/// <summary>A product the customer owns or subscribes to.</summary>
public sealed record CustomerProduct(string Code, string Name, DateTimeOffset? Since = null);

/// <summary>An order and its status (free text from the order system, e.g. "shipped").</summary>
public sealed record CustomerOrder(string OrderId, string Status, DateTimeOffset PlacedAt, string? ProductCode = null);

/// <summary>How the customer prefers to be reached; <see cref="Address"/> is an E.164 number or IM address.</summary>
public sealed record PreferredContact(InteractionChannel Channel, string? Address = null, string? Hours = null);

/// <summary>
/// The customer information store's record. Phones are E.164 (e.g. +4930123456). <see cref="Email"/> is where sign-in
/// links go; <see cref="Interests"/> are free words the customer gave on their page. <see cref="RecentChanges"/> is
/// filled on reads only (the latest changes the customer made to their own details, newest first), so that the agent's
/// screen pop shows what changed; writes ignore it.
/// </summary>
public sealed record Customer(
    string Id,
    string Name,
    IReadOnlyList<string> Phones,
    IReadOnlyList<string> ImAddresses,
    IReadOnlyList<CustomerProduct> Products,
    IReadOnlyList<CustomerOrder> Orders,
    PreferredContact? PreferredContact = null,
    string? Email = null,
    IReadOnlyList<string>? Interests = null,
    IReadOnlyList<CustomerDetailChange>? RecentChanges = null);

/// <summary>One audited change of one field of a customer's details: who (e.g. "customer"), when, before and after.</summary>
public sealed record CustomerDetailChange(string CustomerId, DateTimeOffset At, string Actor, string Field, string? Before, string? After);

/// <summary>Customer lookups by the identifiers channels see. Implementations normalise nothing: callers pass E.164 and bare IM addresses.</summary>
public interface ICustomerRepository
{
    ValueTask<Customer?> GetAsync(string customerId, CancellationToken cancellationToken = default);

    ValueTask<Customer?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default);

    /// <summary>By bare IM address (e.g. carol@localhost, no resource).</summary>
    ValueTask<Customer?> FindByImAddressAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the record with this id (the demo seed and the admin API use it).</summary>
    ValueTask UpsertAsync(Customer customer, CancellationToken cancellationToken = default);
}

/// <summary>
/// Customers' XMPP login credentials, kept apart from the record: only a derived form (the text of a stored
/// credential: salt, iterations, SCRAM keys) is ever written, never a password.
/// </summary>
public interface ICustomerCredentialStore
{
    ValueTask<string?> GetXmppCredentialAsync(string customerId, CancellationToken cancellationToken = default);

    ValueTask SetXmppCredentialAsync(string customerId, string credential, CancellationToken cancellationToken = default);
}
