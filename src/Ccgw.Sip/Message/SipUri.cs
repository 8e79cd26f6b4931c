using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using Ccgw.Sip.Parsing;

namespace Ccgw.Sip.Message;

/// <summary>
/// A SIP or SIPS URI (RFC 3261 §19.1) or, for any other scheme, an opaque absolute URI kept verbatim
/// (RFC 4475 §3.3.2/§3.3.4: unknown schemes are well-formed and must not break the parser).
/// User and password are kept in their escaped form; <see cref="UserUnescaped"/> decodes one level only
/// (RFC 4475 §3.1.1.3: never unescape recursively).
/// </summary>
public sealed class SipUri
{
    private readonly string? _opaque;

    public SipUri(string scheme, string? user, string host, int? port = null)
    {
        Scheme = scheme.ToLowerInvariant();
        User = user;
        Host = host;
        Port = port;
    }

    private SipUri(string scheme, string opaque)
    {
        Scheme = scheme.ToLowerInvariant();
        _opaque = opaque;
        Host = string.Empty;
    }

    public string Scheme { get; }

    public bool IsSip => _opaque is null;

    public bool IsSecure => Scheme == "sips";

    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>Host name, IPv4 literal or bracketed IPv6 reference.</summary>
    public string Host { get; init; }

    public int? Port { get; init; }

    public SipParameters Parameters { get; init; } = new();

    /// <summary>The raw "?h=v&amp;..." part without the '?', still escaped (never turned into real headers).</summary>
    public string? Headers { get; init; }

    public string? UserUnescaped => User is null ? null : PercentDecode(User);

    public string? Transport => Parameters.Get("transport");

    /// <summary>"user@host" with the user unescaped and the host lower-cased: the AOR comparison key (§10.3).</summary>
    public string AddressOfRecordKey =>
        IsSip
            ? string.Concat(Scheme == "sips" ? "sip" : Scheme, ":", UserUnescaped ?? string.Empty, "@", Host.ToLowerInvariant())
            : ToString();

    public SipUri WithoutParameters() => IsSip ? new SipUri(Scheme, User, Host, Port) { Password = Password } : this;

    public override string ToString() => SipWire.Render(this, static (u, o) => u.WriteTo(o));

    public void WriteTo(IBufferWriter<byte> output)
    {
        SipWire.Put(output, Scheme);
        SipWire.Put(output, ':');
        if (_opaque is not null)
        {
            SipWire.Put(output, _opaque);
            return;
        }
        if (User is not null)
        {
            SipWire.Put(output, User);
            if (Password is not null)
            {
                SipWire.Put(output, ':');
                SipWire.Put(output, Password);
            }
            SipWire.Put(output, '@');
        }
        SipWire.Put(output, Host);
        if (Port is { } p)
        {
            SipWire.Put(output, ':');
            SipWire.PutNumber(output, p);
        }
        Parameters.WriteTo(output);
        if (Headers is not null)
        {
            SipWire.Put(output, '?');
            SipWire.Put(output, Headers);
        }
    }

    public static SipUri Parse(string text) => Parse(text.AsSpan());

    public static bool TryParse(string text, out SipUri? uri)
    {
        try
        {
            uri = Parse(text);
            return true;
        }
        catch (SipParseException)
        {
            uri = null;
            return false;
        }
    }

    public static SipUri Parse(ReadOnlySpan<char> s)
    {
        var colon = s.IndexOf(':');
        if (colon <= 0) throw new SipParseException("Malformed URI: no scheme");
        var scheme = s[..colon];
        if (!char.IsAsciiLetter(scheme[0])) throw new SipParseException("Malformed URI scheme");
        foreach (var ch in scheme)
            if (!(SipGrammar.IsAlphaNum(ch) || ch is '+' or '-' or '.')) throw new SipParseException("Malformed URI scheme");
        var rest = s[(colon + 1)..];
        var isSip = scheme.Equals("sip", StringComparison.OrdinalIgnoreCase) || scheme.Equals("sips", StringComparison.OrdinalIgnoreCase);
        if (!isSip)
        {
            if (rest.IsEmpty) throw new SipParseException("Malformed URI");
            foreach (var ch in rest)
                if (ch <= ' ' || ch >= 0x7F || ch is '<' or '>' or '"') throw new SipParseException("Malformed absolute URI");
            return new SipUri(new string(scheme), new string(rest));
        }

        string? user = null, password = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var userinfo = rest[..at];
            var pc = userinfo.IndexOf(':');
            var u = pc >= 0 ? userinfo[..pc] : userinfo;
            if (u.IsEmpty) throw new SipParseException("Malformed URI: empty user");
            Validate(u, SipGrammar.IsUserChar, "Malformed URI user");
            user = new string(u);
            if (pc >= 0)
            {
                var pw = userinfo[(pc + 1)..];
                Validate(pw, SipGrammar.IsPasswordChar, "Malformed URI password");
                password = new string(pw);
            }
            rest = rest[(at + 1)..];
        }

