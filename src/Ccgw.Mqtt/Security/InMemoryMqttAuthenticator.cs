using System.Security.Cryptography;
using System.Text;

namespace Ccgw.Mqtt;

/// <summary>
/// User name and password pairs held in memory; for tests and small deployments. The daemon may
/// plug in its own authenticator over hashed credentials instead.
/// </summary>
public sealed class InMemoryMqttAuthenticator : IMqttAuthenticator
{
    private readonly Dictionary<string, (byte[] Password, MqttIdentity Identity)> _users = new(StringComparer.Ordinal);

    /// <param name="users">User name, clear-text password and roles of each user.</param>
    public InMemoryMqttAuthenticator(IEnumerable<(string UserName, string Password, string[] Roles)> users)
    {
        foreach (var (userName, password, roles) in users)
            _users[userName] = (Encoding.UTF8.GetBytes(password), new MqttIdentity(userName, roles));
    }

    public ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttAuthenticationRequest request, CancellationToken cancellationToken)
    {
        if (request.UserName is null || !request.HasPassword)
            return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.NotAuthorized));
        if (!_users.TryGetValue(request.UserName, out var user) ||
            !CryptographicOperations.FixedTimeEquals(user.Password, request.Password.Span))
            return ValueTask.FromResult(MqttAuthenticationResult.Refuse(MqttConnectRefusal.BadUserNameOrPassword));
        return ValueTask.FromResult(MqttAuthenticationResult.Accept(user.Identity));
    }
}
