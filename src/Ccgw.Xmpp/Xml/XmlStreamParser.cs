using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Unicode;
using System.Xml;
using System.Xml.Linq;

namespace Ccgw.Xmpp.Xml;

/// <summary>Bounds on what one peer may make the parser hold.</summary>
public sealed record XmlStreamLimits
{
    public static readonly XmlStreamLimits Default = new();

    /// <summary>Largest stanza (and stream header), in bytes of UTF-8; a larger one is refused as soon as it passes this size.</summary>
    public int MaxStanzaBytes { get; init; } = 256 * 1024;

    /// <summary>Deepest nesting inside a stanza (the stanza element itself is depth 1).</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Most attributes (namespace declarations included) on one element.</summary>
    public int MaxAttributes { get; init; } = 64;
}

internal enum XmlStreamEventKind
{
    /// <summary>The stream header (<c>&lt;stream:stream ...&gt;</c>): its attributes and namespace declarations, no children.</summary>
    StreamOpen,

    /// <summary>A complete top-level element (a stanza, or a nonza such as <c>&lt;starttls/&gt;</c>).</summary>
    Element,

    /// <summary>The peer closed the stream (<c>&lt;/stream:stream&gt;</c>).</summary>
    StreamClose,
}

internal readonly record struct XmlStreamEvent(XmlStreamEventKind Kind, XElement? Element);

