using System.Buffers;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Xml;

namespace Ccgw.Xmpp.WebSocket;

/// <summary>What became of one complete WebSocket message from the client.</summary>
internal enum InboundFrame
{
    /// <summary>Translated into bytes of the c2s stream (a header, a stanza or nonza, whitespace).</summary>
    Forwarded,

    /// <summary>&lt;close/&gt; (RFC 7395 §3.6): forwarded as &lt;/stream:stream&gt;; nothing may follow.</summary>
    Closed,

    /// <summary>Not one complete, acceptable element: the stream ends with <see cref="Rfc7395Inbound.ErrorCondition"/>.</summary>
    Refused,
}

/// <summary>
/// Client to server, RFC 7395 §3.3: each WebSocket text message holds exactly one complete XML element, &lt;open/&gt;
/// and &lt;close/&gt; in <c>urn:ietf:params:xml:ns:xmpp-framing</c> stand for the stream header and its end. This turns
/// messages (which may arrive in any number of WebSocket fragments) back into the bytes of an ordinary c2s stream, so the
/// server's negotiator, parser and session code serve WebSocket and TCP clients alike. Each message is checked with the
/// stream's own restricted-XML parser and limits (one element, at most <see cref="XmlStreamLimits.MaxStanzaBytes"/>
/// bytes) before a byte of it reaches the server, so a fragment cannot leave the server waiting on half a stanza.
/// Not thread-safe: one per connection.
/// </summary>
internal sealed class Rfc7395Inbound
{
    public static readonly XNamespace FramingNs = "urn:ietf:params:xml:ns:xmpp-framing";

    // A stream header that declares what a c2s stream does, so that each message parses as a top-level element of it.
    private static ReadOnlySpan<byte> Primer => "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"u8;

    private readonly XmlStreamLimits _limits;
    private readonly ArrayBufferWriter<byte> _message = new(1024);
    private bool _tooLarge;
    private bool _closed;

    public Rfc7395Inbound(XmlStreamLimits limits) => _limits = limits;

    /// <summary>The RFC 6120 §4.9.3 condition a refused message ends the stream with.</summary>
    public string ErrorCondition { get; private set; } = StreamErrorConditions.NotWellFormed;

    public string ErrorText { get; private set; } = "";

    /// <summary>The refused message was over the size limit (the WebSocket closes with 1009).</summary>
    public bool TooLarge => _tooLarge;

    /// <summary>
    /// A fragment of the current message. False once the message is over the limit; the caller stops reading and
    /// completes the message (its bytes past the limit are never kept).
    /// </summary>
    public bool Append(ReadOnlySpan<byte> fragment)
    {
        if (_tooLarge) return false;
        if (_message.WrittenCount + fragment.Length > _limits.MaxStanzaBytes)
        {
            _tooLarge = true;
            _message.Clear();
            return false;
        }
        _message.Write(fragment);
        return true;
    }

    /// <summary>The message is complete: its translation is appended to <paramref name="toServer"/>.</summary>
    public InboundFrame Complete(IBufferWriter<byte> toServer)
    {
        ArgumentNullException.ThrowIfNull(toServer);
        try
        {
            if (_closed) return Refuse(StreamErrorConditions.NotWellFormed, "a message after <close/> (RFC 7395 §3.6)");
            if (_tooLarge) return Refuse(StreamErrorConditions.PolicyViolation, $"a message over {_limits.MaxStanzaBytes} bytes");
            var bytes = _message.WrittenSpan;
            if (bytes.IndexOfAnyExcept(" \t\r\n"u8) < 0)
            {
                // Whitespace keeps the stream alive as it does on TCP (RFC 6120 §4.6.1); the server notes the input.
                if (!bytes.IsEmpty) toServer.Write(" "u8);
                return InboundFrame.Forwarded;
            }
            var element = ParseOne(bytes);
            if (element is null) return InboundFrame.Refused;
            if (element.Name == FramingNs + "open")
            {
                WriteHeader(toServer, element);
                return InboundFrame.Forwarded;
            }
            if (element.Name == FramingNs + "close")
            {
                _closed = true;
                toServer.Write("</stream:stream>"u8);
                return InboundFrame.Closed;
            }
            // Already checked: the very bytes go on, and the server's parser reads them as it reads TCP.
            toServer.Write(bytes);
            return InboundFrame.Forwarded;
        }
        finally
        {
            // A refused message ends the connection, so TooLarge stays as it was for the caller's close code.
            _message.Clear();
        }
    }

