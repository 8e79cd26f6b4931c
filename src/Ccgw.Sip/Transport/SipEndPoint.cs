using System.Net;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Transport;

public enum SipTransportKind
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>A peer address together with the transport used to reach it.</summary>
public readonly record struct SipEndPoint(SipTransportKind Transport, IPEndPoint Address)
{
    /// <summary>Stream transports deliver reliably, which switches most §17 retransmission timers off.</summary>
    public bool IsReliable => Transport != SipTransportKind.Udp;

    public string ViaTransport => Transport switch
    {
        SipTransportKind.Udp => "UDP",
        SipTransportKind.Tcp => "TCP",
        _ => "TLS",
    };

    public override string ToString() => string.Concat(ViaTransport, ":", Address.ToString());
}

/// <summary>
/// Hands a message to the transport layer. Implementations return at once (a datagram after one non-blocking
/// sendto, a stream message after queueing), so state machines can send while holding their own lock without
/// awaiting I/O.
/// </summary>
public interface ISipSender
{
    void Send(SipMessage message, SipEndPoint destination);

    /// <summary>
    /// Like <see cref="Send"/>, but a datagram is handed to the kernel before this returns (a stream message is queued
    /// as usual). For the few sends whose durable record says "sent": a call-back's INVITE follows its committed
    /// <c>dialling</c> mark, and the queue's thread-pool hop would widen the window in which a crash leaves a call-back
    /// marked but never dialled.
    /// </summary>
    void SendBeforeReturning(SipMessage message, SipEndPoint destination) => Send(message, destination);
}
