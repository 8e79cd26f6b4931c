using System.Text;

namespace Ccgw.Sip.Message;

/// <summary>Headers the model types (stored in typed properties rather than the generic list).</summary>
internal enum TypedHeader
{
    None,
    Via,
    From,
    To,
    CallId,
    CSeq,
    MaxForwards,
    Contact,
    Route,
    RecordRoute,
    ContentLength,
    ContentType,
    Expires,
}

/// <summary>Canonical long names and the compact forms of RFC 3261 §7.3.3 and later RFCs.</summary>
public static class SipHeaderNames
{
    public const string Via = "Via";
    public const string From = "From";
    public const string To = "To";
    public const string CallId = "Call-ID";
    public const string CSeq = "CSeq";
    public const string MaxForwards = "Max-Forwards";
    public const string Contact = "Contact";
    public const string Route = "Route";
    public const string RecordRoute = "Record-Route";
    public const string ContentLength = "Content-Length";
    public const string ContentType = "Content-Type";
    public const string Expires = "Expires";
    public const string Allow = "Allow";
    public const string Accept = "Accept";
    public const string Supported = "Supported";
    public const string Require = "Require";
    public const string ProxyRequire = "Proxy-Require";
    public const string Unsupported = "Unsupported";
    public const string Warning = "Warning";
    public const string Authorization = "Authorization";
    public const string ProxyAuthorization = "Proxy-Authorization";
    public const string WwwAuthenticate = "WWW-Authenticate";
    public const string ProxyAuthenticate = "Proxy-Authenticate";
    public const string MinExpires = "Min-Expires";
    public const string Date = "Date";
    public const string UserAgent = "User-Agent";
    public const string Server = "Server";
    public const string Subject = "Subject";

    private static readonly (byte[] Name, string Canonical, TypedHeader Typed)[] Known =
    [
        ("via"u8.ToArray(), Via, TypedHeader.Via), ("v"u8.ToArray(), Via, TypedHeader.Via),
        ("from"u8.ToArray(), From, TypedHeader.From), ("f"u8.ToArray(), From, TypedHeader.From),
        ("to"u8.ToArray(), To, TypedHeader.To), ("t"u8.ToArray(), To, TypedHeader.To),
        ("call-id"u8.ToArray(), CallId, TypedHeader.CallId), ("i"u8.ToArray(), CallId, TypedHeader.CallId),
        ("cseq"u8.ToArray(), CSeq, TypedHeader.CSeq),
        ("max-forwards"u8.ToArray(), MaxForwards, TypedHeader.MaxForwards),
        ("contact"u8.ToArray(), Contact, TypedHeader.Contact), ("m"u8.ToArray(), Contact, TypedHeader.Contact),
        ("route"u8.ToArray(), Route, TypedHeader.Route),
        ("record-route"u8.ToArray(), RecordRoute, TypedHeader.RecordRoute),
        ("content-length"u8.ToArray(), ContentLength, TypedHeader.ContentLength), ("l"u8.ToArray(), ContentLength, TypedHeader.ContentLength),
        ("content-type"u8.ToArray(), ContentType, TypedHeader.ContentType), ("c"u8.ToArray(), ContentType, TypedHeader.ContentType),
        ("expires"u8.ToArray(), Expires, TypedHeader.Expires),
        ("subject"u8.ToArray(), Subject, TypedHeader.None), ("s"u8.ToArray(), Subject, TypedHeader.None),
        ("supported"u8.ToArray(), Supported, TypedHeader.None), ("k"u8.ToArray(), Supported, TypedHeader.None),
        ("content-encoding"u8.ToArray(), "Content-Encoding", TypedHeader.None), ("e"u8.ToArray(), "Content-Encoding", TypedHeader.None),
        ("event"u8.ToArray(), "Event", TypedHeader.None), ("o"u8.ToArray(), "Event", TypedHeader.None),
        ("refer-to"u8.ToArray(), "Refer-To", TypedHeader.None), ("r"u8.ToArray(), "Refer-To", TypedHeader.None),
        ("allow-events"u8.ToArray(), "Allow-Events", TypedHeader.None), ("u"u8.ToArray(), "Allow-Events", TypedHeader.None),
        ("session-expires"u8.ToArray(), "Session-Expires", TypedHeader.None), ("x"u8.ToArray(), "Session-Expires", TypedHeader.None),
        ("referred-by"u8.ToArray(), "Referred-By", TypedHeader.None), ("b"u8.ToArray(), "Referred-By", TypedHeader.None),
        ("accept-contact"u8.ToArray(), "Accept-Contact", TypedHeader.None), ("a"u8.ToArray(), "Accept-Contact", TypedHeader.None),
        ("reject-contact"u8.ToArray(), "Reject-Contact", TypedHeader.None), ("j"u8.ToArray(), "Reject-Contact", TypedHeader.None),
        ("request-disposition"u8.ToArray(), "Request-Disposition", TypedHeader.None), ("d"u8.ToArray(), "Request-Disposition", TypedHeader.None),
        ("identity"u8.ToArray(), "Identity", TypedHeader.None), ("y"u8.ToArray(), "Identity", TypedHeader.None),
        ("allow"u8.ToArray(), Allow, TypedHeader.None),
        ("accept"u8.ToArray(), Accept, TypedHeader.None),
        ("require"u8.ToArray(), Require, TypedHeader.None),
        ("proxy-require"u8.ToArray(), ProxyRequire, TypedHeader.None),
        ("authorization"u8.ToArray(), Authorization, TypedHeader.None),
        ("proxy-authorization"u8.ToArray(), ProxyAuthorization, TypedHeader.None),
        ("www-authenticate"u8.ToArray(), WwwAuthenticate, TypedHeader.None),
        ("proxy-authenticate"u8.ToArray(), ProxyAuthenticate, TypedHeader.None),
        ("min-expires"u8.ToArray(), MinExpires, TypedHeader.None),
        ("date"u8.ToArray(), Date, TypedHeader.None),
        ("warning"u8.ToArray(), Warning, TypedHeader.None),
        ("user-agent"u8.ToArray(), UserAgent, TypedHeader.None),
        ("unsupported"u8.ToArray(), Unsupported, TypedHeader.None),
    ];

    /// <summary>Resolves a header name (any case, compact or long) without allocating for known names.</summary>
    internal static string? Lookup(ReadOnlySpan<byte> name, out TypedHeader typed)
    {
        foreach (var (n, canonical, t) in Known)
        {
            if (n.Length == name.Length && Ascii.EqualsIgnoreCase(n, name))
            {
                typed = t;
                return canonical;
            }
        }
        typed = TypedHeader.None;
        return null;
    }

    /// <summary>Canonical long form of <paramref name="name"/> (the name itself when unknown).</summary>
    public static string Canonicalize(string name)
    {
        Span<byte> buf = stackalloc byte[64];
        if (name.Length > buf.Length || !Ascii.IsValid(name)) return name;
        var n = Encoding.ASCII.GetBytes(name, buf);
        return Lookup(buf[..n], out _) ?? name;
    }

    internal static TypedHeader TypedOf(string name)
    {
        Span<byte> buf = stackalloc byte[64];
        if (name.Length > buf.Length || !Ascii.IsValid(name)) return TypedHeader.None;
        var n = Encoding.ASCII.GetBytes(name, buf);
        Lookup(buf[..n], out var t);
        return t;
    }
}
