using System.Net;
using System.Text;
using Ccgw.Core.Security;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// MQTT users are the agents (role agent) and supervisors (role supervisor) of the live login directory
/// (<see cref="ILoginDirectory"/>: configured, then provisioned at run time), read at each CONNECT so that a person added
/// or removed through the admin API logs in, or no longer does, at once; a CONNECT costs one <see cref="StoredCredential.Verify"/>.
/// Failed logins are limited per source address like the admin API, so the port cannot be used to guess passwords.
/// </summary>
public sealed partial class MqttAccountAuthenticator : IMqttAuthenticator
{
    private readonly ILoginDirectory _logins;
    private readonly AuthFailureLimiter _failures;
    private readonly ILogger<MqttAccountAuthenticator> _log;
    private readonly StaffMqttTokens? _tokens;

    /// <summary>A fixed list of logins (tests).</summary>
    /// <param name="tokens">The consoles' one-time tokens (issue 19): accepted as the password of the staff member they
    /// were issued to, counted by the same failure limiter as passwords; null: passwords only.</param>
    public MqttAccountAuthenticator(IEnumerable<StaffLogin> staff, TimeProvider time, ILogger<MqttAccountAuthenticator> log,
        StaffMqttTokens? tokens = null)
        : this(new StaffLoginDirectory(staff), time, log, tokens)
    {
    }

    public MqttAccountAuthenticator(ILoginDirectory logins, TimeProvider time, ILogger<MqttAccountAuthenticator> log,
        StaffMqttTokens? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(logins);
        _logins = logins;
        _failures = new AuthFailureLimiter(time);
        _log = log;
        _tokens = tokens;
    }

    public ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttAuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var address = (request.RemoteEndPoint as IPEndPoint)?.Address;
        // Counted per address and login name, so a guesser behind a shared office address locks out only the account
        // it guesses; names that are no account share one count (AuthFailureLimiter).
        var tried = request.UserName is { } name && _logins.Find(name) is not null ? name : AuthFailureLimiter.UnknownUser;
        if (!_failures.IsAllowed(address, tried, out _))
        {
            LogThrottled(_log, address?.ToString() ?? "?");
            return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.NotAuthorized));
        }
        if (request.UserName is { } user && request.HasPassword && _logins.Find(user) is { } login)
        {
            var password = Encoding.UTF8.GetString(request.Password.Span);
            // A console token is tried as a token only: a password that happens to start with the prefix is not a token.
            var accepted = _tokens is not null && password.StartsWith(StaffMqttTokens.Prefix, StringComparison.Ordinal)
                ? _tokens.TryRedeem(user, password)
                : login.Credential.Verify(password);
            if (accepted)
                return ValueTask.FromResult(MqttAuthenticationResult.Accept(
                    new MqttIdentity(login.Id, [login.Role == StaffRole.Supervisor ? ContactCenterAcl.SupervisorRole : ContactCenterAcl.AgentRole])));
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
