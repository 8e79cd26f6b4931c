using System.Collections.Concurrent;
using System.Net;

namespace Ccgw.Sip.Auth;

/// <summary>
/// Token buckets spent only by failed authentications, one per source address and user name, so guessing one account's
/// password slows to the refill rate while a colleague behind the same office NAT address still registers with the
/// right password (issue 16: "without locking out a shared office address for correct credentials"), as the core's
/// AuthFailureLimiter does for MQTT and XMPP.
/// The name is counted as given, whether or not it is an account: counting unknown names together (as the core does)
/// would let a guesser tell known from unknown users by which names get locked, undoing the dummy-HA1 answers.
/// Spraying many names from one address is still bounded: each address tracks at most
/// <paramref name="maxNamesPerAddress"/> names; failures for further names share one bucket for that address, so a
/// password sprayer is limited as one account (and, while spraying, so are colleagues with no earlier failure of
/// their own; stated in docs/sip.md), and one address cannot grow the table or flush the other buckets.
/// </summary>
internal sealed class FailedAuthRateLimiter(TimeProvider time, int burst, TimeSpan refillEvery,
    int maxTrackedAddresses = 10_000, int maxNamesPerAddress = 16)
{
    private readonly ConcurrentDictionary<IPAddress, Names> _addresses = new();

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
    }

    /// <summary>One address's buckets; <see cref="Others"/> takes the names beyond the cap. Guarded by its own lock.</summary>
    private sealed class Names
    {
        public readonly Dictionary<string, Bucket> ByName = new(StringComparer.Ordinal);
        public Bucket? Others;
    }

    public bool IsBlocked(IPAddress source, string user)
    {
        if (!_addresses.TryGetValue(source, out var names)) return false;
        lock (names)
        {
            var b = names.ByName.TryGetValue(user, out var own) ? own
                : names.ByName.Count >= maxNamesPerAddress ? names.Others
                : null;
            if (b is null) return false;
            Refill(b);
            return b.Tokens < 1;
        }
    }

    public void RecordFailure(IPAddress source, string user)
    {
        // Bounded memory: an address flood resets tracking instead of growing without limit (a name flood from one
        // address cannot, see maxNamesPerAddress).
        if (_addresses.Count >= maxTrackedAddresses) _addresses.Clear();
        var names = _addresses.GetOrAdd(source, _ => new Names());
        lock (names)
        {
            if (!names.ByName.TryGetValue(user, out var b))
            {
                if (names.ByName.Count >= maxNamesPerAddress) PruneRefilled(names);
                if (names.ByName.Count < maxNamesPerAddress)
                {
                    b = new Bucket(burst, time.GetTimestamp());
                    names.ByName.Add(user, b);
                }
                else
                {
                    b = names.Others ??= new Bucket(burst, time.GetTimestamp());
                }
            }
            Refill(b);
            b.Tokens = Math.Max(0, b.Tokens - 1);
        }
    }

    /// <summary>A full bucket holds nothing a new one would not; dropping them frees room for new names.</summary>
    private void PruneRefilled(Names names)
    {
        foreach (var (name, b) in names.ByName.ToList())
        {
            Refill(b);
            if (b.Tokens >= burst) names.ByName.Remove(name);
        }
    }

    private void Refill(Bucket b)
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(b.Stamp, now);
        b.Stamp = now;
        b.Tokens = Math.Min(burst, b.Tokens + elapsed / refillEvery);
    }
}
