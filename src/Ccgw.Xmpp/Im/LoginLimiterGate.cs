using System.Net;
using Ccgw.Core.Security;
using Ccgw.Xmpp.Streams;

namespace Ccgw.Xmpp.Im;

/// <summary>The shared per-address login limiter (its own instance for the c2s listener) behind the c2s server's gate.</summary>
public sealed class LoginLimiterGate(AuthFailureLimiter limiter) : IAuthFailureGate
{
    public bool IsAllowed(IPAddress? address) => limiter.IsAllowed(address, out _);

    public void RecordFailure(IPAddress? address) => limiter.RecordFailure(address);
}
