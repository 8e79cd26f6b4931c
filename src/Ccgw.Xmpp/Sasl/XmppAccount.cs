using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Xmpp.Sasl;

/// <summary>What a login is for: routing treats agents' presence, the gateway customers' presence, differently.</summary>
public enum XmppAccountKind
{
    Agent,
    Supervisor,
    Customer,

    /// <summary>SASL ANONYMOUS (RFC 4505): a random local part on the domain, nothing stored.</summary>
    Guest,
}

/// <summary>
/// SCRAM data for one hash (RFC 5802 §3): the salted password is never kept, only StoredKey = H(HMAC(SaltedPassword,
/// "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key").
/// </summary>
public sealed record ScramCredential(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>Derives the keys from a password (tests, and hashing a password given in the configuration).</summary>
    public static ScramCredential Derive(string password, byte[] salt, int iterations, HashAlgorithmName hash)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash, ScramHash.Size(hash));
        var storedKey = ScramHash.Hash(hash, ScramHash.Hmac(hash, salted, "Client Key"u8));
        return new ScramCredential(salt, iterations, storedKey, ScramHash.Hmac(hash, salted, "Server Key"u8));
    }

    /// <summary>Checks a plain password (SASL PLAIN) in constant time.</summary>
    public bool Verify(string password, HashAlgorithmName hash) =>
        CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations, hash).StoredKey, StoredKey);
}

/// <summary>An account that may log in over c2s: the local part, its role and SCRAM keys for SHA-1 and SHA-256.</summary>
public sealed record XmppAccount(string User, XmppAccountKind Kind, ScramCredential ScramSha1, ScramCredential ScramSha256, string? CustomerId = null)
{
    /// <summary>The configured id (agent or supervisor id, customer id) when it differs in case from <see cref="User"/>.</summary>
    public string? Id { get; init; }

    /// <summary>
    /// Staff only: consumes a one-time console token (<see cref="Core.Security.StaffMqttTokens"/>) issued to this very
    /// staff member, so the browser console logs in over /xmpp (SASL PLAIN) without holding the password.
    /// </summary>
    public Func<string, bool>? RedeemConsoleToken { get; init; }

    /// <summary>
    /// Customers only: consumes a one-time chat token (<see cref="Core.Security.CustomerChatTokens"/>) issued to this
    /// very customer's /me session, so the page chats as the customer over /xmpp (SASL PLAIN) without a password.
    /// </summary>
    public Func<string, bool>? RedeemChatToken { get; init; }

    /// <summary>
    /// False for a session that logged in with a console token: the console page sets the agent's state over MQTT, so
    /// its XMPP presence (sent so that chats reach it) must not make the agent ready or lost on a reconnect.
    /// </summary>
    public bool PresenceDrivesState { get; init; } = true;
}

/// <summary>Finds accounts by local part (already case-folded by the caller).</summary>
public interface IXmppAccounts
{
    ValueTask<XmppAccount?> FindAsync(string user, CancellationToken cancellationToken = default);
}

internal static class ScramHash
{
    public static int Size(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA1 ? 20 : 32;

#pragma warning disable CA5350 // SCRAM-SHA-1 (RFC 6120 §13.8.3 mandatory-to-implement) is defined over SHA-1.
    public static byte[] Hmac(HashAlgorithmName hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data);

    public static byte[] Hash(HashAlgorithmName hash, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA1 ? SHA1.HashData(data) : SHA256.HashData(data);
#pragma warning restore CA5350
}
