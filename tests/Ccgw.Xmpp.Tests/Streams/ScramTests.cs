using System.Security.Cryptography;
using System.Text;
using Ccgw.Xmpp.Sasl;

namespace Ccgw.Xmpp.Tests.Streams;

public sealed class ScramTests
{
    internal sealed class Accounts(params XmppAccount[] accounts) : IXmppAccounts
    {
        public ValueTask<XmppAccount?> FindAsync(string user, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(accounts.FirstOrDefault(a => a.User == user));
    }

    internal static XmppAccount Account(string user, string password, byte[]? salt = null, int iterations = 4096)
    {
        salt ??= Encoding.ASCII.GetBytes("0123456789abcdef");
        return new XmppAccount(user, XmppAccountKind.Agent,
            ScramCredential.Derive(password, salt, iterations, HashAlgorithmName.SHA1),
            ScramCredential.Derive(password, salt, iterations, HashAlgorithmName.SHA256));
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[]? b) => Encoding.UTF8.GetString(b ?? []);

    [Fact]
    public async Task Rfc7677_scram_sha256_test_vector()
    {
        var account = Account("user", "pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        var scram = new ScramMechanism(HashAlgorithmName.SHA256, new Accounts(account), () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        var first = await scram.StartAsync(B("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), default);
        Assert.Equal(SaslOutcome.Challenge, first.Outcome);
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", S(first.Data));

        var final = await scram.RespondAsync(B("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="), default);
        Assert.Equal(SaslOutcome.Success, final.Outcome);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", S(final.Data));
        Assert.Same(account, final.Account);
    }

    [Fact]
    public async Task Rfc5802_scram_sha1_test_vector()
    {
        var account = Account("user", "pencil", Convert.FromBase64String("QSXCR+Q6sek8bf92"));
        var scram = new ScramMechanism(HashAlgorithmName.SHA1, new Accounts(account), () => "3rfcNHYJY1ZVvWVs7j");

        var first = await scram.StartAsync(B("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"), default);
        Assert.Equal("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", S(first.Data));
        var final = await scram.RespondAsync(B("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="), default);
        Assert.Equal(SaslOutcome.Success, final.Outcome);
        Assert.Equal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", S(final.Data));
    }

    [Fact]
    public async Task A_wrong_proof_and_an_unknown_user_both_fail_only_at_the_proof()
    {
        var account = Account("user", "pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        var wrong = new ScramMechanism(HashAlgorithmName.SHA256, new Accounts(account), () => "x");
        await wrong.StartAsync(B("n,,n=user,r=abc"), default);
        var failed = await wrong.RespondAsync(B("c=biws,r=abcx,p=" + Convert.ToBase64String(new byte[32])), default);
        Assert.Equal(SaslOutcome.Failure, failed.Outcome);
        Assert.Equal(SaslConditions.NotAuthorized, failed.Condition);

        var unknown = new ScramMechanism(HashAlgorithmName.SHA256, new Accounts(account), () => "x");
        var challenge = await unknown.StartAsync(B("n,,n=nobody,r=abc"), default);
        Assert.Equal(SaslOutcome.Challenge, challenge.Outcome); // does not reveal that the account does not exist
        Assert.Equal(SaslOutcome.Failure, (await unknown.RespondAsync(B("c=biws,r=abcx,p=" + Convert.ToBase64String(new byte[32])), default)).Outcome);
    }

    [Theory]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("n,,n=user")]
    [InlineData("n,,r=abc,n=user")]
    [InlineData("n,,n=us=er,r=abc")]
    [InlineData("n,,n=user,r=abc,m=ext")]
    [InlineData("x")]
    public async Task Malformed_client_first_messages_fail(string message)
    {
        var scram = new ScramMechanism(HashAlgorithmName.SHA256, new Accounts(Account("user", "pencil")));
        Assert.Equal(SaslOutcome.Failure, (await scram.StartAsync(B(message), default)).Outcome);
    }

    [Fact]
    public async Task Plain_checks_the_password_against_the_stored_keys()
    {
        var plain = new PlainMechanism(new Accounts(Account("alice", "demo-alice")));
        Assert.Equal(SaslOutcome.Success, (await plain.StartAsync(B("\0alice\0demo-alice"), default)).Outcome);
        Assert.Equal(SaslOutcome.Success, (await new PlainMechanism(new Accounts(Account("alice", "demo-alice"))).StartAsync(B("alice@localhost\0alice\0demo-alice"), default)).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(new Accounts(Account("alice", "demo-alice"))).StartAsync(B("\0alice\0wrong"), default)).Outcome);
        Assert.Equal(SaslOutcome.Failure, (await new PlainMechanism(new Accounts(Account("alice", "demo-alice"))).StartAsync(B("bob@localhost\0alice\0demo-alice"), default)).Outcome);
    }
}
