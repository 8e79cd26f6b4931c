using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// XMPP accounts: the configured agents and supervisors (their credentials derived or parsed once, before start), and
/// customers whose address on the XMPP domain has a stored credential (looked up per login, so customers added later
/// can log in). Login names are lower case; a customer's is the local part of their address on <c>domain</c>.
/// </summary>
public sealed class XmppAccountDirectory : IXmppAccounts
{
    private readonly Dictionary<string, XmppAccount> _configured = new(StringComparer.Ordinal);
    private readonly ICustomerRepository _customers;
    private readonly ICustomerCredentialStore _credentials;
    private readonly string _domain;

    public XmppAccountDirectory(IEnumerable<StaffLogin> staff, string domain, ICustomerRepository customers, ICustomerCredentialStore credentials)
    {
        ArgumentNullException.ThrowIfNull(staff);
        _customers = customers;
        _credentials = credentials;
        _domain = domain;
        foreach (var login in staff)
        {
            var user = login.Id.ToLowerInvariant();
            var kind = login.Role == StaffRole.Supervisor ? XmppAccountKind.Supervisor : XmppAccountKind.Agent;
            _configured[user] = ToAccount(user, kind, login.Credential, login.Id);
        }
    }

    public async ValueTask<XmppAccount?> FindAsync(string user, CancellationToken cancellationToken = default)
    {
        if (_configured.TryGetValue(user, out var account)) return account;
        var customer = await _customers.FindByImAddressAsync($"{user}@{_domain}", cancellationToken);
        if (customer is null) return null;
        var text = await _credentials.GetXmppCredentialAsync(customer.Id, cancellationToken);
        return text is not null && StoredCredential.TryParse(text, out var credential, out _)
            ? ToAccount(user, XmppAccountKind.Customer, credential, customer.Id)
            : null;
    }

    private static XmppAccount ToAccount(string user, XmppAccountKind kind, StoredCredential c, string id) => new(user, kind,
        new ScramCredential(c.Salt, c.Iterations, c.ScramSha1.StoredKey, c.ScramSha1.ServerKey),
        new ScramCredential(c.Salt, c.Iterations, c.ScramSha256.StoredKey, c.ScramSha256.ServerKey),
        kind == XmppAccountKind.Customer ? id : null)
    {
        Id = id,
    };
}