/// <summary>
/// The restricted XML of an XMPP stream (RFC 6120 §11), read incrementally from UTF-8 bytes: an optional XML
/// declaration, the stream header, then complete top-level elements as <see cref="XElement"/>s, then the stream's end.
/// Refuses what §11.1 forbids (comments, processing instructions, DTDs, entity references other than the five
/// predefined ones) with <c>restricted-xml</c>, malformed XML with <c>not-well-formed</c>, encodings other than UTF-8
/// (§11.6) with <c>unsupported-encoding</c>, and input past <see cref="XmlStreamLimits"/> with <c>policy-violation</c>.
/// <para>
/// <see cref="TryRead"/> either returns one event and advances the buffer past it, or returns false having consumed
/// at most inter-stanza whitespace (an incomplete element consumes nothing, so feed it the same bytes again with more
/// appended). A stanza that is still incomplete after <see cref="XmlStreamLimits.MaxStanzaBytes"/> bytes is refused, so
/// a reader never holds more than that plus one read. Not thread-safe; one parser per stream, <see cref="Reset"/> on a
/// stream restart (after STARTTLS and SASL success, RFC 6120 §5.4.3.3 and §6.4.6).
/// </para>
/// </summary>
internal sealed class XmlStreamParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly XmlStreamLimits _limits;
    private readonly List<(string Prefix, string Uri)> _namespaces = [];
    private readonly List<(string QName, string Value)> _attributes = [];
    private readonly List<(XElement Element, string QName, int ScopeMark)> _open = [];
    private readonly StringBuilder _text = new();
    private byte[]? _flat;
    private string? _streamQName;
    private int _streamScope;
    private bool _closePending;
    private bool _closed;

    public XmlStreamParser(XmlStreamLimits? limits = null) => _limits = limits ?? XmlStreamLimits.Default;

    /// <summary>Whether the stream header has been read (and the stream not yet closed).</summary>
    public bool IsOpen => _streamQName is not null && !_closed;

    /// <summary>Forgets the stream: the next bytes must start a new stream header (XML declaration allowed again).</summary>
    public void Reset()
    {
        _namespaces.Clear();
        _streamQName = null;
        _streamScope = 0;
        _closePending = false;
        _closed = false;
    }

    /// <summary>
    /// Reads the next event from <paramref name="buffer"/>. True: <paramref name="buffer"/> now starts after it.
    /// False: more bytes are needed; <paramref name="buffer"/> may have lost leading whitespace and nothing else.
    /// </summary>
    /// <exception cref="XmlStreamException">The bytes cannot belong to an acceptable stream.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out XmlStreamEvent next)
    {
        next = default;
        if (_closed)
        {
            foreach (var segment in buffer)
                if (segment.Span.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
                    throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "data after the end of the stream");
            buffer = buffer.Slice(buffer.End);
            return false;
        }
        if (_closePending)
        {
            _closePending = false;
            _closed = true;
            next = new XmlStreamEvent(XmlStreamEventKind.StreamClose, null);
            return true;
        }

        var first = buffer.FirstSpan;
        var done = ParseNext(first, out var consumed, out next);
        if (!done && !buffer.IsSingleSegment && buffer.Length > first.Length)
        {
            // The element may continue in the next segments: parse a bounded flat copy instead.
            var length = (int)Math.Min(buffer.Length, _limits.MaxStanzaBytes + 1L);
            _flat ??= new byte[_limits.MaxStanzaBytes + 1];
            buffer.Slice(0, length).CopyTo(_flat);
            done = ParseNext(_flat.AsSpan(0, length), out consumed, out next);
        }

        buffer = buffer.Slice(consumed);
        if (!done && buffer.Length > _limits.MaxStanzaBytes)
            throw TooLarge();
        return done;
    }

    /// <summary>
    /// Reads events from <paramref name="reader"/> until one is complete; null at the end of the input. Convenience for
    /// links that only need the next element (the component connection, tests); servers that watch partial input use
    /// <see cref="TryRead"/>.
    /// </summary>
    public async ValueTask<XmlStreamEvent?> ReadAsync(PipeReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool done;
            XmlStreamEvent next;
            try
            {
                done = TryRead(ref buffer, out next);
            }
            catch
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                throw;
            }
            if (done)
            {
                reader.AdvanceTo(buffer.Start);
                return next;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled) return null;
        }
    }

    private XmlStreamException TooLarge() =>
        new(StreamErrorConditions.PolicyViolation, $"stanza larger than {_limits.MaxStanzaBytes} bytes");

    /// <summary>Parses one event from the start of <paramref name="s"/>; false when it is incomplete.</summary>
    private bool ParseNext(ReadOnlySpan<byte> s, out int consumed, out XmlStreamEvent next)
    {
        next = default;
        consumed = 0;
        var i = 0;
        if (_streamQName is null) return ParseHeader(s, out consumed, out next);

        i = SkipWhitespace(s, i);
        consumed = i; // whitespace between stanzas (keepalives, RFC 6120 §4.6.1) is consumed on its own
        if (i >= s.Length) return false;
        if (s[i] != (byte)'<') throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "text between stanzas");
        if (i + 1 >= s.Length) return false;
        switch (s[i + 1])
        {
            case (byte)'/':
                {
                    var end = i + 2;
                    if (!ReadName(s, ref end, out var name)) return false;
                    end = SkipWhitespace(s, end);
                    if (end >= s.Length) return false;
                    if (s[end] != (byte)'>' || name != _streamQName)
                        throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"unexpected end tag </{name}>");
                    consumed = end + 1;
                    _closed = true;
                    next = new XmlStreamEvent(XmlStreamEventKind.StreamClose, null);
                    return true;
                }
            case (byte)'!':
            case (byte)'?':
                throw Restricted(s, i);
        }

        var pos = i;
        if (!ParseElement(s, ref pos, out var element)) return false;
        consumed = pos;
        next = new XmlStreamEvent(XmlStreamEventKind.Element, element);
        return true;
    }

    private bool ParseHeader(ReadOnlySpan<byte> s, out int consumed, out XmlStreamEvent next)
    {
        consumed = 0;
        next = default;
        var i = 0;
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (s.Length > 0 && s[0] == 0xEF)
        {
            if (s.Length < 3) return bom.StartsWith(s) ? false : throw BadEncoding();
            if (!s.StartsWith(bom)) throw BadEncoding();
            i = 3;
        }
        else if (s.Length > 0 && (s[0] is 0xFE or 0xFF or 0x00))
        {
            throw BadEncoding();
        }

        i = SkipWhitespace(s, i);
        if (i + 1 >= s.Length) return false;
        if (s[i] != (byte)'<') throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "a stream must start with '<'");
        if (s[i + 1] == (byte)'?')
        {
            // The XML declaration (XML 1.0 §2.8); any other processing instruction is restricted.
            if (s.Length - i < 6) return "<?xml "u8.StartsWith(s[i..]) ? false : throw Restricted(s, i);
            if (!s[i..].StartsWith("<?xml"u8) || !IsWhitespace(s[i + 5])) throw Restricted(s, i);
            var close = s[i..].IndexOf("?>"u8);
            if (close < 0) return s.Length - i > 1024 ? throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "XML declaration too long") : false;
            CheckDeclaration(s.Slice(i + 5, close - 5));
            i = SkipWhitespace(s, i + close + 2);
            if (i + 1 >= s.Length) return false;
            if (s[i] != (byte)'<') throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "expected the stream header");
        }
        if (s[i + 1] is (byte)'!' or (byte)'?') throw Restricted(s, i);

        var pos = i;
        if (!ReadStartTag(s, ref pos, keepDeclarations: true, out var header, out var qname, out var selfClosing)) return false;
        if (pos - i > _limits.MaxStanzaBytes) throw TooLarge();
        _streamQName = qname;
        _streamScope = _namespaces.Count;
        _closePending = selfClosing;
        consumed = pos;
        next = new XmlStreamEvent(XmlStreamEventKind.StreamOpen, header);
        return true;
    }

    private static void CheckDeclaration(ReadOnlySpan<byte> declaration)
    {
        var at = declaration.IndexOf("encoding"u8);
        if (at < 0) return;
        var rest = declaration[(at + 8)..];
        var quote = rest.IndexOfAny((byte)'\'', (byte)'"');
        if (quote < 0) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "malformed XML declaration");
        var value = rest[(quote + 1)..];
        var end = value.IndexOf(rest[quote]);
        if (end < 0) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "malformed XML declaration");
        if (!Ascii.EqualsIgnoreCase(value[..end], "UTF-8"u8)) throw BadEncoding();
    }

    private static XmlStreamException BadEncoding() =>
        new(StreamErrorConditions.UnsupportedEncoding, "XMPP streams are UTF-8 only (RFC 6120 §11.6)");

    private static XmlStreamException Restricted(ReadOnlySpan<byte> s, int i)
    {
        var what = s[(i + 1)..] switch
        {
            var r when r.StartsWith("!--"u8) => "comments",
            var r when r.StartsWith("!DOCTYPE"u8) => "document type declarations",
            var r when r.StartsWith("?"u8) => "processing instructions",
            _ => "markup declarations",
        };
        return new XmlStreamException(StreamErrorConditions.RestrictedXml, $"{what} are not allowed in an XMPP stream (RFC 6120 §11.1)");
    }

    /// <summary>A whole element starting at <paramref name="pos"/> ('&lt;'); false when it does not end within <paramref name="s"/>.</summary>
    private bool ParseElement(ReadOnlySpan<byte> s, ref int pos, out XElement? element)
    {
        element = null;
        var start = pos;
        var i = pos;
        _open.Clear();
        var scopeAtStart = _namespaces.Count;
        try
        {
            while (true)
            {
                if (i - start > _limits.MaxStanzaBytes) throw TooLarge();
                if (i >= s.Length) return false;
                if (s[i] != (byte)'<')
                {
                    // Character data up to the next markup.
                    var lt = s[i..].IndexOf((byte)'<');
                    if (lt < 0)
                    {
                        if (s.Length - start > _limits.MaxStanzaBytes) throw TooLarge();
                        return false;
                    }
                    _open[^1].Element.Add(new XText(DecodeText(s.Slice(i, lt), attribute: false)));
                    i += lt;
                    continue;
                }
                if (i + 1 >= s.Length) return false;
                var c = s[i + 1];
                if (c == (byte)'/')
                {
                    var j = i + 2;
                    if (!ReadName(s, ref j, out var name)) return false;
                    j = SkipWhitespace(s, j);
                    if (j >= s.Length) return false;
                    var top = _open[^1];
                    if (s[j] != (byte)'>' || name != top.QName)
                        throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"end tag </{name}> does not match <{top.QName}>");
                    i = j + 1;
                    _open.RemoveAt(_open.Count - 1);
                    TrimScope(top.ScopeMark);
                    if (_open.Count == 0)
                    {
                        element = top.Element;
                        pos = i;
                        return true;
                    }
                    continue;
                }
                if (c == (byte)'!')
                {
                    ReadOnlySpan<byte> cdata = "<![CDATA["u8;
                    var rest = s[i..];
                    if (rest.Length < cdata.Length && cdata.StartsWith(rest)) return false;
                    if (!rest.StartsWith(cdata) || _open.Count == 0) throw Restricted(s, i);
                    var end = rest[cdata.Length..].IndexOf("]]>"u8);
                    if (end < 0)
                    {
                        if (s.Length - start > _limits.MaxStanzaBytes) throw TooLarge();
                        return false;
                    }
                    _open[^1].Element.Add(new XText(DecodeCharacters(rest.Slice(cdata.Length, end))));
                    i += cdata.Length + end + 3;
                    continue;
                }
                if (c == (byte)'?') throw Restricted(s, i);

                if (_open.Count >= _limits.MaxDepth)
                    throw new XmlStreamException(StreamErrorConditions.PolicyViolation, $"elements nested deeper than {_limits.MaxDepth}");
                var mark = _namespaces.Count;
                if (!ReadStartTag(s, ref i, keepDeclarations: false, out var child, out var qname, out var empty)) return false;
                if (_open.Count > 0) _open[^1].Element.Add(child);
                if (empty)
                {
                    TrimScope(mark);
                    if (_open.Count == 0)
                    {
                        element = child;
                        pos = i;
                        return true;
                    }
                }
                else
                {
                    _open.Add((child, qname, mark));
                }
            }
        }
        finally
        {
            _open.Clear();
            TrimScope(scopeAtStart);
        }
    }

    private void TrimScope(int mark)
    {
        if (_namespaces.Count > mark) _namespaces.RemoveRange(mark, _namespaces.Count - mark);
    }

    /// <summary>
    /// A start tag at <paramref name="i"/>: resolves its namespaces (pushing its declarations onto the scope, which the
    /// caller trims when the element ends) and builds the element with its attributes.
    /// </summary>
    private bool ReadStartTag(ReadOnlySpan<byte> s, ref int i, bool keepDeclarations, out XElement element,
        out string qname, out bool selfClosing)
    {
        element = null!;
        selfClosing = false;
        var j = i + 1;
        if (!ReadName(s, ref j, out qname)) return false;
        _attributes.Clear();
        while (true)
        {
            var afterWhitespace = SkipWhitespace(s, j);
            if (afterWhitespace >= s.Length) return false;
            var c = s[afterWhitespace];
            if (c == (byte)'>')
            {
                j = afterWhitespace + 1;
                break;
            }
            if (c == (byte)'/')
            {
                if (afterWhitespace + 1 >= s.Length) return false;
                if (s[afterWhitespace + 1] != (byte)'>') throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "'/' not followed by '>'");
                j = afterWhitespace + 2;
                selfClosing = true;
                break;
            }
            if (afterWhitespace == j) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"attributes of <{qname}> must be separated by whitespace");
            j = afterWhitespace;
            if (!ReadName(s, ref j, out var attributeName)) return false;
            j = SkipWhitespace(s, j);
            if (j >= s.Length) return false;
            if (s[j] != (byte)'=') throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"attribute {attributeName} has no value");
            j = SkipWhitespace(s, j + 1);
            if (j >= s.Length) return false;
            var quote = s[j];
            if (quote is not ((byte)'"' or (byte)'\'')) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"attribute {attributeName} value is not quoted");
            var close = s[(j + 1)..].IndexOf(quote);
            if (close < 0) return false;
            var raw = s.Slice(j + 1, close);
            if (raw.IndexOf((byte)'<') >= 0) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "'<' in an attribute value");
            if (_attributes.Count >= _limits.MaxAttributes)
                throw new XmlStreamException(StreamErrorConditions.PolicyViolation, $"more than {_limits.MaxAttributes} attributes on <{qname}>");
            _attributes.Add((attributeName, DecodeText(raw, attribute: true)));
            j += close + 2;
        }

        // Namespaces in XML 1.0 §3: declarations first, then resolve the element's and the attributes' prefixes.
        foreach (var (name, value) in _attributes)
        {
            if (name == "xmlns")
            {
                if (value == XNamespace.Xml.NamespaceName || value == XNamespace.Xmlns.NamespaceName)
                    throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "the default namespace cannot be a reserved one");
                _namespaces.Add(("", value));
            }
            else if (name.StartsWith("xmlns:", StringComparison.Ordinal))
            {
                var prefix = name[6..];
                if (value.Length == 0 || prefix == "xmlns" || value == XNamespace.Xmlns.NamespaceName || (prefix == "xml") != (value == XNamespace.Xml.NamespaceName))
                    throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"invalid namespace declaration {name}");
                _namespaces.Add((prefix, value));
            }
        }

        element = new XElement(Resolve(qname, isAttribute: false));
        foreach (var (name, value) in _attributes)
        {
            XName expanded;
            if (name == "xmlns")
            {
                if (!keepDeclarations) continue;
                expanded = XNamespace.None + "xmlns";
            }
            else if (name.StartsWith("xmlns:", StringComparison.Ordinal))
            {
                if (!keepDeclarations) continue;
                expanded = XNamespace.Xmlns + name[6..];
            }
            else
            {
                expanded = Resolve(name, isAttribute: true);
            }
            if (element.Attribute(expanded) is not null)
                throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"duplicate attribute {name} on <{qname}>");
            element.Add(new XAttribute(expanded, value));
        }
        i = j;
        return true;
    }

    private XName Resolve(string qname, bool isAttribute)
    {
        var colon = qname.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return isAttribute ? XNamespace.None + qname : XNamespace.Get(Lookup("") ?? "") + qname;
        var prefix = qname[..colon];
        var local = qname[(colon + 1)..];
        if (prefix == "xml") return XNamespace.Xml + local;
        var uri = Lookup(prefix) ?? throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"undeclared namespace prefix '{prefix}'");
        return XNamespace.Get(uri) + local;
    }

    private string? Lookup(string prefix)
    {
        for (var k = _namespaces.Count - 1; k >= 0; k--)
            if (_namespaces[k].Prefix == prefix) return _namespaces[k].Uri;
        return null;
    }

    /// <summary>
    /// A QName (NCName, optionally prefix:NCName) ending at whitespace, '/', '&gt;' or '='. False when the input ends first.
    /// </summary>
    private static bool ReadName(ReadOnlySpan<byte> s, ref int i, out string name)
    {
        name = "";
        var start = i;
        var j = i;
        while (j < s.Length && !IsWhitespace(s[j]) && s[j] is not ((byte)'/' or (byte)'>' or (byte)'='))
        {
            if (j - start > 1024) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "name too long");
            j++;
        }
        if (j >= s.Length) return false;
        if (j == start) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "expected a name");
        name = DecodeCharacters(s[start..j]);
        ValidateQName(name);
        i = j;
        return true;
    }

    private static void ValidateQName(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && (colon == 0 || colon == name.Length - 1 || name.IndexOf(':', colon + 1) >= 0))
            throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"invalid name '{name}'");
        var atStart = true;
        for (var k = 0; k < name.Length; k++)
        {
            var c = name[k];
            if (c == ':')
            {
                atStart = true;
                continue;
            }
            bool ok;
            if (char.IsHighSurrogate(c) && k + 1 < name.Length)
            {
                // Supplementary planes are allowed in names (XML 1.0 fifth edition, #x10000-#xEFFFF).
                ok = XmlConvert.IsXmlSurrogatePair(name[k + 1], c) && char.ConvertToUtf32(c, name[k + 1]) <= 0xEFFFF;
                k++;
            }
            else
            {
                ok = atStart ? XmlConvert.IsStartNCNameChar(c) : XmlConvert.IsNCNameChar(c);
            }
            if (!ok) throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"invalid name '{name}'");
            atStart = false;
        }
    }

    /// <summary>Strict UTF-8 to text; every character must be an XML Char (XML 1.0 §2.2).</summary>
    private static string DecodeCharacters(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty) return "";
        string text;
        try
        {
            text = StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "invalid UTF-8");
        }
        foreach (var c in text)
        {
            if (c < 0x20 ? c is not ('\t' or '\n' or '\r') : c is '\uFFFE' or '\uFFFF')
                throw new XmlStreamException(StreamErrorConditions.NotWellFormed, $"character U+{(int)c:X4} is not allowed in XML");
        }
        return text;
    }

    /// <summary>
    /// Character data or an attribute value: references to the five predefined entities and numeric character
    /// references are expanded, any other entity reference is refused (RFC 6120 §11.1); line ends are normalised
    /// (XML 1.0 §2.11) and, in attribute values, whitespace characters become spaces (§3.3.3).
    /// </summary>
    private string DecodeText(ReadOnlySpan<byte> raw, bool attribute)
    {
        var plain = raw.IndexOfAny((byte)'&', (byte)'\r') < 0 && (!attribute || raw.IndexOfAny((byte)'\t', (byte)'\n') < 0);
        var text = DecodeCharacters(raw);
        if (plain) return text;

        var sb = _text.Clear();
        for (var k = 0; k < text.Length; k++)
        {
            var c = text[k];
            switch (c)
            {
                case '\r':
                    if (k + 1 < text.Length && text[k + 1] == '\n') k++;
                    sb.Append(attribute ? ' ' : '\n');
                    break;
                case '\n' or '\t' when attribute:
                    sb.Append(' ');
                    break;
                case '&':
                    var semicolon = text.IndexOf(';', k + 1);
                    if (semicolon < 0 || semicolon - k > 12)
                        throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "'&' that does not start a reference");
                    AppendReference(sb, text.AsSpan(k + 1, semicolon - k - 1));
                    k = semicolon;
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    private static void AppendReference(StringBuilder sb, ReadOnlySpan<char> name)
    {
        switch (name)
        {
            case "amp": sb.Append('&'); return;
            case "lt": sb.Append('<'); return;
            case "gt": sb.Append('>'); return;
            case "quot": sb.Append('"'); return;
            case "apos": sb.Append('\''); return;
        }
        if (name.Length > 1 && name[0] == '#')
        {
            var hex = name[1] == 'x';
            var digits = name[(hex ? 2 : 1)..];
            var value = 0;
            if (digits.IsEmpty) throw BadReference(name);
            foreach (var d in digits)
            {
                var v = d is >= '0' and <= '9' ? d - '0'
                    : hex && d is >= 'a' and <= 'f' ? d - 'a' + 10
                    : hex && d is >= 'A' and <= 'F' ? d - 'A' + 10
                    : -1;
                if (v < 0) throw BadReference(name);
                value = value * (hex ? 16 : 10) + v;
                if (value > 0x10FFFF) throw BadReference(name);
            }
            var allowed = value is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);
            if (!allowed) throw BadReference(name);
            if (value < 0x10000) sb.Append((char)value);
            else sb.Append(char.ConvertFromUtf32(value));
            return;
        }
        // An entity that would need a DTD to be defined: refused whether or not it is a valid name.
        throw new XmlStreamException(StreamErrorConditions.RestrictedXml, $"entity reference &{name.ToString()}; is not allowed in an XMPP stream (RFC 6120 §11.1)");
    }

    private static XmlStreamException BadReference(ReadOnlySpan<char> name) =>
        new(StreamErrorConditions.NotWellFormed, $"invalid character reference &{name.ToString()};");

    private static int SkipWhitespace(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && IsWhitespace(s[i])) i++;
        return i;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