    private XElement? ParseOne(ReadOnlySpan<byte> bytes)
    {
        // A parser per message: the header it was primed with is the only state it needs, and a refused message
        // cannot leave a half-read element behind for the next one.
        var parser = new XmlStreamParser(_limits);
        var primed = new ReadOnlySequence<byte>(Primer.ToArray());
        try
        {
            if (!parser.TryRead(ref primed, out _)) throw new InvalidOperationException("the primer is a complete header");
            var buffer = new ReadOnlySequence<byte>(bytes.ToArray());
            if (!parser.TryRead(ref buffer, out var next) || next.Kind != XmlStreamEventKind.Element)
            {
                Refuse(StreamErrorConditions.NotWellFormed, "each message must be one complete XML element (RFC 7395 §3.3.3)");
                return null;
            }
            foreach (var segment in buffer)
            {
                if (segment.Span.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
                {
                    Refuse(StreamErrorConditions.NotWellFormed, "one XML element per message (RFC 7395 §3.3.3)");
                    return null;
                }
            }
            return next.Element;
        }
        catch (XmlStreamException e)
        {
            Refuse(e.Condition, e.Message);
            return null;
        }
    }

    private InboundFrame Refuse(string condition, string text)
    {
        ErrorCondition = condition;
        ErrorText = text;
        return InboundFrame.Refused;
    }

    /// <summary>&lt;open to version xml:lang/&gt; becomes the header the c2s negotiator checks (RFC 7395 §3.4).</summary>
    private static void WriteHeader(IBufferWriter<byte> toServer, XElement open)
    {
        var sb = new StringBuilder("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'");
        Attribute(sb, "to", (string?)open.Attribute("to"));
        Attribute(sb, "from", (string?)open.Attribute("from"));
        Attribute(sb, "version", (string?)open.Attribute("version"));
        Attribute(sb, "xml:lang", (string?)open.Attribute(XNamespace.Xml + "lang"));
        sb.Append('>');
        toServer.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private static void Attribute(StringBuilder sb, string name, string? value)
    {
        if (value is null) return;
        sb.Append(' ').Append(name).Append("='").Append(System.Security.SecurityElement.Escape(value)).Append('\'');
    }
}

/// <summary>One WebSocket text message for the client, and whether it ends the stream.</summary>
internal readonly record struct OutboundFrame(string Text, bool Close);

/// <summary>
/// Server to client, RFC 7395 §3.3: the c2s stream the server writes, cut into one message per top-level element, each
/// a document of its own (namespaces declared on it, §3.3.3); the header becomes &lt;open/&gt; (§3.4), the end of the
/// stream &lt;close/&gt; (§3.6). Reads the server's bytes with the stream parser, so it resumes across any split of the
/// output. The server restarts its stream after SASL success (RFC 6120 §6.4.6): the parser is reset there, as the
/// server's own is.
/// </summary>
internal sealed class Rfc7395Outbound
{
    private static readonly XNamespace SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";

    private readonly XmlStreamParser _parser;

    public Rfc7395Outbound(XmlStreamLimits limits) => _parser = new XmlStreamParser(limits);

    /// <summary>The next message from <paramref name="buffer"/>, or false when more of the server's output is needed.</summary>
    /// <exception cref="XmlStreamException">The server wrote something that is not a stream (a bug of ours).</exception>
    public bool TryNext(ref ReadOnlySequence<byte> buffer, out OutboundFrame frame)
    {
        frame = default;
        if (!_parser.TryRead(ref buffer, out var next)) return false;
        switch (next.Kind)
        {
            case XmlStreamEventKind.StreamOpen:
                frame = new OutboundFrame(Open(next.Element!), false);
                return true;
            case XmlStreamEventKind.StreamClose:
                frame = new OutboundFrame("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", true);
                return true;
            default:
                var element = next.Element!;
                if (element.Name == SaslNs + "success") _parser.Reset();
                frame = new OutboundFrame(XmlStanzaWriter.ToText(element, XNamespace.None), false);
                return true;
        }
    }

    private static string Open(XElement header)
    {
        var sb = new StringBuilder("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'");
        foreach (var name in (ReadOnlySpan<string>)["from", "to", "id", "version"])
        {
            if ((string?)header.Attribute(name) is { } value)
                sb.Append(' ').Append(name).Append("='").Append(System.Security.SecurityElement.Escape(value)).Append('\'');
        }
        if ((string?)header.Attribute(XNamespace.Xml + "lang") is { } lang)
            sb.Append(" xml:lang='").Append(System.Security.SecurityElement.Escape(lang)).Append('\'');
        return sb.Append("/>").ToString();
    }
}
