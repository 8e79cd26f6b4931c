using System.Xml.Linq;
using Ccgw.Core;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Xmpp.Im;

/// <summary>Builds and reads the stanzas the IM gateway sends and understands (all in <c>jabber:client</c>).</summary>
internal static class ImStanzas
{
    public const string CallbackFormType = "urn:xmpp:ccgw:callback:0";
    public const string PhoneField = "phone";

    private static readonly XNamespace Client = XmppNamespaces.Client;
    private static readonly XNamespace Ping = "urn:xmpp:ping";

    /// <summary>XEP-0085 §5.1 states; anything else in the namespace is not passed on.</summary>
    private static readonly string[] ChatStateNames = ["active", "composing", "paused", "inactive", "gone"];

    public static XName Name(string local) => Client + local;

    public static Jid? From(XElement stanza) => Jid.TryParse((string?)stanza.Attribute("from"), out var j) ? j : null;

    public static Jid? To(XElement stanza) => Jid.TryParse((string?)stanza.Attribute("to"), out var j) ? j : null;

    public static string? Type(XElement stanza) => (string?)stanza.Attribute("type");

    public static string? Body(XElement message) => message.Element(Client + "body")?.Value;

    /// <summary>The XEP-0085 chat state of a message, if it carries a known one.</summary>
    public static string? ChatState(XElement message)
    {
        foreach (var child in message.Elements())
            if (child.Name.Namespace == XmppNamespaces.ChatStates && ChatStateNames.Contains(child.Name.LocalName))
                return child.Name.LocalName;
        return null;
    }

    /// <summary>
    /// A chat message with a gateway-made id, carrying only a body and/or a chat state: nothing else of the sender
    /// (thread ids, receipts, client extensions, xml:lang of the other side) crosses the gateway.
    /// </summary>
    public static XElement Message(Jid from, Jid to, string id, string? body, string? chatState = null, XElement? extra = null)
    {
        var message = new XElement(Client + "message",
            new XAttribute("from", from.ToString()), new XAttribute("to", to.ToString()),
            new XAttribute("type", "chat"), new XAttribute("id", id));
        if (body is not null) message.Add(new XElement(Client + "body", body));
        if (chatState is not null) message.Add(new XElement(XmppNamespaces.ChatStates + chatState));
        if (extra is not null) message.Add(extra);
        return message;
    }

    public static XElement Presence(Jid from, Jid to, string? type)
    {
        var presence = new XElement(Client + "presence", new XAttribute("from", from.ToString()), new XAttribute("to", to.ToString()));
        if (type is not null) presence.SetAttributeValue("type", type);
        return presence;
    }

    /// <summary>
    /// Available presence with the RFC 6121 §4.7.2.1 show (none for plain available), or unavailable. Only the show is
    /// carried: a status text or priority is the sender's own and would cross the address translation.
    /// </summary>
    public static XElement Presence(Jid from, Jid to, Server.XmppPresenceShow show)
    {
        var presence = Presence(from, to, show == Server.XmppPresenceShow.Unavailable ? "unavailable" : null);
        var value = show switch
        {
            Server.XmppPresenceShow.Chat => "chat",
            Server.XmppPresenceShow.Away => "away",
            Server.XmppPresenceShow.ExtendedAway => "xa",
            Server.XmppPresenceShow.DoNotDisturb => "dnd",
            _ => null,
        };
        if (value is not null) presence.Add(new XElement(Client + "show", value));
        return presence;
    }

    public static XElement Iq(Jid from, Jid to, string type, string id, XElement? payload = null)
    {
        var iq = new XElement(Client + "iq", new XAttribute("from", from.ToString()), new XAttribute("to", to.ToString()),
            new XAttribute("type", type), new XAttribute("id", id));
        if (payload is not null) iq.Add(payload);
        return iq;
    }

    public static XElement DiscoInfoQuery() => new(XmppNamespaces.DiscoInfo + "query");

    public static XElement VersionQuery() => new(XmppNamespaces.Version + "query");

    /// <summary>RFC 6120 §8.3: an error reply to <paramref name="request"/>, from the address it was sent to, without echoing its payload.</summary>
    public static XElement Error(XElement request, Jid from, Jid to, string type, string condition)
    {
        var reply = new XElement(request.Name, new XAttribute("from", from.ToString()), new XAttribute("to", to.ToString()),
            new XAttribute("type", "error"));
        if ((string?)request.Attribute("id") is { } id) reply.SetAttributeValue("id", id);
        reply.Add(new XElement(Client + "error", new XAttribute("type", type), new XElement(XmppNamespaces.Stanzas + condition)));
        return reply;
    }

    /// <summary>XEP-0030 answer for a gateway address: a bot that speaks chat states and XEP-0004 forms.</summary>
    public static XElement DiscoInfoResult(string name) => new(XmppNamespaces.DiscoInfo + "query",
        new XElement(XmppNamespaces.DiscoInfo + "identity", new XAttribute("category", "client"), new XAttribute("type", "bot"), new XAttribute("name", name)),
        Feature(XmppNamespaces.DiscoInfo.NamespaceName),
        Feature(XmppNamespaces.Version.NamespaceName),
        Feature(XmppNamespaces.ChatStates.NamespaceName),
        Feature(XmppNamespaces.DataForms.NamespaceName),
        Feature(Ping.NamespaceName));

    public static XElement VersionResult(string version) => new(XmppNamespaces.Version + "query",
        new XElement(XmppNamespaces.Version + "name", "ccgw"), new XElement(XmppNamespaces.Version + "version", version));

