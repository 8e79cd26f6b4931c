namespace Ccgw.Sip.Auth;

/// <summary>
/// The highest nonce count (nc, RFC 7616 §3.4) accepted per nonce, so that a captured Authorization header cannot be
/// replayed: each request on a nonce must carry a larger nc than the last one accepted. Nonces stay stateless to issue
/// (HMAC-signed, <see cref="SipDigestAuthenticator"/>); state exists only for nonces a client answered correctly, and
/// only for their lifetime. Bounded: expired entries are pruned when the table fills, and a full table of live nonces
/// refuses new ones (the client is challenged again) rather than accepting an nc it cannot check.
/// </summary>
internal sealed class NonceCounts(TimeSpan lifetime, int capacity)
{
    private readonly Dictionary<string, (uint Count, DateTimeOffset Issued)> _counts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count
    {
        get { lock (_gate) return _counts.Count; }
    }

    /// <summary>True when <paramref name="nc"/> is above every count accepted for <paramref name="nonce"/>, which it now becomes.</summary>
    public bool TryAdvance(string nonce, uint nc, DateTimeOffset issued, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(nonce, out var seen))
            {
                if (nc <= seen.Count) return false;
                _counts[nonce] = (nc, seen.Issued);
                return true;
            }
            if (_counts.Count >= capacity)
            {
                foreach (var (key, entry) in _counts)
                    if (now - entry.Issued > lifetime) _counts.Remove(key);
                if (_counts.Count >= capacity) return false;
            }
            _counts.Add(nonce, (nc, issued));
            return true;
        }
    }
}
