using System.Collections.Frozen;
using System.Net;
using System.Text;
using Ccgw.Configuration;
using Ccgw.Mqtt;
using Ccgw.Web.Admin;

namespace Ccgw.Daemon;

/// <summary>
/// MQTT users are the configured agents (role agent) and supervisors (role supervisor). Credentials are derived
/// once at start (from Password) or parsed (PasswordHash); a CONNECT costs one <see cref="StoredCredential.Verify"/>.
/// Failed logins are limited per source address like the admin API, so the port cannot be used to guess passwords.
/// </summary>
internal sealed partial class MqttAccountAuthenticator : IMqttAuthenticator
{
    private readonly FrozenDictionary<string, Account> _accounts;
    private readonly AuthFailureLimiter _failures;
    private readonly ILogger<MqttAccountAuthenticator> _log;

    private sealed record Account(StoredCredential Credential, MqttIdentity Identity);

    public MqttAccountAuthenticator(GatewayOptions options, TimeProvider time, ILogger<MqttAccountAuthenticator> log)
    {
        _failures = new AuthFailureLimiter(time);
        _log = log;
        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        foreach (var a in options.Agents)
            accounts[a.Id] = new Account(Credential(a.Id, a.Password, a.PasswordHash, options.Site.SipDomain), new MqttIdentity(a.Id, [ContactCenterAcl.AgentRole]));
        foreach (var s in options.Supervisors)
            accounts[s.Id] = new Account(Credential(s.Id, s.Password, s.PasswordHash, options.Site.SipDomain), new MqttIdentity(s.Id, [ContactCenterAcl.SupervisorRole]));
        _accounts = accounts.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Validation guarantees one of the two is set and a hash parses.</summary>
    private static StoredCredential Credential(string user, string? password, string? hash, string realm) =>
        hash is { Length: > 0 } && StoredCredential.TryParse(hash, out var parsed, out _) ? parsed
            : StoredCredential.Derive(user, realm, password ?? throw new InvalidOperationException($"{user} has no credential"));

    public ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttAuthenticationRequest request, CancellationToken cancellationToken)
    {
        var address = (request.RemoteEndPoint as IPEndPoint)?.Address;
        if (!_failures.IsAllowed(address, out _))
        {
            LogThrottled(_log, address?.ToString() ?? "?");
            return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.NotAuthorized));
        }
        if (request.UserName is { } user && request.HasPassword && _accounts.TryGetValue(user, out var account) &&
            account.Credential.Verify(Encoding.UTF8.GetString(request.Password.Span)))
            return ValueTask.FromResult(MqttAuthenticationResult.Accept(account.Identity));
        _failures.RecordFailure(address);
        LogRefused(_log, request.UserName ?? "", address?.ToString() ?? "?");
        return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.BadUserNameOrPassword));
    }

    [LoggerMessage(EventId = 620, Level = LogLevel.Warning, Message = "MQTT login of '{User}' from {Address} refused: bad user name or password")]
    private static partial void LogRefused(ILogger logger, string user, string address);

    [LoggerMessage(EventId = 621, Level = LogLevel.Warning, Message = "MQTT login from {Address} refused: too many failed logins, wait a minute")]
    private static partial void LogThrottled(ILogger logger, string address);
}
