using System.Net;
using System.Security.Cryptography.X509Certificates;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Transport;

/// <summary>Where and how the stack listens. A null endpoint disables that transport.</summary>
public sealed record SipTransportOptions
{
    public IPEndPoint? Udp { get; init; } = new(IPAddress.Loopback, 5060);

    public IPEndPoint? Tcp { get; init; } = new(IPAddress.Loopback, 5060);

    /// <summary>TLS listener (RFC 3261 §26.2); needs <see cref="TlsCertificate"/>.</summary>
    public IPEndPoint? Tls { get; init; }

    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>Asked at every TLS handshake when set (a certificate replaced at run time serves the next connection); else <see cref="TlsCertificate"/>.</summary>
    public Func<X509Certificate2>? TlsCertificateSelector { get; init; }

    public SipParserOptions Parser { get; init; } = SipParserOptions.Default;

    public int MaxStreamConnections { get; init; } = 1024;

    /// <summary>
    /// Asked for every accepted TCP/TLS connection before its handshake or first byte: returns a lease to dispose when
    /// the connection ends, or null to close it at once (the host's per-address and total caps). Null: admit all.
    /// </summary>
    public Func<SipTransportKind, IPAddress, IDisposable?>? AdmitConnection { get; init; }

    /// <summary>How long accepting pauses when the process or system is out of descriptors (nginx's 500 ms).</summary>
    public TimeSpan AcceptBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public int UdpReceiveBufferBytes { get; init; } = 4 * 1024 * 1024;

    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan DefaultStreamErrorLinger = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a stream connection stays open for writing after a framing error (which ends its reading), so that the
    /// answers to the requests it carried before the error are still sent.
    /// </summary>
    public TimeSpan StreamErrorLinger { get; init; } = DefaultStreamErrorLinger;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A stream write that cannot complete in this time closes the connection.</summary>
    public TimeSpan StreamWriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbound messages waiting for the socket; beyond this, new ones are dropped (UDP semantics).</summary>
    public int MaxQueuedSends { get; init; } = 4096;

    /// <summary>Benchmarks only: datagrams go here instead of the UDP socket (the stack measured without the kernel).</summary>
    internal SipDatagramSink? DatagramSink { get; init; }
}
