namespace Ccgw.Web.Help;

/// <summary>
/// Parses what a customer typed as the number to call back: an E.164 number (ITU-T E.164: '+', country code, at most
/// 15 digits; spaces, dots, dashes and parentheses between digits are accepted and removed, a leading "00" is read as
/// '+') or a SIP URI (RFC 3261 §19.1: <c>sip:</c>/<c>sips:</c>, optional user part, host name, IPv4 or [IPv6], optional
/// port and parameters). Bounded: input longer than <see cref="MaxLength"/> is refused before it is looked at.
/// </summary>
public static class ContactAddress
{
    public const int MaxLength = 256;

    /// <summary>The normalised address (E.164 without separators, or the SIP URI with a lower-case scheme), or null with a reason.</summary>
    public static string? Parse(ReadOnlySpan<char> input, out string? error)
    {
        error = null;
        input = input.Trim();
        if (input.IsEmpty)
        {
            error = "enter the phone number to call, in international form (+ and country code), or a SIP address";
            return null;
        }
        if (input.Length > MaxLength)
        {
            error = $"at most {MaxLength} characters";
            return null;
        }
        if (input.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || input.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
            return ParseSipUri(input, out error);
        return ParseE164(input, out error);
    }

    public static string? ParseE164(ReadOnlySpan<char> input, out string? error)
    {
        Span<char> digits = stackalloc char[16];
        var count = 0;
        var i = 0;
        if (input.StartsWith("+")) i = 1;
        else if (input.StartsWith("00")) i = 2;
        else
        {
            error = "start with + and the country code (e.g. +44 20 7946 0018), or give a SIP address (sip:name@example.com)";
            return null;
        }
        for (; i < input.Length; i++)
        {
            var ch = input[i];
            if (ch is ' ' or '-' or '.' or '(' or ')') continue;
            if (!char.IsAsciiDigit(ch))
            {
                error = $"'{ch}' is not allowed in a phone number; use digits, spaces or dashes";
                return null;
            }
            if (count == 15)
            {
                error = "an international number has at most 15 digits";
                return null;
            }
            if (count == 0 && ch == '0')
            {
                error = "the country code cannot start with 0";
                return null;
            }
            digits[count++] = ch;
        }
        if (count < 3)
        {
            error = "too short for an international number";
            return null;
        }
        error = null;
        return string.Concat("+", digits[..count]);
    }

    public static string? ParseSipUri(ReadOnlySpan<char> input, out string? error)
    {
        var secure = input.StartsWith("sips:", StringComparison.OrdinalIgnoreCase);
        var rest = input[(secure ? 5 : 4)..];
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var user = rest[..at];
            if (user.IsEmpty || !IsUserPart(user))
            {
                error = "the part before @ is not a valid SIP user";
                return null;
            }
            rest = rest[(at + 1)..];
        }
        var paramsAt = rest.IndexOfAny(';', '?');
        var hostPort = paramsAt >= 0 ? rest[..paramsAt] : rest;
        if (paramsAt >= 0 && !IsParameters(rest[paramsAt..]))
        {
            error = "the URI parameters contain characters SIP does not allow";
            return null;
        }
        if (!IsHostPort(hostPort))
        {
            error = "give a host name or address after sip: (e.g. sip:alice@example.com)";
            return null;
        }
        error = null;
        return string.Concat(secure ? "sips:" : "sip:", input[(secure ? 5 : 4)..]);
    }

    // RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ).
    private static bool IsUserPart(ReadOnlySpan<char> user)
    {
        for (var i = 0; i < user.Length; i++)
        {
            var ch = user[i];
            if (char.IsAsciiLetterOrDigit(ch) || "-_.!~*'()&=+$,;?/".Contains(ch)) continue;
            if (ch == '%' && i + 2 < user.Length && char.IsAsciiHexDigit(user[i + 1]) && char.IsAsciiHexDigit(user[i + 2]))
            {
                i += 2;
                continue;
            }
            return false;
        }
        return true;
    }

    private static bool IsParameters(ReadOnlySpan<char> p)
    {
        foreach (var ch in p)
            if (!(char.IsAsciiLetterOrDigit(ch) || "-_.!~*'()&=+$,;?/:[]%".Contains(ch))) return false;
        return true;
    }

    private static bool IsHostPort(ReadOnlySpan<char> hostPort)
    {
        ReadOnlySpan<char> host;
        ReadOnlySpan<char> port = default;
        if (hostPort.StartsWith("["))
        {
            var close = hostPort.IndexOf(']');
            if (close < 3) return false;
            if (!System.Net.IPAddress.TryParse(hostPort[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                return false;
            var after = hostPort[(close + 1)..];
            if (!after.IsEmpty)
            {
                if (after[0] != ':') return false;
                port = after[1..];
                if (port.IsEmpty) return false;
            }
            return port.IsEmpty || IsPort(port);
        }
        var colon = hostPort.IndexOf(':');
        host = colon >= 0 ? hostPort[..colon] : hostPort;
        if (colon >= 0)
        {
            port = hostPort[(colon + 1)..];
            if (!IsPort(port)) return false;
        }
        return IsHostName(host);
    }

    private static bool IsPort(ReadOnlySpan<char> port) =>
        port.Length is > 0 and <= 5 && int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
        && n is > 0 and <= 65535;

    // RFC 3261 §25.1 hostname (labels of letters, digits and inner hyphens) or IPv4address (which is a hostname-shaped string).
    private static bool IsHostName(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > 253) return false;
        if (host[^1] == '.') host = host[..^1];
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var ch in label)
                if (!char.IsAsciiLetterOrDigit(ch) && ch != '-') return false;
        }
        return true;
    }
}
