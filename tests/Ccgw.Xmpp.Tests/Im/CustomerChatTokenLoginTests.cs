using System.Text;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Testing;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>
/// /me's chat logs in over /xmpp as the signed-in customer with a one-time token from the customer's session (SASL
/// PLAIN), never with a password: the token works once, for that customer only, before it expires; a forged token,
/// a staff console token and a customer token on a staff account are refused; a customer without a stored password
/// (signed in by mailed link) logs in by token only.
/// </summary>
public sealed class CustomerChatTokenLoginTests
{
    private static readonly StoredCredential Carol = StoredCredential.Derive("carol", "example.com", "carol-secret", iterations: 4096);
    private static readonly StoredCredential Alice = StoredCredential.Derive("alice", "example.com", "alice-secret", iterations: 4096);

    private readonly ManualTimeProvider _clock = new();
    private readonly CustomerChatTokens _tokens;
    private readonly StaffMqttTokens _staffTokens = new(TimeProvider.System);
    private readonly FakeCustomers _customers = new();
    private readonly Credentials _credentials = new();

    public CustomerChatTokenLoginTests()
    {
        _tokens = new CustomerChatTokens(_clock);
        _customers.ByIm["carol@example.com"] = new Customer("carol", "Carol", [], ["carol@example.com"], [], []);
        _customers.ByIm["dave@example.com"] = new Customer("dave", "Dave", [], ["dave@example.com"], [], []);
        _credentials.Stored["carol"] = Carol.ToString();
    }

    private XmppAccountDirectory Directory(CustomerChatTokens? tokens) => new(
        new StaffLoginDirectory([new StaffLogin("alice", StaffRole.Agent, Alice)]), "example.com", _customers, _credentials, _staffTokens, tokens);

    private static byte[] Plain(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    private async Task<SaslStep> LoginAsync(string user, string password, CustomerChatTokens? tokens = null) =>
        await new PlainMechanism(Directory(tokens ?? _tokens)).StartAsync(Plain(user, password), default);

    [Fact]
    public async Task A_token_issued_to_the_customer_logs_in_once_as_that_customer()
    {
        var token = _tokens.Issue("carol")!;
        Assert.StartsWith(CustomerChatTokens.Prefix, token, StringComparison.Ordinal);

        var first = await LoginAsync("carol", token);
        var again = await LoginAsync("carol", token);

        Assert.Equal(SaslOutcome.Success, first.Outcome);
        Assert.Equal(XmppAccountKind.Customer, first.Account!.Kind);
        Assert.Equal("carol", first.Account.CustomerId);
        Assert.Equal(SaslOutcome.Failure, again.Outcome);
        Assert.Equal(0, _tokens.Outstanding);
        // The password still works by PLAIN as before.
        Assert.Equal(SaslOutcome.Success, (await LoginAsync("carol", "carol-secret")).Outcome);
    }

    [Fact]
    public async Task Forged_expired_another_customers_and_staff_tokens_are_refused_and_a_presented_token_is_spent()
    {
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("carol", CustomerChatTokens.Prefix + "forged")).Outcome);

        var expired = _tokens.Issue("carol")!;
        _clock.Advance(CustomerChatTokens.Lifetime);
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("carol", expired)).Outcome);

        // dave's token does not open carol's account, and is spent by the attempt.
        var daves = _tokens.Issue("dave")!;
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("carol", daves)).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("dave", daves)).Outcome);

        // Customer and staff tokens never cross: a staff token is no customer's, a customer token opens no staff account.
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("carol", _staffTokens.Issue("alice", "s1")!)).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("alice", _tokens.Issue("carol")!)).Outcome);

        // A token from another process's store (e.g. before a restart) is unknown here.
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("carol", new CustomerChatTokens(_clock).Issue("carol")!)).Outcome);
        // Without the portal's tokens, a token is only a wrong password.
        var unused = _tokens.Issue("carol")!;
        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(new XmppAccountDirectory(
            new StaffLoginDirectory([]), "example.com", _customers, _credentials)).StartAsync(Plain("carol", unused), default)).Outcome);
    }

    [Fact]
    public async Task A_customer_without_a_stored_password_logs_in_by_token_only()
    {
        Assert.Null(await new XmppAccountDirectory(new StaffLoginDirectory([]), "example.com", _customers, _credentials).FindAsync("dave"));

        var result = await LoginAsync("dave", _tokens.Issue("dave")!);

        Assert.Equal(SaslOutcome.Success, result.Outcome);
        Assert.Equal("dave", result.Account!.CustomerId);
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("dave", "")).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await LoginAsync("dave", "any-password")).Outcome);
    }

    private sealed class Credentials : ICustomerCredentialStore
    {
        public Dictionary<string, string> Stored { get; } = new(StringComparer.Ordinal);

        public ValueTask<string?> GetXmppCredentialAsync(string customerId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Stored.GetValueOrDefault(customerId));

        public ValueTask SetXmppCredentialAsync(string customerId, string credential, CancellationToken cancellationToken = default)
        {
            Stored[customerId] = credential;
            return ValueTask.CompletedTask;
        }
    }
}
