namespace Ccgw.Media.Dtmf;

/// <summary>
/// DTMF carried in SIP INFO bodies, the out-of-band alternative to RFC 4733 that many PBXes use:
/// <c>application/dtmf-relay</c> ("Signal=5\r\nDuration=160", a de-facto format) and <c>application/dtmf</c> (just the digit).
/// Some senders encode * and # as 10 and 11, so numeric event codes 10-15 are accepted too.
/// </summary>
public static class SipInfoDtmf
{
    public static bool IsDtmfContentType(string? contentType) => MediaType(contentType) is "application/dtmf-relay" or "application/dtmf";

    public static bool TryParse(string? contentType, ReadOnlySpan<char> body, out char digit)
    {
        digit = '\0';
        switch (MediaType(contentType))
        {
            case "application/dtmf":
                return TryDigit(body.Trim(), out digit);
            case "application/dtmf-relay":
                foreach (var range in body.Split('\n'))
                {
                    var line = body[range].Trim();
                    var eq = line.IndexOf('=');
                    if (eq <= 0) continue;
                    if (line[..eq].Trim().Equals("Signal", StringComparison.OrdinalIgnoreCase))
                        return TryDigit(line[(eq + 1)..].Trim(), out digit);
                }
                return false;
            default:
                return false;
        }
    }

    private static bool TryDigit(ReadOnlySpan<char> value, out char digit)
    {
        digit = '\0';
        if (value.Length == 1)
        {
            var c = char.ToUpperInvariant(value[0]);
            if (c is (>= '0' and <= '9') or '*' or '#' or (>= 'A' and <= 'D'))
            {
                digit = c;
                return true;
            }
            return false;
        }
        return value.Length == 2 && value[0] == '1' && value[1] is >= '0' and <= '5'
            && TelephoneEvent.TryGetDigit((byte)(10 + (value[1] - '0')), out digit);
    }

    private static string? MediaType(string? contentType)
    {
        if (contentType is null) return null;
        var semi = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? contentType : contentType[..semi]).Trim().ToLowerInvariant();
    }
}
