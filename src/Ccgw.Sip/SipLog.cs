using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Transport;
using DnsClient;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip;

/// <summary>
/// Every log line of the SIP stack, source-generated: nothing is formatted unless the level is enabled, so the
/// transport's hot paths stay allocation-free. Event ids 14200-14299 (transport and core 142xx, peers and DNS 1423x).
/// The host hands one <see cref="ILogger"/> (category "Ccgw.Sip") to <see cref="SipStack"/> and <see cref="SipPeerResolver"/>.
/// </summary>
internal static partial class SipLog
{
    [LoggerMessage(EventId = 14200, Level = LogLevel.Information, Message = "Refusing SIP request from {Source}: {Reason}")]
    public static partial void RequestRefused(this ILogger logger, SipEndPoint source, string reason);

    [LoggerMessage(EventId = 14201, Level = LogLevel.Error, Message = "SIP request handling failed; answering 500")]
    public static partial void RequestHandlingFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 14202, Level = LogLevel.Warning, Message = "SIP send queue full; dropping message to {Destination}")]
    public static partial void SendQueueFull(this ILogger logger, SipEndPoint destination);

    [LoggerMessage(EventId = 14203, Level = LogLevel.Information, Message = "SIP send to {Destination} failed: {Reason}")]
    public static partial void SendFailed(this ILogger logger, SipEndPoint destination, string reason);

    [LoggerMessage(EventId = 14204, Level = LogLevel.Debug, Message = "SIP UDP receive error {Error}")]
    public static partial void UdpReceiveError(this ILogger logger, SocketError error);

    [LoggerMessage(EventId = 14205, Level = LogLevel.Error, Message = "SIP datagram handling failed for {Source}")]
    public static partial void DatagramHandlingFailed(this ILogger logger, SipEndPoint source, Exception exception);

    [LoggerMessage(EventId = 14206, Level = LogLevel.Information, Message = "Malformed SIP datagram from {Source}: {Reason}")]
    public static partial void MalformedDatagram(this ILogger logger, SipEndPoint source, string reason);

    [LoggerMessage(EventId = 14207, Level = LogLevel.Debug, Message = "The 400 for a malformed SIP datagram could not be sent to {Source}: {Error}")]
    public static partial void MalformedAnswerNotSent(this ILogger logger, SipEndPoint source, SocketError error);

    [LoggerMessage(EventId = 14208, Level = LogLevel.Error, Message = "SIP message handler failed")]
    public static partial void MessageHandlerFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 14209, Level = LogLevel.Warning, Message = "SIP connection limit reached; refusing {Remote}")]
    public static partial void ConnectionLimitReached(this ILogger logger, EndPoint? remote);

    [LoggerMessage(EventId = 14210, Level = LogLevel.Error, Message = "SIP accept loop stopped: {Error}")]
    public static partial void AcceptLoopStopped(this ILogger logger, SocketError error);

    [LoggerMessage(EventId = 14211, Level = LogLevel.Debug, Message = "SIP connection {Remote} ended: {Reason}")]
    public static partial void ConnectionEnded(this ILogger logger, SipEndPoint remote, string reason);

    [LoggerMessage(EventId = 14212, Level = LogLevel.Debug, Message = "Closing idle SIP connection {Remote}")]
    public static partial void IdleConnectionClosed(this ILogger logger, SipEndPoint remote);

    [LoggerMessage(EventId = 14213, Level = LogLevel.Information, Message = "SIP framing error from {Remote}: {Reason}")]
    public static partial void FramingError(this ILogger logger, SipEndPoint remote, string reason);

    [LoggerMessage(EventId = 14214, Level = LogLevel.Information, Message = "SIP send to {Destination} failed: {Error}")]
    public static partial void UdpSendFailed(this ILogger logger, SipEndPoint destination, SocketError error);

    [LoggerMessage(EventId = 14230, Level = LogLevel.Debug, Message = "SIP peer {Host}: no SRV records at {Service}; using A/AAAA of the name on port {Port}")]
    public static partial void PeerNoSrv(this ILogger logger, string host, string service, int port);

    [LoggerMessage(EventId = 14231, Level = LogLevel.Debug, Message = "SIP peer {Host}: SRV lookup of {Service} failed (no DNS server answered)")]
    public static partial void PeerSrvFailed(this ILogger logger, string host, string service);

    [LoggerMessage(EventId = 14232, Level = LogLevel.Debug, Message = "SIP peer {Host}: {Service} says the service is not offered (target \".\")")]
    public static partial void PeerSrvNotOffered(this ILogger logger, string host, string service);

    [LoggerMessage(EventId = 14233, Level = LogLevel.Debug, Message = "SIP peer {Host}: {Service} gives {Target}:{Port} ({Address})")]
    public static partial void PeerSrvTarget(this ILogger logger, string host, string service, string target, int port, IPAddress address);

    [LoggerMessage(EventId = 14234, Level = LogLevel.Debug, Message = "SIP peer {Host}: SRV target {Target} has no address; trying the next")]
    public static partial void PeerSrvTargetWithoutAddress(this ILogger logger, string host, string target);

    [LoggerMessage(EventId = 14235, Level = LogLevel.Debug, Message = "SIP peer {Host}: the system resolver found no address ({Error})")]
    public static partial void PeerSystemResolveFailed(this ILogger logger, string host, SocketError error);

    [LoggerMessage(EventId = 14236, Level = LogLevel.Debug, Message = "SIP peer {Host} is not a name the system resolver takes: {Reason}")]
    public static partial void PeerNameRefused(this ILogger logger, string host, string reason);

    [LoggerMessage(EventId = 14240, Level = LogLevel.Debug, Message = "DNS: not asking for '{Name}': {Reason}")]
    public static partial void DnsNameRefused(this ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 14241, Level = LogLevel.Debug, Message = "DNS: asking {Server} for {Name} {Type} failed: {Reason}; asking the next server")]
    public static partial void DnsServerFailed(this ILogger logger, NameServer server, string name, QueryType type, string reason);

    [LoggerMessage(EventId = 14242, Level = LogLevel.Debug, Message = "DNS: dropped a response from {Server} that does not answer our question {Name} {Type}")]
    public static partial void DnsWrongQuestion(this ILogger logger, NameServer server, string name, QueryType type);

    [LoggerMessage(EventId = 14243, Level = LogLevel.Debug, Message = "DNS: {Server} answered {ResponseCode} for {Name} {Type}; asking the next server")]
    public static partial void DnsServerRefused(this ILogger logger, NameServer server, DnsHeaderResponseCode responseCode, string name, QueryType type);

    [LoggerMessage(EventId = 14244, Level = LogLevel.Debug, Message = "DNS: no server answered for {Name} {Type}")]
    public static partial void DnsNoServerAnswered(this ILogger logger, string name, QueryType type);

    [LoggerMessage(EventId = 16710, Level = LogLevel.Error, Message = "{Listener}: accept failed with {Error}: out of file descriptors or socket buffers; pausing accepts for {Backoff} and retrying (raise LimitNOFILE or lower Listeners:MaxConnections)")]
    public static partial void AcceptOutOfDescriptors(this ILogger logger, string listener, SocketError error, TimeSpan backoff);

    [LoggerMessage(EventId = 16711, Level = LogLevel.Information, Message = "{Listener}: accepting connections again")]
    public static partial void AcceptRecovered(this ILogger logger, string listener);

    [LoggerMessage(EventId = 16712, Level = LogLevel.Debug, Message = "{Listener}: a connection was lost in the accept backlog ({Error})")]
    public static partial void AcceptedConnectionLost(this ILogger logger, string listener, SocketError error);
}
