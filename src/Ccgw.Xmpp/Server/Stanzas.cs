using System.Xml.Linq;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Server;

/// <summary>Small helpers over jabber:client stanzas (RFC 6120 §8).</summary>
internal static class Stanzas
{
    public static readonly XName Message = XmppNamespaces.Client + "message";
    public static readonly XName Presence = XmppNamespaces.Client + "presence";
    public static readonly XName Iq = XmppNamespaces.Client + "iq";

    public static bool IsStanza(XElement e) => e.Name == Message || e.Name == Presence || e.Name == Iq;

    public static string? Type(XElement e) => (string?)e.Attribute("type");

    public static Jid? To(XElement e) => Jid.TryParse((string?)e.Attribute("to"), out var j) ? j : null;

    public static Jid? From(XElement e) => Jid.TryParse((string?)e.Attribute("from"), out var j) ? j : null;

    /// <summary>
    /// The error reply to <paramref name="stanza"/> (§8.3): to and from swapped, type error, the original children kept
    /// for messages and presence (§8.3.1 allows it), none for iq. Null when the stanza is itself an error or an iq
    /// result (never answer those, §8.3.1).
    /// </summary>
    public static XElement? Error(XElement stanza, string condition, string type = "cancel", string? text = null)
    {
        var stanzaType = Type(stanza);
        if (stanzaType == "error" || (stanza.Name == Iq && stanzaType == "result")) return null;
        var reply = new XElement(stanza.Name, new XAttribute("type", "error"));
        if ((string?)stanza.Attribute("from") is { } from) reply.SetAttributeValue("to", from);
        if ((string?)stanza.Attribute("to") is { } to) reply.SetAttributeValue("from", to);
        if ((string?)stanza.Attribute("id") is { } id) reply.SetAttributeValue("id", id);
        if (stanza.Name != Iq) reply.Add(stanza.Elements());
        var error = new XElement(XmppNamespaces.Client + "error", new XAttribute("type", type),
            new XElement(XmppNamespaces.Stanzas + condition));
        if (text is not null) error.Add(new XElement(XmppNamespaces.Stanzas + "text", text));
        reply.Add(error);
        return reply;
    }

    /// <summary>An iq result (§8.2.3) to <paramref name="request"/> with optional payload.</summary>
    public static XElement Result(XElement request, XElement? payload = null)
    {
        var reply = new XElement(Iq, new XAttribute("type", "result"));
        if ((string?)request.Attribute("id") is { } id) reply.SetAttributeValue("id", id);
        if ((string?)request.Attribute("from") is { } from) reply.SetAttributeValue("to", from);
        if ((string?)request.Attribute("to") is { } to) reply.SetAttributeValue("from", to);
        if (payload is not null) reply.Add(payload);
        return reply;
    }

    /// <summary>A copy addressed to <paramref name="to"/> (the original may be queued for several sessions).</summary>
    public static XElement CopyTo(XElement stanza, Jid to)
    {
        var copy = new XElement(stanza);
        copy.SetAttributeValue("to", to.ToString());
        return copy;
    }
}
