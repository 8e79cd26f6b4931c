using System.Buffers;
using System.Text;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Message;

/// <summary>name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route (RFC 3261 §20).</summary>
public sealed class SipNameAddress
{
    public SipNameAddress(SipUri uri, string? displayName = null)
    {
        Uri = uri;
        DisplayName = displayName;
    }

    /// <summary>Display name without quotes (null when absent).</summary>
    public string? DisplayName { get; set; }

    public SipUri Uri { get; set; }

    public SipParameters Parameters { get; init; } = new();

    public string? Tag
    {
        get => Parameters.Get("tag");
        set
        {
            if (value is null) Parameters.Remove("tag");
            else Parameters.Set("tag", value);
        }
    }

    public SipNameAddress Clone() => new(Uri, DisplayName) { Parameters = Parameters.Clone() };

    public override string ToString() => SipWire.Render(this, static (n, o) => n.WriteTo(o));

    public void WriteTo(IBufferWriter<byte> output)
    {
        if (DisplayName is not null)
        {
            SipWire.Put(output, '"');
            var rest = DisplayName.AsSpan();
            while (true)
            {
                var i = rest.IndexOfAny('"', '\\');
                if (i < 0)
                {
                    SipWire.Put(output, rest);
                    break;
                }
                SipWire.Put(output, rest[..i]);
                SipWire.Put(output, '\\');
                SipWire.Put(output, rest[i]);
                rest = rest[(i + 1)..];
            }
            SipWire.Put(output, "\" "u8);
        }
        SipWire.Put(output, '<');
        Uri.WriteTo(output);
        SipWire.Put(output, '>');
        Parameters.WriteTo(output);
    }

    public static SipNameAddress Parse(string value) => Parse(value.AsSpan());

    internal static SipNameAddress Parse(ReadOnlySpan<char> value)
    {
        var c = new SipTextCursor(value);
        c.SkipWhite();
        var na = ParseOne(ref c);
        c.SkipWhite();
        if (!c.AtEnd) throw new SipParseException("Unexpected text after address");
        return na;
    }

    /// <summary>Parses one element; leaves the cursor before a following ',' or at the end.</summary>
    internal static SipNameAddress ParseOne(ref SipTextCursor c)
    {
        c.SkipWhite();
        string? display = null;
        SipUri uri;
        if (c.Peek == '"')
        {
            display = c.ReadQuotedString("Malformed display name");
            c.SkipWhite();
            uri = ReadBracketed(ref c);
        }
        else if (TryReadTokenDisplayName(ref c, out display))
        {
            uri = ReadBracketed(ref c);
        }
        else if (c.Peek == '<')
        {
            uri = ReadBracketed(ref c);
        }
        else
        {
            // addr-spec without <>: its ';' parameters are header parameters, and it cannot carry
            // ',', '?' or ';' itself (RFC 3261 §20.10, RFC 4475 §3.1.2.13).
            var start = c.Position;
            while (!c.AtEnd && c.Peek is not (';' or ',' or ' ' or '\t')) c.Advance();
            var text = c.Slice(start, c.Position);
            if (text.IsEmpty) throw new SipParseException("Missing address");
            if (text.Contains('?')) throw new SipParseException("URI with headers must be enclosed in <>");
            uri = SipUri.Parse(text);
        }
        var na = new SipNameAddress(uri, display);
        SipParameters.ParseHeaderParams(ref c, na.Parameters);
        c.SkipWhite();
        if (!c.AtEnd && c.Peek != ',') throw new SipParseException("Unexpected text after address");
        return na;
    }

    private static bool TryReadTokenDisplayName(ref SipTextCursor c, out string? display)
    {
        // display-name = *(token LWS): only a name-addr when a '<' follows the tokens.
        var copy = c;
        var start = copy.Position;
        var end = start;
        var any = false;
        while (SipGrammar.IsTokenChar(copy.Peek))
        {
            while (SipGrammar.IsTokenChar(copy.Peek)) copy.Advance();
            end = copy.Position;
            any = true;
            copy.SkipWhite();
        }
        if (!any || copy.Peek != '<')
        {
            display = null;
            return false;
        }
        display = NormalizeSpaces(copy.Slice(start, end));
        c = copy;
        return true;
    }

    private static string NormalizeSpaces(ReadOnlySpan<char> s)
    {
        var sb = new StringBuilder(s.Length);
        var space = false;
        foreach (var ch in s)
        {
            if (SipGrammar.IsWhite(ch)) space = true;
            else
            {
                if (space) sb.Append(' ');
                space = false;
                sb.Append(ch);
            }
        }
        return sb.ToString();
    }

    private static SipUri ReadBracketed(ref SipTextCursor c)
    {
        if (c.Peek != '<') throw new SipParseException("Expected '<'");
        c.Advance();
        var start = c.Position;
        while (!c.AtEnd && c.Peek != '>') c.Advance();
        if (c.AtEnd) throw new SipParseException("Missing '>'");
        var uri = SipUri.Parse(c.Slice(start, c.Position));
        c.Advance();
        return uri;
    }
}
