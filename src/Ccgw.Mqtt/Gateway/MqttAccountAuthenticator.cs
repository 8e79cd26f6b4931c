using System.Collections.Frozen;
using System.Net;
using System.Text;
using Ccgw.Core.Security;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// MQTT users are the configured agents (role agent) and supervisors (role supervisor), with the credentials derived or
/// parsed once at start (<see cref="StaffLogin"/>); a CONNECT costs one <see cref="StoredCredential.Verify"/>.
/// Failed logins are limited per source address like the admin API, so the port cannot be used to guess passwords.
/// </summary>
public sealed partial class MqttAccountAuthenticator : IMqttAuthenticator
{
    private readonly FrozenDictionary<string, Account> _accounts;
    private readonly AuthFailureLimiter _failures;
    private readonly ILogger<MqttAccountAuthenticator> _log;
    private readonly StaffMqttTokens? _tokens;

    private sealed record Account(StoredCredential Credential, MqttIdentity Identity);

    /// <param name="tokens">The consoles' one-time tokens (issue 19): accepted as the password of the staff member they
    /// were issued to, counted by the same failure limiter as passwords; null: passwords only.</param>
    public MqttAccountAuthenticator(IEnumerable<StaffLogin> staff, TimeProvider time, ILogger<MqttAccountAuthenticator> log,
        StaffMqttTokens? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(staff);
        _failures = new AuthFailureLimiter(time);
        _log = log;
        _tokens = tokens;
        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        foreach (var login in staff)
            accounts[login.Id] = new Account(login.Credential,
                new MqttIdentity(login.Id, [login.Role == StaffRole.Supervisor ? ContactCenterAcl.SupervisorRole : ContactCenterAcl.AgentRole]));
        _accounts = accounts.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttAuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var address = (request.RemoteEndPoint as IPEndPoint)?.Address;
        // Counted per address and login name, so a guesser behind a shared office address locks out only the account
        // it guesses; names that are no account share one count (AuthFailureLimiter).
        var tried = request.UserName is { } name && _accounts.ContainsKey(name) ? name : AuthFailureLimiter.UnknownUser;
        if (!_failures.IsAllowed(address, tried, out _))
        {
            LogThrottled(_log, address?.ToString() ?? "?");
            return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.NotAuthorized));
        }
        if (request.UserName is { } user && request.HasPassword && _accounts.TryGetValue(user, out var account))
        {
            var password = Encoding.UTF8.GetString(request.Password.Span);
            // A console token is tried as a token only: a password that happens to start with the prefix is not a token.
            var accepted = _tokens is not null && password.StartsWith(StaffMqttTokens.Prefix, StringComparison.Ordinal)
                ? _tokens.TryRedeem(user, password)
                : account.Credential.Verify(password);
            if (accepted) return ValueTask.FromResult(MqttAuthenticationResult.Accept(account.Identity));
        }
        _failures.RecordFailure(address, tried);
        LogRefused(_log, request.UserName ?? "", address?.ToString() ?? "?");
        return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.BadUserNameOrPassword));
    }

    [LoggerMessage(EventId = 620, Level = LogLevel.Warning, Message = "MQTT login of '{User}' from {Address} refused: bad user name or password")]
    private static partial void LogRefused(ILogger logger, string user, string address);

    [LoggerMessage(EventId = 621, Level = LogLevel.Warning, Message = "MQTT login from {Address} refused: too many failed logins, wait a minute")]
    private static partial void LogThrottled(ILogger logger, string address);
}