        var i = 0;
        string host;
        if (rest.Length > 0 && rest[0] == '[')
        {
            var close = rest.IndexOf(']');
            if (close < 0) throw new SipParseException("Malformed IPv6 reference");
            var inner = rest[1..close];
            if (!IPAddress.TryParse(inner, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                throw new SipParseException("Malformed IPv6 reference");
            host = new string(rest[..(close + 1)]);
            i = close + 1;
        }
        else
        {
            while (i < rest.Length && SipGrammar.IsHostChar(rest[i])) i++;
            if (i == 0) throw new SipParseException("Malformed URI host");
            host = new string(rest[..i]);
        }

        int? port = null;
        if (i < rest.Length && rest[i] == ':')
        {
            i++;
            port = ReadPort(rest, ref i);
        }

        var parameters = new SipParameters();
        while (i < rest.Length && rest[i] == ';')
        {
            i++;
            var ns = i;
            while (i < rest.Length && rest[i] is not ('=' or ';' or '?')) i++;
            var name = rest[ns..i];
            if (name.IsEmpty) throw new SipParseException("Malformed URI parameter");
            Validate(name, SipGrammar.IsParamChar, "Malformed URI parameter");
            string? value = null;
            if (i < rest.Length && rest[i] == '=')
            {
                i++;
                var vs = i;
                while (i < rest.Length && rest[i] is not (';' or '?')) i++;
                var v = rest[vs..i];
                if (v.IsEmpty) throw new SipParseException("Malformed URI parameter");
                Validate(v, SipGrammar.IsParamChar, "Malformed URI parameter");
                value = new string(v);
            }
            parameters.Set(new string(name), value);
        }

        string? headers = null;
        if (i < rest.Length && rest[i] == '?')
        {
            var h = rest[(i + 1)..];
            Validate(h, c => c is '=' or '&' || SipGrammar.IsHeaderChar(c), "Malformed URI headers");
            headers = new string(h);
            i = rest.Length;
        }
        if (i != rest.Length) throw new SipParseException("Malformed URI");
        return new SipUri(new string(scheme), user, host, port) { Password = password, Parameters = parameters, Headers = headers };
    }

    private static int ReadPort(ReadOnlySpan<char> s, ref int i)
    {
        var start = i;
        var value = 0;
        while (i < s.Length && SipGrammar.IsDigit(s[i]))
        {
            value = value * 10 + (s[i] - '0');
            if (value > 65535) throw new SipParseException("Port out of range");
            i++;
        }
        if (i == start) throw new SipParseException("Malformed port");
        return value;
    }

    private static void Validate(ReadOnlySpan<char> s, Func<int, bool> allowed, string error)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length) throw new SipParseException(error);
                if (!SipGrammar.IsHex(s[i + 1]) || !SipGrammar.IsHex(s[i + 2])) throw new SipParseException(error);
                i += 2;
                continue;
            }
            if (!allowed(c)) throw new SipParseException(error);
        }
    }

    /// <summary>Decodes %HH once. Bytes are reassembled as UTF-8; %00 is kept as U+0000 (never truncates).</summary>
    public static string PercentDecode(string s)
    {
        if (!s.Contains('%', StringComparison.Ordinal)) return s;
        var bytes = new List<byte>(s.Length);
        Span<byte> tmp = stackalloc byte[4];
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && SipGrammar.IsHex(s[i + 1]) && SipGrammar.IsHex(s[i + 2]))
            {
                bytes.Add(byte.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                var n = Encoding.UTF8.GetBytes(s.AsSpan(i, 1), tmp);
                for (var k = 0; k < n; k++) bytes.Add(tmp[k]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
