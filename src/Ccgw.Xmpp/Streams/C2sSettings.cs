using Ccgw.Xmpp.Xml;

namespace Ccgw.Xmpp.Streams;

/// <summary>How a client-to-server stream is negotiated and policed.</summary>
public sealed record C2sSettings
{
    /// <summary>The domain this server is (RFC 6120 §4.7.2 'from' of the response header; the header's 'to' must match).</summary>
    public required string Domain { get; init; }

    /// <summary>STARTTLS is offered when the server has a certificate; when required, nothing else is offered before it (RFC 6120 §5.3.1).</summary>
    public bool TlsAvailable { get; init; } = true;

    public bool RequireTls { get; init; } = true;

    /// <summary>SASL ANONYMOUS for guests (after TLS).</summary>
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>From the first byte to a bound resource (or resumed session).</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A started stanza (or header) must be complete within this; a client trickling bytes is cut off.</summary>
    public TimeSpan StanzaTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>No byte at all (not even a whitespace keepalive) for this long closes the stream.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed SASL attempts allowed on one stream before it is closed.</summary>
    public int MaxAuthFailuresPerStream { get; init; } = 3;

    public XmlStreamLimits Limits { get; init; } = XmlStreamLimits.Default;
}
