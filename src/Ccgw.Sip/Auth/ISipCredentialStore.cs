namespace Ccgw.Sip.Auth;

/// <summary>
/// Digest secrets for one user in one realm: lower-case hex HA1 values, never the password
/// (RFC 7616 §3.4.2: HA1 = H(username ":" realm ":" password)).
/// </summary>
public sealed record SipCredentials(string UserName, string Realm, string Ha1Md5, string Ha1Sha256)
{
    /// <summary>Derives both HA1 values from a password (for config loading and tests; do not keep the password).</summary>
    public static SipCredentials FromPassword(string userName, string realm, string password) =>
        new(userName, realm, DigestHash.Hex(DigestAlgorithm.Md5, $"{userName}:{realm}:{password}"), DigestHash.Hex(DigestAlgorithm.Sha256, $"{userName}:{realm}:{password}"));
}

/// <summary>Supplied by the host (the daemon reads agents from its configuration/database).</summary>
public interface ISipCredentialStore
{
    /// <summary>The user's HA1 values in <paramref name="realm"/>, or null when there is no such user.</summary>
    ValueTask<SipCredentials?> FindAsync(string userName, string realm, CancellationToken cancellationToken);
}

/// <summary>A fixed in-memory credential list (tests, demos).</summary>
public sealed class InMemoryCredentialStore(IEnumerable<SipCredentials> credentials) : ISipCredentialStore
{
    private readonly Dictionary<(string, string), SipCredentials> _byUser =
        credentials.ToDictionary(c => (c.UserName, c.Realm.ToLowerInvariant()));

    public ValueTask<SipCredentials?> FindAsync(string userName, string realm, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_byUser.GetValueOrDefault((userName, realm.ToLowerInvariant())));
}
