using System.Security.Cryptography;

namespace Ccgw.Core.Security;

/// <summary>
/// Short-lived, one-time XMPP passwords for signed-in customers (issue 18): the /me page never holds the customer's
/// password (a customer who signed in with a mailed link may not even have one). Its "ccgw-customer" session asks for
/// a token before each connection to /xmpp and logs in with SASL PLAIN as the customer's own account, user name = the
/// local part of their address on the XMPP domain, password = the token. A token is bound to one customer id, is
/// consumed by the login that presents it (right or wrong account), and expires after <see cref="Lifetime"/>. The same
/// pattern as the staff consoles' <see cref="StaffMqttTokens"/>, kept apart so that a customer token never opens a
/// staff account and the reverse. Held in memory only: after a restart the page simply asks for a new one.
/// </summary>
public sealed class CustomerChatTokens(TimeProvider time)
{
    /// <summary>Long enough for a page to fetch a token and connect on a slow link, short enough to be useless later.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>Every token starts with this, so SASL PLAIN tells tokens from passwords without a lookup.</summary>
    public const string Prefix = "ccgw-customer-token.";

    /// <summary>A page asks once per connection; more than this outstanding means a runaway page or an attack.</summary>
    public const int MaximumOutstanding = 10_000;

    private readonly Dictionary<string, Entry> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private sealed record Entry(string CustomerId, DateTimeOffset Expires);

    /// <summary>A new token for <paramref name="customerId"/>; null when too many are outstanding.</summary>
    public string? Issue(string customerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_tokens.Count >= MaximumOutstanding) Prune(now);
            if (_tokens.Count >= MaximumOutstanding) return null;
            _tokens[token] = new Entry(customerId, now + Lifetime);
        }
        return token;
    }

    /// <summary>Consumes <paramref name="token"/>: true once, for the customer it was issued to, before it expires.</summary>
    public bool TryRedeem(string customerId, string token)
    {
        lock (_gate)
        {
            if (!_tokens.Remove(token, out var entry)) return false;
            return entry.Expires > time.GetUtcNow() && string.Equals(entry.CustomerId, customerId, StringComparison.Ordinal);
        }
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
