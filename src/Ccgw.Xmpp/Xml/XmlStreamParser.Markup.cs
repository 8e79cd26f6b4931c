using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Ccgw.Xmpp.Xml;

/// <summary>What the tokenizer hands over once a token is complete: names, namespaces, elements, decoded text.</summary>
internal sealed partial class XmlStreamParser
{
    /// <summary>
    /// The start tag just read (<see cref="_tagName"/>, <see cref="_attributes"/>): resolves its namespaces (pushing its
    /// declarations onto the scope, which the caller trims when the element ends) and builds the element.
    /// The stream header keeps its declarations as attributes; stanzas do not copy them.
    /// </summary>
    private XElement BuildElement(bool keepDeclarations)
    {
        var qname = _tagName;
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

        var element = new XElement(Resolve(qname, isAttribute: false));
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
        return element;
    }

    /// <summary>An end tag must name the element it closes (or the stream's own, at the top level).</summary>
    private void MatchEndTag(ReadOnlySpan<byte> raw)
    {
        var expected = _open.Count == 0 ? _streamQName! : _open[^1].QName;
        // Names are nearly always ASCII: compare the bytes without making a string.
        var same = Ascii.IsValid(raw) ? Ascii.Equals(raw, expected) : DecodeCharacters(raw) == expected;
        if (same) return;
        var name = DecodeCharacters(raw);
        throw NotWellFormed(_open.Count == 0 ? $"unexpected end tag </{name}>" : $"end tag </{name}> does not match <{expected}>");
    }

    private void TrimScope(int mark)
    {
        if (_namespaces.Count > mark) _namespaces.RemoveRange(mark, _namespaces.Count - mark);
    }

    private static string DecodeName(ReadOnlySpan<byte> raw)
    {
        var name = DecodeCharacters(raw);
        ValidateQName(name);
        return name;
    }

    private XmlStreamException TooLarge() =>
        new(StreamErrorConditions.PolicyViolation, $"stanza larger than {_limits.MaxStanzaBytes} bytes");

    private static XmlStreamException NotWellFormed(string message) => new(StreamErrorConditions.NotWellFormed, message);

    /// <summary>Markup RFC 6120 §11.1 forbids: <paramref name="kind"/> is the byte after '&lt;', <paramref name="rest"/> what follows, if known.</summary>
    private static XmlStreamException Restricted(byte kind, ReadOnlySpan<byte> rest)
    {
        var what = kind == (byte)'?' ? "processing instructions"
            : rest.StartsWith("--"u8) ? "comments"
            : rest.StartsWith("DOCTYPE"u8) ? "document type declarations"
            : "markup declarations";
        return new XmlStreamException(StreamErrorConditions.RestrictedXml, $"{what} are not allowed in an XMPP stream (RFC 6120 §11.1)");
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

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
