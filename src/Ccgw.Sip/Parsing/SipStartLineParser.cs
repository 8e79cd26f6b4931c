using System.Text;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Parsing;

/// <summary>Request-Line and Status-Line (RFC 3261 §7.1, §7.2, §25.1): single SP separators, nothing trailing.</summary>
internal static class SipStartLineParser
{
    public static SipMessage Parse(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("SIP/"u8) || line.StartsWith("sip/"u8)) return ParseStatusLine(line);
        return ParseRequestLine(line);
    }

    private static SipRequest ParseRequestLine(ReadOnlySpan<byte> line)
    {
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) throw new SipParseException("Malformed Request-Line");
        var method = line[..sp1];
        if (!SipGrammar.IsToken(method)) throw new SipParseException("Malformed method");
        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0) throw new SipParseException("Malformed Request-Line");
        var uriBytes = rest[..sp2];
        var versionBytes = rest[(sp2 + 1)..];
        var version = ParseVersion(versionBytes) ?? throw new SipParseException("Malformed SIP-Version in Request-Line");
        var uri = SipUri.Parse(Encoding.Latin1.GetString(uriBytes));
        // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
        if (uri.IsSip && uri.Headers is not null) throw new SipParseException("Request-URI must not contain headers");
        return new SipRequest(KnownMethod(method) ?? Encoding.ASCII.GetString(method), uri) { Version = version };
    }

    private static SipResponse ParseStatusLine(ReadOnlySpan<byte> line)
    {
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) throw new SipParseException("Malformed Status-Line");
        var version = ParseVersion(line[..sp1]) ?? throw new SipParseException("Malformed SIP-Version in Status-Line");
        var rest = line[(sp1 + 1)..];
        if (rest.Length < 3 || (rest.Length > 3 && rest[3] != ' ')) throw new SipParseException("Malformed Status-Code");
        var code = 0;
        for (var i = 0; i < 3; i++)
        {
            if (!SipGrammar.IsDigit(rest[i])) throw new SipParseException("Malformed Status-Code");
            code = code * 10 + (rest[i] - '0');
        }
        if (code is < 100 or > 699) throw new SipParseException("Status-Code out of range");
        var reason = rest.Length > 4 ? Encoding.UTF8.GetString(rest[4..]) : string.Empty;
        foreach (var c in rest[3..])
            if (c < 0x20 && c != '\t') throw new SipParseException("Control character in Reason-Phrase");
        return new SipResponse(code, reason) { Version = version };
    }

    /// <summary>"SIP" "/" 1*DIGIT "." 1*DIGIT; returns the canonical upper-case form or null.</summary>
    private static string? ParseVersion(ReadOnlySpan<byte> v)
    {
        if (v.Length < 7 || !Ascii.EqualsIgnoreCase(v[..4], "SIP/"u8)) return null;
        var nums = v[4..];
        var dot = nums.IndexOf((byte)'.');
        if (dot <= 0 || dot == nums.Length - 1) return null;
        foreach (var c in nums[..dot]) if (!SipGrammar.IsDigit(c)) return null;
        foreach (var c in nums[(dot + 1)..]) if (!SipGrammar.IsDigit(c)) return null;
        return nums.SequenceEqual("2.0"u8) ? "SIP/2.0" : "SIP/" + Encoding.ASCII.GetString(nums);
    }

    /// <summary>Interns the common methods so parsing them allocates nothing.</summary>
    private static string? KnownMethod(ReadOnlySpan<byte> m) => m switch
    {
        _ when m.SequenceEqual("INVITE"u8) => SipMethods.Invite,
        _ when m.SequenceEqual("ACK"u8) => SipMethods.Ack,
        _ when m.SequenceEqual("BYE"u8) => SipMethods.Bye,
        _ when m.SequenceEqual("CANCEL"u8) => SipMethods.Cancel,
        _ when m.SequenceEqual("OPTIONS"u8) => SipMethods.Options,
        _ when m.SequenceEqual("REGISTER"u8) => SipMethods.Register,
        _ when m.SequenceEqual("INFO"u8) => SipMethods.Info,
        _ => null,
    };
}
