using System.Collections.Concurrent;
using System.Net;

namespace Ccgw.Sip.Auth;

/// <summary>
/// Token bucket per source address, spent only by failed authentications, so guessing passwords or
/// enumerating users slows to the refill rate while legitimate clients are unaffected.
/// </summary>
internal sealed class FailedAuthRateLimiter(TimeProvider time, int burst, TimeSpan refillEvery, int maxTrackedAddresses = 10_000)
{
    private readonly ConcurrentDictionary<IPAddress, Bucket> _buckets = new();

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
    }

    public bool IsBlocked(IPAddress source)
    {
        if (!_buckets.TryGetValue(source, out var b)) return false;
        lock (b)
        {
            Refill(b);
            return b.Tokens < 1;
        }
    }

    public void RecordFailure(IPAddress source)
    {
        // Bounded memory: an address flood resets tracking instead of growing without limit.
        if (_buckets.Count >= maxTrackedAddresses) _buckets.Clear();
        var b = _buckets.GetOrAdd(source, _ => new Bucket(burst, time.GetTimestamp()));
        lock (b)
        {
            Refill(b);
            b.Tokens = Math.Max(0, b.Tokens - 1);
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
