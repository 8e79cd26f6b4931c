using System.Buffers;
using System.IO.Pipelines;
using System.Text;
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
/// appended, as a pipe does after <c>AdvanceTo(buffer.Start, buffer.End)</c>). A stanza that is still incomplete after
/// <see cref="XmlStreamLimits.MaxStanzaBytes"/> bytes is refused, so a reader never holds more than that plus one read.
/// Not thread-safe; one parser per stream, <see cref="Reset"/> on a stream restart (after STARTTLS and SASL success,
/// RFC 6120 §5.4.3.3 and §6.4.6).
/// </para>
/// <para>
/// The parser resumes where the last call stopped, as expat does for Prosody and the NATS server's parser does: the
/// tokenizer's state (<see cref="Lex"/>), the tag being read, the open elements of the partial stanza and how far into
/// the caller's buffer it has looked all survive between calls, so every byte is scanned once however the peer splits
/// its writes. A token cut by a read (a name, a value, a text run) is carried in a small buffer until its end arrives
/// and is then decoded once; tokens inside one read are decoded straight from the caller's bytes.
/// </para>
/// </summary>
internal sealed partial class XmlStreamParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SearchValues<byte> NameEnd = SearchValues.Create(" \t\r\n/>="u8);
    private static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];
    private static ReadOnlySpan<byte> DeclarationOpen => "<?xml"u8;
    private static ReadOnlySpan<byte> CDataOpen => "<![CDATA["u8;

    /// <summary>The longest name accepted (bytes of UTF-8), as before the parser resumed.</summary>
    private const int MaxNameBytes = 1025;

    /// <summary>The longest XML declaration accepted, in bytes.</summary>
    private const int MaxDeclarationBytes = 1024;

    /// <summary>A carried token's buffer up to this size is kept for the next one; a larger one goes back to the pool.</summary>
    private const int KeptCarryBytes = 1024;

    private readonly XmlStreamLimits _limits;
    private readonly List<(string Prefix, string Uri)> _namespaces = [];
    private readonly List<(string QName, string Value)> _attributes = [];
    private readonly List<(XElement Element, string QName, int ScopeMark)> _open = [];
    private readonly StringBuilder _text = new();
    private string? _streamQName;
    private int _streamScope;
    private bool _closePending;
    private bool _closed;

    // Where the tokenizer stopped. _examined counts bytes of the caller's buffer (from its start, which the caller
    // keeps because nothing of a partial element is consumed) that have already been through the tokenizer.
    private Lex _lex;
    private long _examined;
    private long _budgetUsed;
    private int _match;
    private byte _quote;
    private bool _spaceSeen;
    private bool _inHeader;
    private string _tagName = "";
    private string _attributeName = "";
    private byte[] _carry = [];
    private int _carryLength;

    public XmlStreamParser(XmlStreamLimits? limits = null) => _limits = limits ?? XmlStreamLimits.Default;

    /// <summary>
    /// Bytes the parser has worked on: every byte each time the tokenizer scans it, copies it into the carry buffer
    /// or decodes it as part of a finished token. Linear in the input whatever its segmentation (the slow-drip test
    /// holds it to a few times the stanza's size); a parser that restarted a partial stanza would count reads x size.
    /// </summary>
    internal long BytesExamined { get; private set; }

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
        ForgetPartial();
    }

    /// <summary>
    /// Reads the next event from <paramref name="buffer"/>. True: <paramref name="buffer"/> now starts after it.
    /// False: more bytes are needed; <paramref name="buffer"/> may have lost leading whitespace and nothing else, and
    /// the next call must be given the same bytes again (with more appended): the parser continues after the ones it
    /// has already seen.
    /// </summary>
    /// <exception cref="XmlStreamException">The bytes cannot belong to an acceptable stream.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out XmlStreamEvent next)
    {
        next = default;
        if (_closed)
        {
            foreach (var segment in buffer)
            {
                BytesExamined += segment.Length;
                if (segment.Span.IndexOfAnyExcept(Whitespace) >= 0)
                    throw new XmlStreamException(StreamErrorConditions.NotWellFormed, "data after the end of the stream");
            }
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
        if (buffer.Length < _examined)
            throw new InvalidOperationException("the buffer lost bytes of an incomplete element; give the parser the same bytes again");

        var finished = false;
        try
        {
            long offset = _examined, consumable = 0;
            var position = buffer.GetPosition(_examined);
            while (buffer.TryGet(ref position, out var memory))
            {
                var span = memory.Span;
                while (!span.IsEmpty)
                {
                    // Whitespace between stanzas costs nothing against the size limit; everything else does.
                    var budgeted = _lex != Lex.StreamSpace;
                    var piece = span;
                    if (budgeted)
                    {
                        var room = _limits.MaxStanzaBytes - _budgetUsed + 1;
                        if (piece.Length > room) piece = piece[..(int)room];
                    }
                    var step = Step(piece, out var used, out next);
                    BytesExamined += used;
                    offset += used;
                    span = span[used..];
                    if (budgeted && (_budgetUsed += used) > _limits.MaxStanzaBytes) throw TooLarge();
                    if (step == StepResult.Event)
                    {
                        buffer = buffer.Slice(offset);
                        _examined = 0;
                        _budgetUsed = 0;
                        finished = true;
                        return true;
                    }
                    if (!budgeted) consumable = offset;
                }
            }
            buffer = buffer.Slice(consumable);
            _examined = offset - consumable;
            finished = true;
            return false;
        }
        finally
        {
            // After a stream error the partial element is worthless; a retry with the same bytes starts it over.
            if (!finished) ForgetPartial();
        }
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

    private void ForgetPartial()
    {
        _lex = _streamQName is null ? Lex.Start : Lex.StreamSpace;
        _examined = 0;
        _budgetUsed = 0;
        _inHeader = false;
        _attributes.Clear();
        _open.Clear();
        if (_streamQName is null) _namespaces.Clear();
        else TrimScope(_streamScope);
        ClearCarry(release: true);
    }

    private enum StepResult
    {
        /// <summary>The span ended first; every byte of it was taken in.</summary>
        NeedMore,

        /// <summary>Whitespace between stanzas ended at a '&lt;'; the caller continues from there within the size limit.</summary>
        MarkupStart,

        /// <summary>An event is complete; <c>used</c> ends just after it and nothing beyond it was looked at.</summary>
        Event,
    }

    /// <summary>The tokenizer's states (XML 1.0 §2-§4 as RFC 6120 §11 restricts them); "token" states carry bytes across reads.</summary>
    private enum Lex : byte
    {
        Start,           // the stream's first byte: a byte order mark, whitespace or '<'
        Bom,             // inside the UTF-8 byte order mark (_match bytes seen)
        PrologSpace,     // whitespace before the XML declaration or the header
        PrologLt,        // after the first '<': '?' the declaration, else the header
        Declaration,     // "<?xml" and a whitespace (_match bytes seen)
        DeclarationBody, // token: up to "?>"
        HeaderSpace,     // whitespace after the declaration
        HeaderLt,        // after '<' following the declaration
        StreamSpace,     // between stanzas: whitespace (consumed) until '<'
        TopOpen,         // the '<' of top-level markup
        TopLt,           // after it: '/' ends the stream, else a stanza
        Content,         // token: character data inside a stanza up to '<'
        Lt,              // after '<' inside a stanza
        CData,           // "<![CDATA[" (_match bytes seen)
        CDataBody,       // token: up to "]]>"
        StartName,       // token: an element's name
        TagSpace,        // in a start tag: whitespace, then '>', "/>" or an attribute
        EmptyEnd,        // after '/' in a start tag: '>'
        AttributeName,   // token
        AttributeEq,     // whitespace, then '='
        AttributeQuote,  // whitespace, then the opening quote
        AttributeValue,  // token: up to the closing quote (_quote)
        EndName,         // token: the name in an end tag
        EndSpace,        // whitespace, then '>'
    }

    private static bool IsToken(Lex lex) => lex is Lex.DeclarationBody or Lex.Content or Lex.CDataBody or Lex.StartName
        or Lex.AttributeName or Lex.AttributeValue or Lex.EndName;

    /// <summary>
    /// Runs the tokenizer over <paramref name="s"/> from the state the last call left. <paramref name="used"/> is how
    /// many bytes it took: all of them (<see cref="StepResult.NeedMore"/>; a token cut at the end is carried), up to
    /// a '&lt;' that starts top-level markup, or up to the end of an event.
    /// </summary>
    private StepResult Step(ReadOnlySpan<byte> s, out int used, out XmlStreamEvent next)
    {
        next = default;
        var i = 0;
        var token = 0; // where the current token starts in s; its earlier bytes, if any, are in _carry
        while (i < s.Length)
        {
            int k;
            switch (_lex)
            {
                case Lex.Start:
                    if (s[i] == Bom[0])
                    {
                        _match = 1;
                        _lex = Lex.Bom;
                        i++;
                        break;
                    }
                    if (s[i] is 0xFE or 0xFF or 0x00) throw BadEncoding();
                    _lex = Lex.PrologSpace;
                    break;

                case Lex.Bom:
                    if (s[i] != Bom[_match]) throw BadEncoding();
                    i++;
                    if (++_match == Bom.Length) _lex = Lex.PrologSpace;
                    break;

                case Lex.PrologSpace:
                case Lex.HeaderSpace:
                    if (!SkipSpace(s, ref i)) break;
                    if (s[i] != (byte)'<')
                        throw NotWellFormed(_lex == Lex.PrologSpace ? "a stream must start with '<'" : "expected the stream header");
                    i++;
                    _lex = _lex == Lex.PrologSpace ? Lex.PrologLt : Lex.HeaderLt;
                    break;

                case Lex.PrologLt when s[i] == (byte)'?':
                    // The XML declaration (XML 1.0 §2.8); any other processing instruction is restricted.
                    _match = 2;
                    _lex = Lex.Declaration;
                    i++;
                    break;

                case Lex.PrologLt:
                case Lex.HeaderLt:
                    if (s[i] is (byte)'!' or (byte)'?') throw Restricted(s[i], s[(i + 1)..]);
                    _inHeader = true;
                    _attributes.Clear();
                    _lex = Lex.StartName;
                    token = i;
                    break;

                case Lex.Declaration:
                    if (_match < DeclarationOpen.Length ? s[i] != DeclarationOpen[_match] : !IsWhitespace(s[i]))
                        throw Restricted((byte)'?', default);
                    i++;
                    if (++_match > DeclarationOpen.Length)
                    {
                        _lex = Lex.DeclarationBody;
                        token = i - 1; // the body starts with that whitespace
                    }
                    break;

                case Lex.DeclarationBody:
                    {
                        ReadOnlySpan<byte> body;
                        if (i == token && _carryLength > 0 && _carry[_carryLength - 1] == (byte)'?' && s[i] == (byte)'>')
                        {
                            body = _carry.AsSpan(0, _carryLength - 1);
                            i++;
                        }
                        else
                        {
                            k = s[i..].IndexOf("?>"u8);
                            if (k < 0)
                            {
                                if (DeclarationOpen.Length + _carryLength + s.Length - token > MaxDeclarationBytes)
                                    throw NotWellFormed("XML declaration too long");
                                i = s.Length;
                                break;
                            }
                            body = Token(s, token, i + k);
                            i += k + 2;
                        }
                        BytesExamined += body.Length;
                        CheckDeclaration(body);
                        ClearCarry(release: false);
                        _lex = Lex.HeaderSpace;
                        break;
                    }

                case Lex.StreamSpace:
                    k = s[i..].IndexOfAnyExcept(Whitespace);
                    if (k < 0)
                    {
                        i = s.Length;
                        break;
                    }
                    // Whitespace between stanzas (keepalives, RFC 6120 §4.6.1) is consumed on its own.
                    if (s[i + k] != (byte)'<') throw NotWellFormed("text between stanzas");
                    _lex = Lex.TopOpen;
                    used = i + k;
                    return StepResult.MarkupStart;

                case Lex.TopOpen:
                    i++;
                    _lex = Lex.TopLt;
                    break;

                case Lex.TopLt:
                case Lex.Lt:
                    switch (s[i])
                    {
                        case (byte)'/':
                            i++;
                            _lex = Lex.EndName;
                            token = i;
                            break;
                        case (byte)'!' when _lex == Lex.Lt:
                            i++;
                            _match = 2;
                            _lex = Lex.CData;
                            break;
                        case (byte)'!' or (byte)'?':
                            throw Restricted(s[i], s[(i + 1)..]);
                        default:
                            if (_open.Count >= _limits.MaxDepth)
                                throw new XmlStreamException(StreamErrorConditions.PolicyViolation, $"elements nested deeper than {_limits.MaxDepth}");
                            _attributes.Clear();
                            _lex = Lex.StartName;
                            token = i;
                            break;
                    }
                    break;

                case Lex.Content:
                    {
                        k = s[i..].IndexOf((byte)'<');
                        if (k < 0)
                        {
                            i = s.Length;
                            break;
                        }
                        var run = Token(s, token, i + k);
                        if (!run.IsEmpty)
                        {
                            BytesExamined += run.Length;
                            _open[^1].Element.Add(new XText(DecodeText(run, attribute: false)));
                        }
                        ClearCarry(release: false);
                        i += k + 1;
                        _lex = Lex.Lt;
                        break;
                    }

                case Lex.CData:
                    if (s[i] != CDataOpen[_match]) throw Restricted((byte)'!', _match == 2 ? s[i..] : default);
                    i++;
                    if (++_match == CDataOpen.Length)
                    {
                        _lex = Lex.CDataBody;
                        token = i;
                    }
                    break;

                case Lex.CDataBody:
                    {
                        ReadOnlySpan<byte> body;
                        // "]]>" may straddle reads: the carried bytes can end in one or two of its ']'.
                        var brackets = i == token ? TrailingBrackets() : 0;
                        if (brackets == 2 && s[i] == (byte)'>')
                        {
                            body = _carry.AsSpan(0, _carryLength - 2);
                            i++;
                        }
                        else if (brackets >= 1 && s[i..].StartsWith("]>"u8))
                        {
                            body = _carry.AsSpan(0, _carryLength - 1);
                            i += 2;
                        }
                        else
                        {
                            k = s[i..].IndexOf("]]>"u8);
                            if (k < 0)
                            {
                                i = s.Length;
                                break;
                            }
                            body = Token(s, token, i + k);
                            i += k + 3;
                        }
                        BytesExamined += body.Length;
                        _open[^1].Element.Add(new XText(DecodeCharacters(body)));
                        ClearCarry(release: false);
                        _lex = Lex.Content;
                        token = i;
                        break;
                    }

                case Lex.StartName:
                case Lex.AttributeName:
                case Lex.EndName:
                    {
                        // A QName (NCName, optionally prefix:NCName) ending at whitespace, '/', '>' or '='.
                        k = s[i..].IndexOfAny(NameEnd);
                        if (_carryLength + (k < 0 ? s.Length : i + k) - token > MaxNameBytes) throw NotWellFormed("name too long");
                        if (k < 0)
                        {
                            i = s.Length;
                            break;
                        }
                        i += k;
                        var raw = Token(s, token, i);
                        if (raw.IsEmpty) throw NotWellFormed("expected a name");
                        BytesExamined += raw.Length;
                        if (_lex == Lex.EndName)
                        {
                            MatchEndTag(raw);
                            _lex = Lex.EndSpace;
                        }
                        else if (_lex == Lex.StartName)
                        {
                            _tagName = DecodeName(raw);
                            _spaceSeen = false;
                            _lex = Lex.TagSpace;
                        }
                        else
                        {
                            _attributeName = DecodeName(raw);
                            _lex = Lex.AttributeEq;
                        }
                        ClearCarry(release: false);
                        break;
                    }

                case Lex.TagSpace:
                    {
                        k = s[i..].IndexOfAnyExcept(Whitespace);
                        if (k != 0) _spaceSeen = true;
                        if (k < 0)
                        {
                            i = s.Length;
                            break;
                        }
                        i += k;
                        var c = s[i];
                        if (c == (byte)'>')
                        {
                            i++;
                            if (EndStartTag(empty: false, out next))
                            {
                                used = i;
                                return StepResult.Event;
                            }
                            token = i;
                            break;
                        }
                        if (c == (byte)'/')
                        {
                            i++;
                            _lex = Lex.EmptyEnd;
                            break;
                        }
                        if (!_spaceSeen) throw NotWellFormed($"attributes of <{_tagName}> must be separated by whitespace");
                        _lex = Lex.AttributeName;
                        token = i;
                        break;
                    }

                case Lex.EmptyEnd:
                    if (s[i] != (byte)'>') throw NotWellFormed("'/' not followed by '>'");
                    i++;
                    if (EndStartTag(empty: true, out next))
                    {
                        used = i;
                        return StepResult.Event;
                    }
                    token = i;
                    break;

                case Lex.AttributeEq:
                    if (!SkipSpace(s, ref i)) break;
                    if (s[i] != (byte)'=') throw NotWellFormed($"attribute {_attributeName} has no value");
                    i++;
                    _lex = Lex.AttributeQuote;
                    break;

                case Lex.AttributeQuote:
                    if (!SkipSpace(s, ref i)) break;
                    if (s[i] is not ((byte)'"' or (byte)'\'')) throw NotWellFormed($"attribute {_attributeName} value is not quoted");
                    _quote = s[i];
                    i++;
                    _lex = Lex.AttributeValue;
                    token = i;
                    break;

                case Lex.AttributeValue:
                    {
                        k = s[i..].IndexOfAny(_quote, (byte)'<');
                        if (k < 0)
                        {
                            i = s.Length;
                            break;
                        }
                        if (s[i + k] == (byte)'<') throw NotWellFormed("'<' in an attribute value");
                        if (_attributes.Count >= _limits.MaxAttributes)
                            throw new XmlStreamException(StreamErrorConditions.PolicyViolation, $"more than {_limits.MaxAttributes} attributes on <{_tagName}>");
                        var raw = Token(s, token, i + k);
                        BytesExamined += raw.Length;
                        _attributes.Add((_attributeName, DecodeText(raw, attribute: true)));
                        ClearCarry(release: false);
                        i += k + 1;
                        _spaceSeen = false;
                        _lex = Lex.TagSpace;
                        break;
                    }

                case Lex.EndSpace:
                    {
                        if (!SkipSpace(s, ref i)) break;
                        if (s[i] != (byte)'>') throw NotWellFormed("malformed end tag");
                        i++;
                        used = i;
                        if (_open.Count == 0)
                        {
                            _closed = true;
                            next = new XmlStreamEvent(XmlStreamEventKind.StreamClose, null);
                            return StepResult.Event;
                        }
                        var top = _open[^1];
                        _open.RemoveAt(_open.Count - 1);
                        TrimScope(top.ScopeMark);
                        if (_open.Count == 0)
                        {
                            _lex = Lex.StreamSpace;
                            next = new XmlStreamEvent(XmlStreamEventKind.Element, top.Element);
                            return StepResult.Event;
                        }
                        _lex = Lex.Content;
                        token = i;
                        break;
                    }

                default:
                    throw new InvalidOperationException($"tokenizer state {_lex}");
            }
        }
        if (IsToken(_lex)) Carry(s[token..]);
        used = s.Length;
        return StepResult.NeedMore;
    }

    /// <summary>
    /// The '&gt;' of a start tag: builds the element. True when that completes an event (the stream header, or an
    /// empty top-level element); otherwise the tokenizer goes on with the element's content.
    /// </summary>
    private bool EndStartTag(bool empty, out XmlStreamEvent next)
    {
        next = default;
        var mark = _namespaces.Count;
        var element = BuildElement(keepDeclarations: _inHeader);
        _attributes.Clear();
        if (_inHeader)
        {
            _inHeader = false;
            _streamQName = _tagName;
            _streamScope = _namespaces.Count;
            _closePending = empty;
            _lex = Lex.StreamSpace;
            next = new XmlStreamEvent(XmlStreamEventKind.StreamOpen, element);
            return true;
        }
        if (_open.Count > 0) _open[^1].Element.Add(element);
        if (!empty)
        {
            _open.Add((element, _tagName, mark));
            _lex = Lex.Content;
            return false;
        }
        TrimScope(mark);
        if (_open.Count > 0)
        {
            _lex = Lex.Content;
            return false;
        }
        _lex = Lex.StreamSpace;
        next = new XmlStreamEvent(XmlStreamEventKind.Element, element);
        return true;
    }

    /// <summary>The whole token ending at <paramref name="end"/>: straight from <paramref name="s"/>, or completed in the carry buffer.</summary>
    private ReadOnlySpan<byte> Token(ReadOnlySpan<byte> s, int start, int end)
    {
        if (_carryLength == 0) return s[start..end];
        Carry(s[start..end]);
        return _carry.AsSpan(0, _carryLength);
    }

    /// <summary>Keeps the bytes of a token the read cut, until the rest arrives (at most the stanza limit: the budget bounds it).</summary>
    private void Carry(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        BytesExamined += bytes.Length;
        if (_carry.Length - _carryLength < bytes.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(256, Math.Max(_carry.Length * 2, _carryLength + bytes.Length)));
            _carry.AsSpan(0, _carryLength).CopyTo(larger);
            if (_carry.Length > 0) ArrayPool<byte>.Shared.Return(_carry);
            _carry = larger;
        }
        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += bytes.Length;
    }

    private void ClearCarry(bool release)
    {
        _carryLength = 0;
        if ((release || _carry.Length > KeptCarryBytes) && _carry.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = [];
        }
    }

    /// <summary>Moves <paramref name="i"/> past whitespace; false when <paramref name="s"/> ends first (all of it taken).</summary>
    private static bool SkipSpace(ReadOnlySpan<byte> s, ref int i)
    {
        var k = s[i..].IndexOfAnyExcept(Whitespace);
        i = k < 0 ? s.Length : i + k;
        return k >= 0;
    }

    /// <summary>How many ']' (up to two) the carried part of a CDATA section ends with.</summary>
    private int TrailingBrackets()
    {
        if (_carryLength == 0 || _carry[_carryLength - 1] != (byte)']') return 0;
        return _carryLength > 1 && _carry[_carryLength - 2] == (byte)']' ? 2 : 1;
    }
}
