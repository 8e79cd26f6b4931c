using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Xmpp.Sasl;

internal enum SaslOutcome
{
    Challenge,
    Success,
    Failure,
}

/// <summary>
/// One step of a SASL exchange (RFC 6120 §6.4): a challenge to send, success (with optional additional data and the
/// account that logged in), or failure with an RFC 6120 §6.5 condition.
/// </summary>
internal readonly record struct SaslStep(SaslOutcome Outcome, byte[]? Data, XmppAccount? Account, string? Condition)
{
    public static SaslStep ChallengeWith(byte[] data) => new(SaslOutcome.Challenge, data, null, null);

    public static SaslStep Succeeded(XmppAccount account, byte[]? data = null) => new(SaslOutcome.Success, data, account, null);

    public static SaslStep Failed(string condition) => new(SaslOutcome.Failure, null, null, condition);
}

/// <summary>RFC 6120 §6.5 SASL failure conditions.</summary>
internal static class SaslConditions
{
    public const string Aborted = "aborted";
    public const string IncorrectEncoding = "incorrect-encoding";
    public const string InvalidAuthzid = "invalid-authzid";
    public const string InvalidMechanism = "invalid-mechanism";
    public const string MalformedRequest = "malformed-request";
    public const string MechanismTooWeak = "mechanism-too-weak";
    public const string NotAuthorized = "not-authorized";
    public const string TemporaryAuthFailure = "temporary-auth-failure";
    public const string EncryptionRequired = "encryption-required";
}

/// <summary>A server-side SASL mechanism instance, one per attempt.</summary>
internal interface ISaslMechanism
{
    /// <summary>The client's initial response (empty when it sent none, RFC 6120 §6.4.2).</summary>
    ValueTask<SaslStep> StartAsync(byte[] initialResponse, CancellationToken cancellationToken);

    ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken);

    /// <summary>
    /// The account this attempt is for, once the client has named it: its user name, or
    /// <see cref="Core.Security.AuthFailureLimiter.UnknownUser"/> for a name that is no account (failed logins are counted per name).
    /// </summary>
    string? AttemptedUser => null;
}

/// <summary>
/// SASL PLAIN (RFC 4616): <c>[authzid] NUL authcid NUL passwd</c>, checked against the stored SCRAM-SHA-256 keys.
/// Offered only on encrypted streams (RFC 6120 §13.8.3).
/// </summary>
internal sealed class PlainMechanism(IXmppAccounts accounts) : ISaslMechanism
{
    public string? AttemptedUser { get; private set; }

    public async ValueTask<SaslStep> StartAsync(byte[] initialResponse, CancellationToken cancellationToken)
    {
        if (initialResponse.Length == 0) return SaslStep.ChallengeWith([]);
        return await RespondAsync(initialResponse, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken)
    {
        var first = Array.IndexOf(response, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(response, (byte)0, first + 1);
        if (first < 0 || second < 0 || response.Length > 1024) return SaslStep.Failed(SaslConditions.MalformedRequest);
        string authzid, user, password;
        try
        {
            var utf8 = new UTF8Encoding(false, true);
            authzid = utf8.GetString(response, 0, first);
            user = utf8.GetString(response, first + 1, second - first - 1).ToLowerInvariant();
            password = utf8.GetString(response, second + 1, response.Length - second - 1);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Failed(SaslConditions.MalformedRequest);
        }
        var account = user.Length == 0 ? null : await accounts.FindAsync(user, cancellationToken).ConfigureAwait(false);
        AttemptedUser = account?.User ?? Core.Security.AuthFailureLimiter.UnknownUser;
        if (account is null) return SaslStep.Failed(SaslConditions.NotAuthorized);
        // A console token (staff only) or a chat token (customers only), each one use and bound to that one person,
        // instead of the password; SCRAM never takes one, as it cannot be checked against the stored keys. A token of
        // the other kind is not a token for this account: it is checked as a password, and fails.
        var redeem = password.StartsWith(Core.Security.StaffMqttTokens.Prefix, StringComparison.Ordinal) ? account.RedeemConsoleToken
            : password.StartsWith(Core.Security.CustomerChatTokens.Prefix, StringComparison.Ordinal) ? account.RedeemChatToken
            : null;
        if (redeem is not null ? !redeem(password) : !account.ScramSha256.Verify(password, HashAlgorithmName.SHA256))
            return SaslStep.Failed(SaslConditions.NotAuthorized);
        if (authzid.Length > 0 && !IsSelf(authzid, account)) return SaslStep.Failed(SaslConditions.InvalidAuthzid);
        var byConsoleToken = redeem is not null && account.Kind != XmppAccountKind.Customer;
        return SaslStep.Succeeded(byConsoleToken ? account with { PresenceDrivesState = false } : account);
    }

    internal static bool IsSelf(string authzid, XmppAccount account) =>
        Routing.Jid.TryParse(authzid, out var jid) && jid.IsBare && jid.Local == account.User;
}

/// <summary>
/// SASL ANONYMOUS (RFC 4505) for guests: any trace string is accepted and the guest gets a random local part.
/// Offered only on encrypted streams and when guests are allowed.
/// </summary>
internal sealed class AnonymousMechanism : ISaslMechanism
{
    private static readonly ScramCredential None = new([], 0, [], []);

    public ValueTask<SaslStep> StartAsync(byte[] initialResponse, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SaslStep.Succeeded(new XmppAccount("guest-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            XmppAccountKind.Guest, None, None)));

    public ValueTask<SaslStep> RespondAsync(byte[] response, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SaslStep.Failed(SaslConditions.MalformedRequest));
}
