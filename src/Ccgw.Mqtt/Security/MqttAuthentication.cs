using System.Net;

namespace Ccgw.Mqtt;

/// <summary>Who a connection authenticated as; the authorizer decides from this alone.</summary>
/// <param name="Name">The user name (an agent id, a supervisor id, or the gateway itself).</param>
/// <param name="Roles">Free-form roles, e.g. "supervisor"; compared ordinally.</param>
public sealed record MqttIdentity(string Name, IReadOnlyCollection<string> Roles)
{
    public bool IsInRole(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>What a client presented in CONNECT (§3.1.3.5, §3.1.3.6).</summary>
public sealed record MqttAuthenticationRequest(
    string ClientId,
    string? UserName,
    ReadOnlyMemory<byte> Password,
    bool HasPassword,
    EndPoint? RemoteEndPoint,
    MqttProtocolVersion ProtocolVersion);

/// <summary>Why a CONNECT was refused; mapped to the v5 reason code or v3.1.1 return code.</summary>
public enum MqttConnectRefusal
{
    BadUserNameOrPassword,
    NotAuthorized,
    Banned,
    ServerUnavailable,
}

/// <summary>An identity for an accepted client or the reason it is refused.</summary>
public sealed class MqttAuthenticationResult
{
    private MqttAuthenticationResult(MqttIdentity? identity, MqttConnectRefusal refusal)
    {
        Identity = identity;
        Refusal = refusal;
    }

    public MqttIdentity? Identity { get; }
    public MqttConnectRefusal Refusal { get; }
    public bool Succeeded => Identity is not null;

    public static MqttAuthenticationResult Accept(MqttIdentity identity) => new(identity ?? throw new ArgumentNullException(nameof(identity)), default);

    public static MqttAuthenticationResult Refuse(MqttConnectRefusal refusal) => new(null, refusal);

    internal byte ReasonCode => Refusal switch
    {
        MqttConnectRefusal.BadUserNameOrPassword => MqttReasonCode.BadUserNameOrPassword,
        MqttConnectRefusal.NotAuthorized => MqttReasonCode.NotAuthorized,
        MqttConnectRefusal.Banned => MqttReasonCode.Banned,
        _ => MqttReasonCode.ServerUnavailable,
    };
}

/// <summary>Checks CONNECT credentials. Called once per connection, before any session state is touched.</summary>
public interface IMqttAuthenticator
{
    ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttAuthenticationRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Decides what an authenticated identity may do. Called under the broker's lock on every
/// SUBSCRIBE filter and PUBLISH topic, so it must be fast and must not block.
/// </summary>
public interface IMqttAuthorizer
{
    bool CanSubscribe(MqttIdentity identity, string topicFilter);

    bool CanPublish(MqttIdentity identity, string topic);
}
