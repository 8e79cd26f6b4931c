using System.Xml.Linq;

namespace Ccgw.Xmpp.Routing;

/// <summary>
/// Delivers a stanza (<c>message</c>, <c>presence</c>, <c>iq</c> in the <c>jabber:client</c> namespace) to its
/// <c>to</c> address: the built-in c2s router or, in component mode (XEP-0114), the connection to the site's server.
/// The stanza's <c>from</c> must already be set by the caller.
/// </summary>
public interface IStanzaOutlet
{
    ValueTask SendAsync(XElement stanza, CancellationToken cancellationToken = default);
}

/// <summary>
/// Handles stanzas addressed to the gateway's own addresses (queue addresses such as <c>sales@domain</c>, the general
/// <c>support@domain</c>, per-conversation addresses). The router asks <see cref="Handles"/> for every stanza whose
/// <c>to</c> is not a connected user and hands those to <see cref="HandleAsync"/> with a verified <c>from</c>.
/// </summary>
public interface IStanzaService
{
    bool Handles(Jid to);

    ValueTask HandleAsync(XElement stanza, CancellationToken cancellationToken = default);
}

/// <summary>XML namespaces used across the XMPP project.</summary>
public static class XmppNamespaces
{
    public static readonly XNamespace Client = "jabber:client";
    public static readonly XNamespace Component = "jabber:component:accept";
    public static readonly XNamespace Streams = "http://etherx.jabber.org/streams";
    public static readonly XNamespace StreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
    public static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public static readonly XNamespace ChatStates = "http://jabber.org/protocol/chatstates";
    public static readonly XNamespace DiscoInfo = "http://jabber.org/protocol/disco#info";
    public static readonly XNamespace Version = "jabber:iq:version";
    public static readonly XNamespace DataForms = "jabber:x:data";
}
