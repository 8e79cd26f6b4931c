using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Core.Security;

/// <summary>
/// A password kept only in derived forms, one per protocol that needs to check it:
/// SIP digest HA1 values (RFC 2617 MD5 and RFC 8760 SHA-256, bound to user and realm) and
/// SCRAM stored/server keys (RFC 5802/7677) for XMPP, which also verify plain passwords (MQTT, PLAIN, admin).
/// The text form is what <c>ccgwctl hash-password</c> prints and <c>PasswordHash</c> holds:
/// <c>ccgw1$user$realm$salt$iterations$ha1md5$ha1sha256$scramSha1Stored$scramSha1Server$scramSha256Stored$scramSha256Server</c>.
/// </summary>
public sealed class StoredCredential
{
    private const string Prefix = "ccgw1";
    public const int DefaultIterations = 4096;

    public required string User { get; init; }
    public required string Realm { get; init; }
    public required byte[] Salt { get; init; }
    public required int Iterations { get; init; }
    public required string Ha1Md5 { get; init; }
    public required string Ha1Sha256 { get; init; }
    public required ScramKeys ScramSha1 { get; init; }
    public required ScramKeys ScramSha256 { get; init; }

    public sealed record ScramKeys(byte[] StoredKey, byte[] ServerKey);

    public static StoredCredential Derive(string user, string realm, string password, byte[]? salt = null, int iterations = DefaultIterations)
    {
        salt ??= RandomNumberGenerator.GetBytes(16);
        var a1 = Encoding.UTF8.GetBytes($"{user}:{realm}:{password}");
#pragma warning disable CA5351 // MD5 is what RFC 2617 digest requires; it is never used alone to protect the secret.
        var ha1Md5 = Convert.ToHexStringLower(MD5.HashData(a1));
#pragma warning restore CA5351
        return new StoredCredential
        {
            User = user,
            Realm = realm,
            Salt = salt,
            Iterations = iterations,
            Ha1Md5 = ha1Md5,
            Ha1Sha256 = Convert.ToHexStringLower(SHA256.HashData(a1)),
            ScramSha1 = Scram(password, salt, iterations, HashAlgorithmName.SHA1),
            ScramSha256 = Scram(password, salt, iterations, HashAlgorithmName.SHA256),
        };
    }

    /// <summary>
    /// This credential when it was made for <paramref name="user"/>, <paramref name="realm"/> and
    /// <paramref name="password"/>, else a fresh derivation (issue 21: the PBKDF2 rounds, two per credential, are what
    /// made 1,000 agents take seconds to start or re-provision). The check is the SHA-256 digest HA1 the credential
    /// already holds, one hash instead of 8,192: it reveals nothing the stored form does not already.
    /// </summary>
    public static StoredCredential DeriveOrReuse(string user, string realm, string password, StoredCredential? previous) =>
        previous is not null && previous.IsFor(user, realm, password) ? previous : Derive(user, realm, password);

    /// <summary>Whether this credential was made for this user, realm and password (the digest HA1 compared in constant time).</summary>
    public bool IsFor(string user, string realm, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!string.Equals(User, user, StringComparison.Ordinal) || !string.Equals(Realm, realm, StringComparison.Ordinal)) return false;
        var ha1 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{user}:{realm}:{password}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ha1), Encoding.ASCII.GetBytes(Ha1Sha256));
    }

    /// <summary>Checks a plain password (MQTT CONNECT, SASL PLAIN) against the SCRAM-SHA-256 keys in constant time.</summary>
    public bool Verify(string password)
    {
        var keys = Scram(password, Salt, Iterations, HashAlgorithmName.SHA256);
        return CryptographicOperations.FixedTimeEquals(keys.StoredKey, ScramSha256.StoredKey);
    }

    public override string ToString() => string.Join('$',
        Prefix, User, Realm, Convert.ToBase64String(Salt), Iterations.ToString(CultureInfo.InvariantCulture),
        Ha1Md5, Ha1Sha256,
        Convert.ToBase64String(ScramSha1.StoredKey), Convert.ToBase64String(ScramSha1.ServerKey),
        Convert.ToBase64String(ScramSha256.StoredKey), Convert.ToBase64String(ScramSha256.ServerKey));

    public static bool TryParse(string text, [NotNullWhen(true)] out StoredCredential? credential, out string why)
    {
        credential = null;
        var parts = text.Split('$');
        if (parts.Length != 11 || parts[0] != Prefix)
        {
            why = $"expected 11 '$'-separated fields starting with '{Prefix}'";
            return false;
        }
        if (!int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 4096)
        {
            why = "iteration count must be a number of at least 4096";
            return false;
        }
        try
        {
            credential = new StoredCredential
            {
                User = parts[1],
                Realm = parts[2],
                Salt = Convert.FromBase64String(parts[3]),
                Iterations = iterations,
                Ha1Md5 = HexOfLength(parts[5], 32),
                Ha1Sha256 = HexOfLength(parts[6], 64),
                ScramSha1 = new ScramKeys(Convert.FromBase64String(parts[7]), Convert.FromBase64String(parts[8])),
                ScramSha256 = new ScramKeys(Convert.FromBase64String(parts[9]), Convert.FromBase64String(parts[10])),
            };
        }
        catch (FormatException e)
        {
            why = e.Message;
            return false;
        }
        why = "";
        return true;
    }

    private static string HexOfLength(string s, int length) =>
        s.Length == length && s.All(Uri.IsHexDigit) ? s.ToLowerInvariant() : throw new FormatException($"expected {length} hex digits");

    private static ScramKeys Scram(string password, byte[] salt, int iterations, HashAlgorithmName hash)
    {
        var size = hash == HashAlgorithmName.SHA1 ? 20 : 32;
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash, size);
        var clientKey = Hmac(hash, salted, "Client Key"u8);
        var serverKey = Hmac(hash, salted, "Server Key"u8);
#pragma warning disable CA5350 // SCRAM-SHA-1 (RFC 6120 mandatory-to-implement) is defined over SHA-1.
        var storedKey = hash == HashAlgorithmName.SHA1 ? SHA1.HashData(clientKey) : SHA256.HashData(clientKey);
#pragma warning restore CA5350
        return new ScramKeys(storedKey, serverKey);
    }

#pragma warning disable CA5350 // as above: SCRAM-SHA-1 is HMAC-SHA-1 by definition.
    private static byte[] Hmac(HashAlgorithmName hash, byte[] key, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data);
#pragma warning restore CA5350
}
