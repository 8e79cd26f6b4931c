namespace Ccgw.Xmpp.Xml;

/// <summary>
/// The peer sent something an XMPP stream must not carry. <see cref="Condition"/> is the RFC 6120 §4.9.3 stream
/// error condition to answer with before closing (for example <c>not-well-formed</c>, <c>restricted-xml</c>,
/// <c>policy-violation</c>); this is the only exception <see cref="XmlStreamParser"/> throws for input.
/// </summary>
internal sealed class XmlStreamException : Exception
{
    public XmlStreamException(string condition, string message) : base(message) => Condition = condition;

    public XmlStreamException()
    {
        Condition = StreamErrorConditions.NotWellFormed;
    }

    public XmlStreamException(string message) : this(StreamErrorConditions.NotWellFormed, message)
    {
    }

    public XmlStreamException(string message, Exception innerException) : base(message, innerException)
    {
        Condition = StreamErrorConditions.NotWellFormed;
    }

    public string Condition { get; }
}

/// <summary>Stream error conditions of RFC 6120 §4.9.3 (the element names in <c>urn:ietf:params:xml:ns:xmpp-streams</c>).</summary>
internal static class StreamErrorConditions
{
    public const string BadFormat = "bad-format";
    public const string ConnectionTimeout = "connection-timeout";
    public const string Conflict = "conflict";
    public const string HostUnknown = "host-unknown";
    public const string InternalServerError = "internal-server-error";
    public const string InvalidNamespace = "invalid-namespace";
    public const string NotAuthorized = "not-authorized";
    public const string NotWellFormed = "not-well-formed";
    public const string PolicyViolation = "policy-violation";
    public const string ResourceConstraint = "resource-constraint";
    public const string RestrictedXml = "restricted-xml";
    public const string SystemShutdown = "system-shutdown";
    public const string UnsupportedEncoding = "unsupported-encoding";
    public const string UnsupportedStanzaType = "unsupported-stanza-type";
    public const string UnsupportedVersion = "unsupported-version";
}
