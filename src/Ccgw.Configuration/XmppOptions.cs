namespace Ccgw.Configuration;

/// <summary>
/// The built-in XMPP server (c2s on Listeners:Xmpp): security, guests, limits and timeouts, and whether agents'
/// XMPP presence drives their routing state. The certificate is Listeners:Xmpp:Certificate (self-signed into the data
/// directory when empty).
/// </summary>
public sealed class XmppOptions
{
    /// <summary>STARTTLS before authentication (RFC 6120 §5.3.1). Turn off only on a trusted test network.</summary>
    public bool RequireTls { get; set; } = true;

    /// <summary>Guests may log in with SASL ANONYMOUS (after TLS) and get a random address on the domain.</summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>An agent's presence sets its state: available/chat = ready, away/xa/dnd = notReady, offline = device lost.</summary>
    public bool PresenceDrivesAgentState { get; set; } = true;

    /// <summary>Largest stanza a client may send; larger ones close the stream with policy-violation.</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;

    public int MaxDepth { get; set; } = 32;

    public int MaxAttributes { get; set; } = 64;

    /// <summary>From connecting to a bound resource.</summary>
    public int NegotiationTimeoutSeconds { get; set; } = 60;

    /// <summary>A stanza that has started must be complete within this (a client trickling bytes is cut off).</summary>
    public int StanzaTimeoutSeconds { get; set; } = 30;

    /// <summary>Silence (not even a whitespace keepalive) after which a stream is closed.</summary>
    public int IdleTimeoutSeconds { get; set; } = 900;

    /// <summary>Roster items a registered account may hold (RFC 6121 §2); more are refused with resource-constraint.</summary>
    public int MaxRosterItems { get; set; } = 1000;

    /// <summary>Roster items an anonymous guest may hold; guests only talk to service addresses, and their roster ends with them.</summary>
    public int GuestMaxRosterItems { get; set; } = 10;

    /// <summary>Addresses one session may send directed presence to (RFC 6121 §4.6); more are refused with resource-constraint.</summary>
    public int MaxDirectedPresence { get; set; } = 100;

    /// <summary>XEP-0198 stanzas a client may leave unacknowledged before its stream ends with resource-constraint.</summary>
    public int MaxUnackedStanzas { get; set; } = 500;

    /// <summary>How long a session with XEP-0198 resumption waits for its client after the link dropped.</summary>
    public int ResumeTimeoutSeconds { get; set; } = 300;
}
