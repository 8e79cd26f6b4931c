using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// XMPP accounts: the agents and supervisors of the live login directory (configured, then provisioned at run time; read
/// at each login, so a person added or removed through the admin API logs in, or no longer does, at once), and
/// customers whose address on the XMPP domain has a stored credential (looked up per login, so customers added later
/// can log in). Login names are lower case; a customer's is the local part of their address on <c>domain</c>.
/// </summary>
public sealed class XmppAccountDirectory : IXmppAccounts
{
    private readonly ILoginDirectory _staff;
    private readonly ICustomerRepository _customers;
    private readonly ICustomerCredentialStore _credentials;
    private readonly string _domain;
    private readonly StaffMqttTokens? _consoleTokens;
    private readonly CustomerChatTokens? _chatTokens;

    /// <summary>A fixed list of logins (tests).</summary>
    public XmppAccountDirectory(IEnumerable<StaffLogin> staff, string domain, ICustomerRepository customers, ICustomerCredentialStore credentials)
        : this(new StaffLoginDirectory(staff), domain, customers, credentials)
    {
    }

    /// <param name="consoleTokens">The staff consoles' one-time tokens (null without the consoles): a staff account also
    /// accepts, over SASL PLAIN, a token issued to that staff member's signed-in session.</param>
    /// <param name="chatTokens">The customer portal's one-time chat tokens (null without the portal): a customer account
    /// also accepts, over SASL PLAIN, a token issued to that customer's /me session; a customer with an address on the
    /// domain but no stored credential (signed in by mailed link) may then log in by token only.</param>
    public XmppAccountDirectory(ILoginDirectory staff, string domain, ICustomerRepository customers, ICustomerCredentialStore credentials,
        StaffMqttTokens? consoleTokens = null, CustomerChatTokens? chatTokens = null)
    {
        _consoleTokens = consoleTokens;
        _chatTokens = chatTokens;
        ArgumentNullException.ThrowIfNull(staff);
        _staff = staff;
        _customers = customers;
        _credentials = credentials;
        _domain = domain;
    }

    public async ValueTask<XmppAccount?> FindAsync(string user, CancellationToken cancellationToken = default)
    {
        if (_staff.FindLowerCase(user) is { } login)
        {
            var account = ToAccount(user, login.Role == StaffRole.Supervisor ? XmppAccountKind.Supervisor : XmppAccountKind.Agent, login.Credential, login.Id);
            // Bound to this login's id: a token issued to bob never opens alice's account.
            return _consoleTokens is { } tokens ? account with { RedeemConsoleToken = token => tokens.TryRedeem(login.Id, token) } : account;
        }
        var customer = await _customers.FindByImAddressAsync($"{user}@{_domain}", cancellationToken);
        if (customer is null) return null;
        var text = await _credentials.GetXmppCredentialAsync(customer.Id, cancellationToken);
        var stored = text is not null && StoredCredential.TryParse(text, out var credential, out _) ? credential : null;
        if (_chatTokens is not { } chatTokens)
            return stored is null ? null : ToAccount(user, XmppAccountKind.Customer, stored, customer.Id);
        // Without a stored credential the keys are random: no password or SCRAM proof matches them, only a token.
        var customerAccount = stored is null
            ? new XmppAccount(user, XmppAccountKind.Customer, Unmatchable(), Unmatchable(), customer.Id) { Id = customer.Id }
            : ToAccount(user, XmppAccountKind.Customer, stored, customer.Id);
        // Bound to this customer's id: a token issued to carol never opens dave's account.
        return customerAccount with { RedeemChatToken = token => chatTokens.TryRedeem(customer.Id, token) };
    }

    private static ScramCredential Unmatchable() => new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16), 4096,
        System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static XmppAccount ToAccount(string user, XmppAccountKind kind, StoredCredential c, string id) => new(user, kind,
        new ScramCredential(c.Salt, c.Iterations, c.ScramSha1.StoredKey, c.ScramSha1.ServerKey),
        new ScramCredential(c.Salt, c.Iterations, c.ScramSha256.StoredKey, c.ScramSha256.ServerKey),
        kind == XmppAccountKind.Customer ? id : null)
    {
        Id = id,
    };
}
