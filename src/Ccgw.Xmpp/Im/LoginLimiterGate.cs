using System.Net;
using Ccgw.Core.Security;
using Ccgw.Xmpp.Streams;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// The shared login limiter (its own instance for the c2s listener) behind the c2s server's gate: failed logins per
/// address and account, and guest (ANONYMOUS) logins per address, each at most <see cref="AuthFailureLimiter.MaxFailures"/>
/// per <see cref="AuthFailureLimiter.Window"/>.
/// </summary>
public sealed class LoginLimiterGate(AuthFailureLimiter limiter, AuthFailureLimiter? guests = null) : IAuthFailureGate
{
    public bool IsAllowed(IPAddress? address) => limiter.IsAllowed(address, out _);

    public void RecordFailure(IPAddress? address) => limiter.RecordFailure(address);

    public bool IsAllowed(IPAddress? address, string user) => limiter.IsAllowed(address, user, out _);

    public void RecordFailure(IPAddress? address, string user) => limiter.RecordFailure(address, user);

    public bool TryGuestLogin(IPAddress? address)
    {
        if (guests is null) return true;
        // Every guest login counts, so the limiter's "failures" are guest logins here.
        if (!guests.IsAllowed(address, out _)) return false;
        guests.RecordFailure(address);
        return true;
    }
}
