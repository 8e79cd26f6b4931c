using System.Net;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt;

/// <summary>The broker's log events (ids 14400-14499, and 21300-21399 for issue 21). Per-client events are Debug: a contact centre's consoles come and go all day.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 14400, Level = LogLevel.Debug, Message = "MQTT client {ClientId} ({RemoteEndPoint}) broke the protocol, closing (reason 0x{ReasonCode:X2}): {Reason}")]
    public static partial void ProtocolError(ILogger logger, string? clientId, EndPoint? remoteEndPoint, byte reasonCode, string reason);

    [LoggerMessage(EventId = 14401, Level = LogLevel.Error, Message = "MQTT connection of {ClientId} ({RemoteEndPoint}) failed; closing it")]
    public static partial void ConnectionFailed(ILogger logger, string? clientId, EndPoint? remoteEndPoint, Exception exception);

    [LoggerMessage(EventId = 14402, Level = LogLevel.Debug, Message = "MQTT transport of {ClientId} ({RemoteEndPoint}) failed while sending: {Reason}")]
    public static partial void SendFailed(ILogger logger, string? clientId, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(EventId = 14403, Level = LogLevel.Warning, Message = "MQTT authenticator failed for client {ClientId} ({RemoteEndPoint}); refused as server unavailable")]
    public static partial void AuthenticatorFailed(ILogger logger, string clientId, EndPoint? remoteEndPoint, Exception exception);

    [LoggerMessage(EventId = 14404, Level = LogLevel.Error, Message = "MQTT session timer of {ClientId} failed ({Timer})")]
    public static partial void SessionTimerFailed(ILogger logger, string clientId, string timer, Exception exception);

    [LoggerMessage(EventId = 14405, Level = LogLevel.Debug, Message = "MQTT client {ClientId} ({RemoteEndPoint}) did not close within {LingerSeconds} s of our DISCONNECT; closing")]
    public static partial void LingerExpired(ILogger logger, string? clientId, EndPoint? remoteEndPoint, double lingerSeconds);

    [LoggerMessage(EventId = 14406, Level = LogLevel.Debug, Message = "MQTT v3.1.1 client {ClientId} ({RemoteEndPoint}) refused: keep alive {KeepAlive} s is 0 or above the server's maximum {Maximum} s")]
    public static partial void KeepAliveRefused(ILogger logger, string clientId, EndPoint? remoteEndPoint, ushort keepAlive, ushort maximum);

    [LoggerMessage(EventId = 14407, Level = LogLevel.Warning, Message = "MQTT client {ClientId} ({RemoteEndPoint}) kept a publisher waiting over {LimitMs} ms: no longer waited for, its QoS 0 messages are dropped until it catches up")]
    public static partial void SubscriberStuck(ILogger logger, string? clientId, System.Net.EndPoint? remoteEndPoint, double limitMs);

    // Issue 21's range (21300-21399): the rate limit of 14407.
    [LoggerMessage(EventId = 21300, Level = LogLevel.Warning, Message = "MQTT: {Count} more subscribers were found stuck (not logged one by one, at most one line per {IntervalSeconds} s); see ccgw_mqtt_subscribers_stuck_total")]
    public static partial void StuckNotLogged(ILogger logger, long count, double intervalSeconds);
}
