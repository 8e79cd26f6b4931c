using System.Net;

namespace Ccgw.Core.Security;

/// <summary>
/// Slows down password and token guessing, whatever the protocol (admin API, XMPP SASL, MQTT CONNECT): after
/// <see cref="MaxFailures"/> failed attempts within <see cref="Window"/> from one address, that address is refused
/// (the admin API answers 429) until the window passes, even with the right secret. Each listener keeps its own instance.
/// </summary>
public sealed class AuthFailureLimiter(TimeProvider time)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedAddresses = 10_000;

    private readonly Dictionary<IPAddress, (int Count, DateTimeOffset Since)> _failures = [];
    private readonly Lock _gate = new();

    /// <summary>Whether the address may try now; when not, how long until it may.</summary>
    public bool IsAllowed(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null) return true;
        lock (_gate)
        {
            if (!_failures.TryGetValue(address, out var entry)) return true;
            var elapsed = time.GetUtcNow() - entry.Since;
            if (elapsed >= Window)
            {
                _failures.Remove(address);
                return true;
            }
            if (entry.Count < MaxFailures) return true;
            retryAfter = Window - elapsed;
            return false;
        }
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null) return;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_failures.Count >= MaxTrackedAddresses) Prune(now);
            _failures[address] = _failures.TryGetValue(address, out var entry) && now - entry.Since < Window
                ? (entry.Count + 1, entry.Since)
                : (1, now);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, entry) in _failures.ToList())
            if (now - entry.Since >= Window) _failures.Remove(address);
        if (_failures.Count >= MaxTrackedAddresses) _failures.Clear();
    }
}
