using System.Text;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Tests.Im;

/// <summary>
/// The agent console's chat panel logs in over /xmpp with the one-time token its signed-in session fetched (SASL PLAIN),
/// never with the password: the token works once, for the staff member it was issued to, and its session's presence
/// does not drive the agent's routing state.
/// </summary>
public sealed class ConsoleTokenLoginTests
{
    private static readonly StoredCredential Alice = StoredCredential.Derive("Alice", "example.com", "alice-secret", iterations: 4096);
    private static readonly StoredCredential Bob = StoredCredential.Derive("bob", "example.com", "bob-secret", iterations: 4096);

    private readonly StaffMqttTokens _tokens = new(TimeProvider.System);

    private XmppAccountDirectory Directory(StaffMqttTokens? tokens) => new(
        new StaffLoginDirectory([new StaffLogin("Alice", StaffRole.Agent, Alice), new StaffLogin("bob", StaffRole.Agent, Bob)]),
        "example.com", new FakeCustomers(), new NoCredentials(), tokens);

    private static byte[] Plain(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    [Fact]
    public async Task A_token_issued_to_the_staff_member_logs_in_once_by_plain_and_its_presence_does_not_drive_state()
    {
        var directory = Directory(_tokens);
        var token = _tokens.Issue("Alice", "session-1")!;

        var first = await new PlainMechanism(directory).StartAsync(Plain("alice", token), default);
        var again = await new PlainMechanism(directory).StartAsync(Plain("alice", token), default);

        Assert.Equal(SaslOutcome.Success, first.Outcome);
        Assert.False(first.Account!.PresenceDrivesState);
        Assert.Equal("Alice", first.Account.Id);
        Assert.Equal(SaslOutcome.Failure, again.Outcome);
    }

    [Fact]
    public async Task Another_staff_members_token_a_signed_out_sessions_token_and_tokens_without_the_consoles_are_refused()
    {
        var bobs = _tokens.Issue("bob", "session-b")!;
        var signedOut = _tokens.Issue("Alice", "session-2")!;
        _tokens.RevokeSession("session-2");
        var elsewhere = new StaffMqttTokens(TimeProvider.System).Issue("Alice", "session-3")!;

        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(Directory(_tokens)).StartAsync(Plain("alice", bobs), default)).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(Directory(_tokens)).StartAsync(Plain("alice", signedOut), default)).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(Directory(null)).StartAsync(Plain("alice", elsewhere), default)).Outcome);
        // Presenting a token spends it, even on the wrong account (as for MQTT): a guessed or stolen one works nowhere after.
        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(Directory(_tokens)).StartAsync(Plain("bob", bobs), default)).Outcome);
        Assert.Equal(SaslOutcome.Success, (await new PlainMechanism(Directory(_tokens)).StartAsync(Plain("bob", _tokens.Issue("bob", "session-b")!), default)).Outcome);
    }

    [Fact]
    public async Task The_password_still_logs_in_by_plain_and_its_presence_drives_state()
    {
        var result = await new PlainMechanism(Directory(_tokens)).StartAsync(Plain("alice", "alice-secret"), default);

        Assert.Equal(SaslOutcome.Success, result.Outcome);
        Assert.True(result.Account!.PresenceDrivesState);
    }

    private sealed class NoCredentials : ICustomerCredentialStore
    {
        public ValueTask<string?> GetXmppCredentialAsync(string customerId, CancellationToken cancellationToken = default) => ValueTask.FromResult<string?>(null);

        public ValueTask SetXmppCredentialAsync(string customerId, string credential, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
