namespace Ccgw.Sip.Message;

/// <summary>
/// A SIP message (RFC 3261 §7). Headers the stack acts on are typed properties; every other header is in
/// <see cref="Headers"/> in received order. Content-Length is not stored: the serializer derives it from
/// <see cref="Body"/>.
/// </summary>
public abstract class SipMessage
{
    public string Version { get; set; } = "SIP/2.0";

    /// <summary>Via values, topmost first (§20.42).</summary>
    public List<SipVia> Via { get; } = [];

    public SipNameAddress? From { get; set; }

    public SipNameAddress? To { get; set; }

    public string? CallId { get; set; }

    public SipCSeq? CSeq { get; set; }

    public int? MaxForwards { get; set; }

    public List<SipNameAddress> Contact { get; } = [];

    /// <summary>"Contact: *" (REGISTER remove-all, §10.2.2).</summary>
    public bool ContactWildcard { get; set; }

    public List<SipNameAddress> Route { get; } = [];

    public List<SipNameAddress> RecordRoute { get; } = [];

    public uint? Expires { get; set; }

    public string? ContentType { get; set; }

    /// <summary>The Content-Length the peer declared (null when absent); informational.</summary>
    public int? DeclaredContentLength { get; set; }

    public SipHeaderCollection Headers { get; } = new();

    public ReadOnlyMemory<byte> Body { get; set; }

    public SipVia? TopVia => Via.Count > 0 ? Via[0] : null;

    public abstract bool IsRequest { get; }
}

public sealed class SipRequest(string method, SipUri requestUri) : SipMessage
{
    public string Method { get; set; } = method;

    public SipUri RequestUri { get; set; } = requestUri;

    public override bool IsRequest => true;

    public override string ToString() => string.Concat(Method, " ", RequestUri.ToString(), " ", Version);
}

public sealed class SipResponse(int statusCode, string reasonPhrase) : SipMessage
{
    public int StatusCode { get; set; } = statusCode;

    public string ReasonPhrase { get; set; } = reasonPhrase;

    public override bool IsRequest => false;

    public bool IsProvisional => StatusCode < 200;

    public override string ToString() => string.Concat(Version, " ", StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), " ", ReasonPhrase);
}

public static class SipMethods
{
    public const string Invite = "INVITE";
    public const string Ack = "ACK";
    public const string Bye = "BYE";
    public const string Cancel = "CANCEL";
    public const string Options = "OPTIONS";
    public const string Register = "REGISTER";
    public const string Info = "INFO";
    public const string Prack = "PRACK";
    public const string Update = "UPDATE";
    public const string Subscribe = "SUBSCRIBE";
    public const string Notify = "NOTIFY";
    public const string Message = "MESSAGE";
    public const string Refer = "REFER";
    public const string Publish = "PUBLISH";
}
