using System.Net;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Microsoft.Extensions.Logging;

namespace Ccgw.Web.Portal;

/// <summary>
/// Sign-in with the customer's XMPP account: the login name (the local part of their address on the site's XMPP
/// domain, or the full bare address) and password checked against the stored credential, as the XMPP server's SASL
/// does. Failures are counted per login name across every address (a slow guesser spread over many addresses is
/// still stopped); the per-address limit is the web edge's rate limiter on the sign-in forms.
/// </summary>
public sealed partial class XmppSignIn(ICustomerRepository customers, ICustomerCredentialStore credentials, PortalSettings settings,
    TimeProvider time, ILogger<XmppSignIn> log)
{
    private readonly AuthFailureLimiter _failures = new(time);

    /// <summary>The limiter's address key under which every address counts together (failures are per login name).</summary>
    private static readonly IPAddress AnyAddress = IPAddress.IPv6None;

    public const int MaxUserLength = 256;
    public const int MaxPasswordLength = 1024;

    public enum Outcome
    {
        SignedIn,
        Refused,
        TooMany,
    }

    public async Task<(Outcome Outcome, string? CustomerId)> CheckAsync(string? user, string? password, IPAddress? client,
        CancellationToken cancellationToken)
    {
        var name = (user ?? "").Trim().ToLowerInvariant();
        if (name.Length is 0 or > MaxUserLength || password is not { Length: > 0 and <= MaxPasswordLength })
            return (Outcome.Refused, null);
        var domain = "@" + settings.XmppDomain.ToLowerInvariant();
        var local = name.EndsWith(domain, StringComparison.Ordinal) ? name[..^domain.Length] : name;
        if (!_failures.IsAllowed(AnyAddress, local, out _))
        {
            LogTooMany(log, client);
            return (Outcome.TooMany, null);
        }
        var customer = await customers.FindByImAddressAsync(local + domain, cancellationToken) ?? await customers.GetAsync(local, cancellationToken);
        var stored = customer is null ? null : await credentials.GetXmppCredentialAsync(customer.Id, cancellationToken);
        if (stored is not null && StoredCredential.TryParse(stored, out var credential, out _) && credential.User == local && credential.Verify(password))
            return (Outcome.SignedIn, customer!.Id);
        _failures.RecordFailure(AnyAddress, local);
        LogRefused(log, client);
        return (Outcome.Refused, null);
    }

    [LoggerMessage(EventId = 17110, Level = LogLevel.Information, Message = "portal XMPP sign-in refused from {Client}")]
    private static partial void LogRefused(ILogger logger, IPAddress? client);

    [LoggerMessage(EventId = 17111, Level = LogLevel.Warning, Message = "portal XMPP sign-in from {Client} refused: too many failures for this login name")]
    private static partial void LogTooMany(ILogger logger, IPAddress? client);
}