    /// <summary>
    /// RFC 6120 §8.3.3 conditions of an error reply that mean the addressee no longer exists or is not reachable
    /// (item-not-found, recipient-unavailable, service-unavailable, remote-server-not-found, gone).
    /// </summary>
    public static bool IsGoneError(XElement stanza) =>
        stanza.Element(Client + "error")?.Elements().Any(e => e.Name.Namespace == XmppNamespaces.Stanzas
            && e.Name.LocalName is "item-not-found" or "recipient-unavailable" or "service-unavailable" or "remote-server-not-found" or "gone") == true;

    public static bool IsPing(XElement iq) => iq.Element(Ping + "ping") is not null;

    public static bool IsDiscoInfo(XElement iq) => iq.Element(XmppNamespaces.DiscoInfo + "query") is not null;

    public static bool IsVersion(XElement iq) => iq.Element(XmppNamespaces.Version + "query") is not null;

    /// <summary>XEP-0092 §3 result → capabilities (<c>software:NAME VERSION</c>, <c>os:OS</c>), bounded.</summary>
    public static IEnumerable<string> VersionCapabilities(XElement iq)
    {
        var query = iq.Element(XmppNamespaces.Version + "query");
        if (query is null) yield break;
        var name = Clip(query.Element(XmppNamespaces.Version + "name")?.Value);
        var version = Clip(query.Element(XmppNamespaces.Version + "version")?.Value);
        var os = Clip(query.Element(XmppNamespaces.Version + "os")?.Value);
        if (name is not null) yield return version is null ? $"software:{name}" : $"software:{name} {version}";
        if (os is not null) yield return $"os:{os}";
    }

    /// <summary>XEP-0092 §3 result → the client software (name required by the XEP; version and OS optional), bounded.</summary>
    public static ClientSoftware? VersionSoftware(XElement iq)
    {
        var query = iq.Element(XmppNamespaces.Version + "query");
        if (Clip(query?.Element(XmppNamespaces.Version + "name")?.Value) is not { } name) return null;
        return new ClientSoftware(name, Clip(query!.Element(XmppNamespaces.Version + "version")?.Value),
            Clip(query.Element(XmppNamespaces.Version + "os")?.Value));
    }

    /// <summary>XEP-0030 §3.1 result → the features the client announces (at most <paramref name="max"/>).</summary>
    public static IEnumerable<string> DiscoFeatures(XElement iq, int max = 100)
    {
        var query = iq.Element(XmppNamespaces.DiscoInfo + "query");
        if (query is null) return [];
        return query.Elements(XmppNamespaces.DiscoInfo + "feature")
            .Select(f => Clip((string?)f.Attribute("var")))
            .OfType<string>()
            .Take(max);
    }

    /// <summary>XEP-0004 §3.1 form asking for a phone number (pre-filled when the customer record has one).</summary>
    public static XElement CallbackForm(string instructions, string? knownPhone, string title, string fieldLabel)
    {
        var x = XmppNamespaces.DataForms;
        var phone = new XElement(x + "field", new XAttribute("var", PhoneField), new XAttribute("type", "text-single"),
            new XAttribute("label", fieldLabel), new XElement(x + "required"));
        if (knownPhone is not null) phone.Add(new XElement(x + "value", knownPhone));
        return new XElement(x + "x", new XAttribute("type", "form"),
            new XElement(x + "title", title),
            new XElement(x + "instructions", instructions),
            new XElement(x + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(x + "value", CallbackFormType)),
            phone);
    }

    /// <summary>
    /// A submitted (or cancelled, XEP-0004 §3.1 type <c>cancel</c>) call-back form in a message: null when the message
    /// carries none; otherwise whether it was cancelled and the phone value.
    /// </summary>
    public static (bool Cancelled, string? Phone)? CallbackFormAnswer(XElement message)
    {
        var x = message.Element(XmppNamespaces.DataForms + "x");
        if (x is null) return null;
        var type = (string?)x.Attribute("type");
        if (type == "cancel") return (true, null);
        if (type != "submit") return null;
        string? Field(string var) => x.Elements(XmppNamespaces.DataForms + "field")
            .FirstOrDefault(f => (string?)f.Attribute("var") == var)?.Element(XmppNamespaces.DataForms + "value")?.Value;
        var formType = Field("FORM_TYPE");
        if (formType is not null && formType != CallbackFormType) return null;
        return (false, Clip(Field(PhoneField)));
    }

    private static XElement Feature(string var) => new(XmppNamespaces.DiscoInfo + "feature", new XAttribute("var", var));

    private static string? Clip(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        return text.Length > 200 ? text[..200] : text;
    }
}

/// <summary>Phone numbers as customers type them → E.164.</summary>
internal static class PhoneNumbers
{
    /// <summary>
    /// "+49 30 123-456" → "+4930123456". Spaces, dashes, dots, slashes and parentheses are dropped; the result must be
    /// '+', a non-zero digit, then 6 to 14 more digits (ITU-T E.164: at most 15 digits). Null otherwise.
    /// </summary>
    public static string? ToE164(string? text)
    {
        if (text is null || text.Length > 40) return null;
        Span<char> digits = stackalloc char[16];
        var n = 0;
        var seenPlus = false;
        foreach (var c in text.AsSpan().Trim())
        {
            if (c is ' ' or '-' or '.' or '/' or '(' or ')' or '\u00a0') continue;
            if (c == '+' && !seenPlus && n == 0)
            {
                seenPlus = true;
                continue;
            }
            if (!char.IsAsciiDigit(c) || n == digits.Length) return null;
            digits[n++] = c;
        }
        if (!seenPlus || n < 7 || n > 15 || digits[0] == '0') return null;
        return string.Concat("+", digits[..n]);
    }
}
