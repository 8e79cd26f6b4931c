using System.Security.Cryptography.X509Certificates;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Sasl;
using Ccgw.Xmpp.Streams;

namespace Ccgw.Xmpp.Server;

/// <summary>The c2s server's settings (the daemon maps its Xmpp options onto these).</summary>
public sealed record XmppServerOptions
{
    public required C2sSettings Stream { get; init; }

    /// <summary>Offered with STARTTLS; without one STARTTLS is not offered and, when required, nobody can log in.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>How long a session with XEP-0198 resumption enabled waits for its client after the link dropped.</summary>
    public TimeSpan ResumeTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>XEP-0092 answer of the server.</summary>
    public string SoftwareName { get; init; } = "ccgw";

    public string SoftwareVersion { get; init; } = "0";

    /// <summary>Roster items a registered account (agent, supervisor, customer) may hold; more are refused with resource-constraint.</summary>
    public int MaxRosterItems { get; init; } = 1000;

    /// <summary>
    /// Roster items an anonymous guest may hold. Guests only talk to service addresses, so a handful is plenty; their
    /// roster is dropped when their last resource ends (a guest's address is never reused).
    /// </summary>
    public int GuestMaxRosterItems { get; init; } = 10;

    /// <summary>
    /// Addresses one session may send directed presence to (RFC 6121 §4.6) and have remembered; beyond it directed
    /// presence is refused with resource-constraint. Staff's service addresses (conversations) are always remembered:
    /// the IM gateway needs their unavailable.
    /// </summary>
    public int MaxDirectedPresence { get; init; } = 100;

    /// <summary>
    /// XEP-0198 stanzas written to a client and not yet acknowledged; a client that lets more pile up is ended with
    /// the stream error resource-constraint (as Prosody's smacks_max_queue_size).
    /// </summary>
    public int MaxUnackedStanzas { get; init; } = 500;

    /// <summary>Agents and supervisors: each gets the others in the roster with mutual subscriptions.</summary>
    public IReadOnlyList<(string User, string Name, string Group)> Team { get; init; } = [];
}

/// <summary>
/// Told when an account's presence across all its resources changes (RFC 6121 §4): the best available show of its
/// resources, or <see cref="XmppPresenceShow.Unavailable"/> when its last resource went offline or unavailable.
/// </summary>
public interface IXmppPresenceObserver
{
    ValueTask OnPresenceChangedAsync(XmppAccount account, Jid bare, XmppPresenceShow show, CancellationToken cancellationToken);
}

/// <summary>RFC 6121 §4.7.2.1 show values, plus plain available and unavailable.</summary>
public enum XmppPresenceShow
{
    Unavailable,
    Available,
    Chat,
    Away,
    ExtendedAway,
    DoNotDisturb,
}
