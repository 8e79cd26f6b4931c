using System.Security.Cryptography;

namespace Ccgw.Core.Security;

/// <summary>
/// Short-lived, one-time MQTT passwords for the staff consoles (issue 19): the browser page never holds the staff
/// member's password; its signed-in session asks for a token, connects to /mqtt with user name = staff id and password
/// = token, and asks again for its next connection. A token is bound to one staff id and one browser session, is
/// consumed by the CONNECT that presents it, expires after <see cref="Lifetime"/>, and every outstanding token of a
/// session is revoked at sign-out. Held in memory only: after a restart the page simply asks for a new one.
/// </summary>
public sealed class StaffMqttTokens(TimeProvider time)
{
    /// <summary>Long enough for a page to fetch a token and connect on a slow link, short enough to be useless later.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>Every token starts with this, so the MQTT authenticator tells tokens from passwords without a lookup.</summary>
    public const string Prefix = "ccgw-staff-token.";

    /// <summary>A page asks once per connection; more than this outstanding means a runaway page or an attack.</summary>
    public const int MaximumOutstanding = 10_000;

    private readonly Dictionary<string, Entry> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _revokedSessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private sealed record Entry(string StaffId, string SessionId, DateTimeOffset Expires);

    /// <summary>A new token for <paramref name="staffId"/> in browser session <paramref name="sessionId"/>; null when the session was signed out.</summary>
    public string? Issue(string staffId, string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(staffId);
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_revokedSessions.Contains(sessionId)) return null;
            if (_tokens.Count >= MaximumOutstanding) Prune(now);
            if (_tokens.Count >= MaximumOutstanding) return null;
            _tokens[token] = new Entry(staffId, sessionId, now + Lifetime);
        }
        return token;
    }

    /// <summary>Consumes <paramref name="token"/>: true once, for the staff id it was issued to, before it expires.</summary>
    public bool TryRedeem(string staffId, string token)
    {
        lock (_gate)
        {
            if (!_tokens.Remove(token, out var entry)) return false;
            return entry.Expires > time.GetUtcNow() && string.Equals(entry.StaffId, staffId, StringComparison.Ordinal)
                && !_revokedSessions.Contains(entry.SessionId);
        }
    }

    /// <summary>Sign-out: the session's outstanding tokens are void and it gets no new ones.</summary>
    public void RevokeSession(string sessionId)
    {
        lock (_gate)
        {
            _revokedSessions.Add(sessionId);
            foreach (var (token, entry) in _tokens.ToList())
                if (string.Equals(entry.SessionId, sessionId, StringComparison.Ordinal)) _tokens.Remove(token);
        }
    }

    /// <summary>Whether the session was signed out (its cookie, if replayed, no longer counts).</summary>
    public bool IsRevoked(string sessionId)
    {
        lock (_gate) return _revokedSessions.Contains(sessionId);
    }

    public int Outstanding
    {
        get
        {
            lock (_gate) return _tokens.Count;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (token, entry) in _tokens.ToList())
            if (entry.Expires <= now) _tokens.Remove(token);
    }
}
