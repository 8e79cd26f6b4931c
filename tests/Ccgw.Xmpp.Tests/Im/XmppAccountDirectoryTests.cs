using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>Who may log in over XMPP: configured staff by lower-case id, customers by their address on the domain.</summary>
public sealed class XmppAccountDirectoryTests
{
    private static readonly StoredCredential Alice = StoredCredential.Derive("Alice", "example.com", "alice-secret", iterations: 4096);
    private static readonly StoredCredential Sam = StoredCredential.Derive("sam", "example.com", "sam-secret", iterations: 4096);

    private readonly FakeCustomers _customers = new();
    private readonly Credentials _credentials = new();

    private XmppAccountDirectory Directory() => new(
        [new StaffLogin("Alice", StaffRole.Agent, Alice), new StaffLogin("sam", StaffRole.Supervisor, Sam)],
        "example.com", _customers, _credentials);

    [Fact]
    public async Task Staff_log_in_by_their_lower_case_id_with_their_configured_scram_keys_and_role()
    {
        var directory = Directory();

        var alice = await directory.FindAsync("alice");
        var sam = await directory.FindAsync("sam");

        Assert.NotNull(alice);
        Assert.Equal(XmppAccountKind.Agent, alice.Kind);
        Assert.Equal("Alice", alice.Id);
        Assert.Null(alice.CustomerId);
        Assert.Equal(Alice.ScramSha256.StoredKey, alice.ScramSha256.StoredKey);
        Assert.Equal(Alice.ScramSha1.ServerKey, alice.ScramSha1.ServerKey);
        Assert.Equal(XmppAccountKind.Supervisor, sam!.Kind);
    }

    [Fact]
    public async Task A_customer_with_a_stored_credential_logs_in_by_the_local_part_of_their_address_on_the_domain()
    {
        _customers.ByIm["carol@example.com"] = new Customer("c-42", "Carol", [], ["carol@example.com"], [], []);
        _credentials.Stored["c-42"] = StoredCredential.Derive("carol", "example.com", "carol-secret").ToString();

        var carol = await Directory().FindAsync("carol");

        Assert.NotNull(carol);
        Assert.Equal(XmppAccountKind.Customer, carol.Kind);
        Assert.Equal("c-42", carol.CustomerId);
        Assert.Equal("carol", carol.User);
    }

    [Fact]
    public async Task A_customer_without_a_stored_credential_or_with_a_broken_one_and_an_unknown_user_cannot_log_in()
    {
        _customers.ByIm["dave@example.com"] = new Customer("c-7", "Dave", [], ["dave@example.com"], [], []);
        _customers.ByIm["erin@example.com"] = new Customer("c-8", "Erin", [], ["erin@example.com"], [], []);
        _credentials.Stored["c-8"] = "not a credential";
        var directory = Directory();

        Assert.Null(await directory.FindAsync("dave"));
        Assert.Null(await directory.FindAsync("erin"));
        Assert.Null(await directory.FindAsync("nobody"));
    }

    [Fact]
    public async Task Staff_provisioned_at_run_time_log_in_at_once_and_removed_ones_no_longer_do()
    {
        var logins = new StaffLoginDirectory([new StaffLogin("sam", StaffRole.Supervisor, Sam)]);
        var directory = new XmppAccountDirectory(logins, "example.com", _customers, _credentials);
        Assert.Null(await directory.FindAsync("alice"));

        logins.Set(new StaffLogin("Alice", StaffRole.Agent, Alice));
        logins.Remove("sam");

        var alice = await directory.FindAsync("alice");
        Assert.Equal((XmppAccountKind.Agent, "Alice"), (alice!.Kind, alice.Id));
        Assert.Equal(Alice.ScramSha256.StoredKey, alice.ScramSha256.StoredKey);
        Assert.Null(await directory.FindAsync("sam"));
    }

    private sealed class Credentials : ICustomerCredentialStore
    {
        public Dictionary<string, string> Stored { get; } = [];

        public ValueTask<string?> GetXmppCredentialAsync(string customerId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Stored.GetValueOrDefault(customerId));

        public ValueTask SetXmppCredentialAsync(string customerId, string credential, CancellationToken cancellationToken = default)
        {
            Stored[customerId] = credential;
            return ValueTask.CompletedTask;
        }
    }
}
