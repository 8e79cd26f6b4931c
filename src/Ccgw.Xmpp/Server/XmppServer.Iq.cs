using System.Globalization;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Streams;

namespace Ccgw.Xmpp.Server;

/// <summary>iq handled by the server itself (RFC 6120 §8.2.3; RFC 6121 §2; XEP-0030, XEP-0199, XEP-0092) and XEP-0198 nonzas.</summary>
public sealed partial class XmppServer
{
    private static readonly string[] ServerFeatures =
    [
        "http://jabber.org/protocol/disco#info",
        "http://jabber.org/protocol/disco#items",
        "jabber:iq:roster",
        "jabber:iq:version",
        "urn:xmpp:ping",
        "urn:xmpp:sm:3",
        "urn:ietf:params:xml:ns:xmpp-session",
    ];

    /// <summary>An iq to the server or to the sender's own account (no 'to', the domain or the bare JID).</summary>
    private async ValueTask ServerIqAsync(C2sSession session, XElement iq, Jid? to, CancellationToken cancellationToken)
    {
        var type = Stanzas.Type(iq);
        if (type is "result" or "error") return; // answers to our pushes
        var payload = iq.Elements().FirstOrDefault();
        if (type is not ("get" or "set") || payload is null || iq.Elements().Count() != 1)
        {
            Reply(session, Stanzas.Error(iq, "bad-request", "modify"));
            return;
        }
        var ns = payload.Name.Namespace;
        var toAccount = to is { Local: not null };
        if (ns == RosterNs && payload.Name.LocalName == "query" && (to is null || toAccount))
        {
            await RosterIqAsync(session, iq, payload, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (ns == PingNs && type == "get")
        {
            Enqueue(session, Stanzas.Result(iq));
            return;
        }
        if (ns == XmppNamespaces.DiscoInfo && type == "get" && payload.Attribute("node") is null)
        {
            var query = new XElement(XmppNamespaces.DiscoInfo + "query");
            if (toAccount)
            {
                // XEP-0030 §3.1 on a bare account JID; identity as the scansion disco_self script expects.
                query.Add(new XElement(XmppNamespaces.DiscoInfo + "identity", new XAttribute("category", "account"), new XAttribute("type", "registered")));
                query.Add(new XElement(XmppNamespaces.DiscoInfo + "feature", new XAttribute("var", "http://jabber.org/protocol/disco#info")));
            }
            else
            {
                query.Add(new XElement(XmppNamespaces.DiscoInfo + "identity", new XAttribute("category", "server"), new XAttribute("type", "im"),
                    new XAttribute("name", _options.SoftwareName)));
                foreach (var f in ServerFeatures) query.Add(new XElement(XmppNamespaces.DiscoInfo + "feature", new XAttribute("var", f)));
            }
            Enqueue(session, Stanzas.Result(iq, query));
            return;
        }
        if (ns == DiscoItemsNs && type == "get")
        {
            Enqueue(session, Stanzas.Result(iq, new XElement(DiscoItemsNs + "query")));
            return;
        }
        if (ns == XmppNamespaces.Version && type == "get" && !toAccount)
        {
            Enqueue(session, Stanzas.Result(iq, new XElement(XmppNamespaces.Version + "query",
                new XElement(XmppNamespaces.Version + "name", _options.SoftwareName),
                new XElement(XmppNamespaces.Version + "version", _options.SoftwareVersion))));
            return;
        }
        if (ns == C2sNegotiator.SessionNs && type == "set")
        {
            Enqueue(session, Stanzas.Result(iq)); // RFC 3921 session establishment: a no-op today (RFC 6121 Appendix E)
            return;
        }
        // RFC 6120 §8.4: a namespace nobody here understands.
        Reply(session, Stanzas.Error(iq, "service-unavailable"));
    }

    /// <summary>
    /// XEP-0198 nonzas of an established session: enable (§3), r/a (§4). True when the element was one of them.
    /// The caller writes <paramref name="reply"/> when set.
    /// </summary>
    internal static bool StreamManagement(C2sSession session, XElement element, out string? reply, out bool fatal)
    {
        reply = null;
        fatal = false;
        if (element.Name.Namespace != C2sNegotiator.SmNs) return false;
        switch (element.Name.LocalName)
        {
            case "enable" when !session.SmEnabled:
                var resume = (string?)element.Attribute("resume") is "true" or "1" && session.ResumeSeconds > 0;
                session.EnableStreamManagement(resume);
                reply = resume
                    ? $"<enabled xmlns='urn:xmpp:sm:3' id='{session.SmId}' resume='true' max='{(int)session.ResumeSeconds}'/>"
                    : "<enabled xmlns='urn:xmpp:sm:3'/>";
                return true;
            case "enable":
                reply = "<failed xmlns='urn:xmpp:sm:3'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>";
                return true;
            case "r" when session.SmEnabled:
                reply = $"<a xmlns='urn:xmpp:sm:3' h='{session.InboundCount.ToString(CultureInfo.InvariantCulture)}'/>";
                return true;
            case "a" when session.SmEnabled:
                if (!uint.TryParse((string?)element.Attribute("h"), NumberStyles.None, CultureInfo.InvariantCulture, out var h) || !session.Acknowledge(h))
                {
                    reply = XmppServer.StreamErrorText("undefined-condition", "acknowledged more stanzas than were sent (XEP-0198 §4)");
                    fatal = true;
                }
                return true;
            default:
                return true; // other sm elements (or r/a before enable) are ignored
        }
    }
}
