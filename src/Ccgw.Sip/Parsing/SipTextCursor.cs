using Ccgw.Sip.Message;

namespace Ccgw.Sip.Parsing;

/// <summary>
/// Forward-only reader over an unfolded header value. Folding was already replaced by a single SP,
/// so LWS here is just runs of SP/HT (RFC 3261 §25.1).
/// </summary>
internal ref struct SipTextCursor
{
    private readonly ReadOnlySpan<char> _text;
    private int _pos;

    public SipTextCursor(ReadOnlySpan<char> text)
    {
        _text = text;
        _pos = 0;
    }

    public readonly bool AtEnd => _pos >= _text.Length;

    public readonly int Position => _pos;

    public readonly char Peek => _pos < _text.Length ? _text[_pos] : '\0';

    public readonly ReadOnlySpan<char> Rest => _text[_pos..];

    public readonly ReadOnlySpan<char> Slice(int start, int end) => _text[start..end];

    public void Advance(int n = 1) => _pos += n;

    public void SkipWhite()
    {
        while (_pos < _text.Length && SipGrammar.IsWhite(_text[_pos])) _pos++;
    }

    /// <summary>Consumes <paramref name="c"/> with optional LWS around it (SWS c SWS).</summary>
    public bool TryConsume(char c)
    {
        var save = _pos;
        SkipWhite();
        if (_pos < _text.Length && _text[_pos] == c)
        {
            _pos++;
            SkipWhite();
            return true;
        }
        _pos = save;
        return false;
    }

    public void Expect(char c, string what)
    {
        if (!TryConsume(c)) throw new SipParseException(what);
    }

    public ReadOnlySpan<char> ReadToken(string what)
    {
        var start = _pos;
        while (_pos < _text.Length && SipGrammar.IsTokenChar(_text[_pos])) _pos++;
        if (_pos == start) throw new SipParseException(what);
        return _text[start.._pos];
    }

    /// <summary>Reads a gen-value: token, host (incl. IPv6 reference) or quoted-string (returned with quotes).</summary>
    public ReadOnlySpan<char> ReadGenValue(string what)
    {
        if (Peek == '"')
        {
            var startQ = _pos;
            ReadQuotedString(what);
            return _text[startQ.._pos];
        }
        var start = _pos;
        while (_pos < _text.Length && (SipGrammar.IsTokenChar(_text[_pos]) || _text[_pos] is ':' or '[' or ']')) _pos++;
        if (_pos == start) throw new SipParseException(what);
        return _text[start.._pos];
    }

    /// <summary>quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE; returns the unescaped content.</summary>
    public string ReadQuotedString(string what)
    {
        if (Peek != '"') throw new SipParseException(what);
        _pos++;
        var start = _pos;
        var hasEscape = false;
        while (true)
        {
            if (_pos >= _text.Length) throw new SipParseException("Unterminated quoted string");
            var c = _text[_pos];
            if (c == '"') break;
            if (c == '\\')
            {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                if (_pos + 1 >= _text.Length || _text[_pos + 1] is '\r' or '\n' || _text[_pos + 1] > 0x7F)
                    throw new SipParseException("Bad quoted-pair");
                hasEscape = true;
                _pos += 2;
                continue;
            }
            if (c is '\r' or '\n') throw new SipParseException("Bad character in quoted string");
            _pos++;
        }
        var content = _text[start.._pos];
        _pos++;
        return hasEscape ? Unescape(content) : new string(content);
    }

    private static string Unescape(ReadOnlySpan<char> content)
    {
        var chars = content.Length <= 256 ? stackalloc char[content.Length] : new char[content.Length];
        var n = 0;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == '\\') i++;
            chars[n++] = content[i];
        }
        return new string(chars[..n]);
    }
}
