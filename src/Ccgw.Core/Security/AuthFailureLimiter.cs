using System.Net;

namespace Ccgw.Core.Security;

/// <summary>
/// Slows down password and token guessing, whatever the protocol (admin API, XMPP SASL, MQTT CONNECT): after
/// <see cref="MaxFailures"/> failed attempts within <see cref="Window"/> from one address, that address is refused
/// (the admin API answers 429) until the window passes, even with the right secret. Each listener keeps its own instance.
/// Where a login name is tried (XMPP, MQTT) the count is per address and login name: a guesser behind an office's one
/// NAT address then locks out only the account it guesses from that address, never colleagues logging in with their
/// own right passwords; every name that is not an account counts as one (<see cref="UnknownUser"/>), so spraying
/// made-up names is limited as one account.
/// </summary>
public sealed class AuthFailureLimiter(TimeProvider time)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedAddresses = 10_000;

    /// <summary>The login name every name that is not an account is counted under.</summary>
    public const string UnknownUser = "\0unknown";

    private readonly Dictionary<(IPAddress Address, string? User), (int Count, DateTimeOffset Since)> _failures = [];
    private readonly Lock _gate = new();

    /// <summary>Whether the address may try now; when not, how long until it may.</summary>
    public bool IsAllowed(IPAddress? address, out TimeSpan retryAfter) => IsAllowed(address, null, out retryAfter);

    /// <summary>Whether <paramref name="user"/> may try from the address now (null: the address as a whole, for tokens).</summary>
    public bool IsAllowed(IPAddress? address, string? user, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null) return true;
        var key = (address, user);
        lock (_gate)
        {
            if (!_failures.TryGetValue(key, out var entry)) return true;
            var elapsed = time.GetUtcNow() - entry.Since;
            if (elapsed >= Window)
            {
                _failures.Remove(key);
                return true;
            }
            if (entry.Count < MaxFailures) return true;
            retryAfter = Window - elapsed;
            return false;
        }
    }

    public void RecordFailure(IPAddress? address) => RecordFailure(address, null);

    public void RecordFailure(IPAddress? address, string? user)
    {
        if (address is null) return;
        var now = time.GetUtcNow();
        var key = (address, user);
        lock (_gate)
        {
            if (_failures.Count >= MaxTrackedAddresses) Prune(now);
            _failures[key] = _failures.TryGetValue(key, out var entry) && now - entry.Since < Window
                ? (entry.Count + 1, entry.Since)
                : (1, now);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _failures.ToList())
            if (now - entry.Since >= Window) _failures.Remove(key);
        if (_failures.Count >= MaxTrackedAddresses) _failures.Clear();
    }
}
