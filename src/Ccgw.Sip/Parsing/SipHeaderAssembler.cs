using System.Buffers;
using System.Text;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Parsing;

/// <summary>Turns header lines into the typed model, enforcing single-valued headers (RFC 4475 §3.3.8, §3.3.9).</summary>
internal sealed class SipHeaderAssembler(SipMessage message)
{
    private bool _sawContact;

    public void Add(ReadOnlySpan<byte> line, SipParserOptions options)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0) throw new SipParseException("Header line without colon");
        var name = line[..colon].TrimEnd(" \t"u8);
        if (!SipGrammar.IsToken(name)) throw new SipParseException("Malformed header name");
        var raw = line[(colon + 1)..];
        var canonical = SipHeaderNames.Lookup(name, out var typed);
        // Typed headers are parsed straight from a scratch buffer; only the parts the model keeps become strings.
        char[]? rented = null;
        var scratch = raw.Length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(raw.Length));
        try
        {
            var value = SipMessageParser.DecodeValue(raw, scratch);
            AddDecoded(typed, canonical, name, raw, value, options);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void AddDecoded(TypedHeader typed, string? canonical, ReadOnlySpan<byte> name, ReadOnlySpan<byte> raw, ReadOnlySpan<char> value, SipParserOptions options)
    {
        switch (typed)
        {
            case TypedHeader.Via:
                SipVia.ParseList(value, message.Via);
                break;
            case TypedHeader.From:
                if (message.From is not null) throw new SipParseException("Multiple From headers");
                message.From = SipNameAddress.Parse(value);
                break;
            case TypedHeader.To:
                if (message.To is not null) throw new SipParseException("Multiple To headers");
                message.To = SipNameAddress.Parse(value);
                break;
            case TypedHeader.CallId:
                if (message.CallId is not null) throw new SipParseException("Multiple Call-ID headers");
                message.CallId = ParseCallId(value);
                break;
            case TypedHeader.CSeq:
                if (message.CSeq is not null) throw new SipParseException("Multiple CSeq headers");
                message.CSeq = SipCSeq.Parse(value);
                break;
            case TypedHeader.MaxForwards:
                if (message.MaxForwards is not null) throw new SipParseException("Multiple Max-Forwards headers");
                var mf = SipNumbers.ParseWholeUInt32(value, "Malformed Max-Forwards");
                if (mf > 255) throw new SipParseException("Max-Forwards out of range");
                message.MaxForwards = (int)mf;
                break;
            case TypedHeader.ContentLength:
                if (message.DeclaredContentLength is not null) throw new SipParseException("Multiple Content-Length headers");
                var cl = SipNumbers.ParseWholeUInt32(value, "Malformed Content-Length");
                if (cl > options.MaxBodyBytes) throw new SipParseException("Content-Length too large");
                message.DeclaredContentLength = (int)cl;
                break;
            case TypedHeader.ContentType:
                if (message.ContentType is not null) throw new SipParseException("Multiple Content-Type headers");
                if (!value.Contains('/')) throw new SipParseException("Malformed Content-Type");
                message.ContentType = new string(value);
                break;
            case TypedHeader.Expires:
                if (message.Expires is not null) throw new SipParseException("Multiple Expires headers");
                message.Expires = SipNumbers.ParseDeltaSeconds(value);
                break;
            case TypedHeader.Contact:
                AddContacts(value);
                break;
            case TypedHeader.Route:
                ParseAddressList(value, message.Route);
                break;
            case TypedHeader.RecordRoute:
                ParseAddressList(value, message.RecordRoute);
                break;
            default:
                message.Headers.Add(new SipHeader(canonical ?? Encoding.ASCII.GetString(name), new string(value))
                {
                    RawValue = canonical is null ? raw.TrimStart(" \t"u8).ToArray() : ReadOnlyMemory<byte>.Empty,
                });
                break;
        }
    }

    public void Complete()
    {
        if (message.ContactWildcard && message.Contact.Count > 0) throw new SipParseException("Contact '*' mixed with addresses");
    }

    private void AddContacts(ReadOnlySpan<char> value)
    {
        if (value.Trim(" \t").SequenceEqual("*"))
        {
            if (_sawContact) throw new SipParseException("Contact '*' mixed with addresses");
            message.ContactWildcard = true;
            _sawContact = true;
            return;
        }
        _sawContact = true;
        ParseAddressList(value, message.Contact);
    }

    private static void ParseAddressList(ReadOnlySpan<char> value, List<SipNameAddress> into)
    {
        var c = new SipTextCursor(value);
        while (true)
        {
            into.Add(SipNameAddress.ParseOne(ref c));
            c.SkipWhite();
            if (c.AtEnd) return;
            c.Expect(',', "Malformed address list");
        }
    }

    /// <summary>callid = word [ "@" word ] (§25.1).</summary>
    private static string ParseCallId(ReadOnlySpan<char> value)
    {
        if (value.Length == 0) throw new SipParseException("Empty Call-ID");
        var at = false;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (ch == '@' && !at && i > 0 && i < value.Length - 1)
            {
                at = true;
                continue;
            }
            if (!SipGrammar.IsWordChar(ch)) throw new SipParseException("Malformed Call-ID");
        }
        return new string(value);
    }
}
