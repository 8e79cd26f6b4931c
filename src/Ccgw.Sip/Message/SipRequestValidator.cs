namespace Ccgw.Sip.Message;

/// <summary>Why a syntactically parsed request must still be refused before any transaction sees it.</summary>
public sealed record SipValidationFailure(int StatusCode, string Reason);

/// <summary>
/// Checks RFC 3261 §8.2 / §16.3 preconditions that the grammar alone does not enforce: mandatory headers,
/// version, CSeq method, a usable branch. Failures map to 400 (with the reason as phrase and Warning)
/// or 505. Returns null for a request that may proceed.
/// </summary>
public static class SipRequestValidator
{
    public static SipValidationFailure? Validate(SipRequest request)
    {
        if (request.Version != "SIP/2.0") return new(505, "Version Not Supported");
        if (request.Via.Count == 0) return new(400, "Missing Via header");
        if (request.From is null) return new(400, "Missing From header");
        if (request.To is null) return new(400, "Missing To header");
        if (request.CallId is null) return new(400, "Missing Call-ID header");
        if (request.CSeq is null) return new(400, "Missing CSeq header");
        if (!string.Equals(request.CSeq.Method, request.Method, StringComparison.Ordinal))
            return new(400, "CSeq method does not match Request-Line");
        foreach (var via in request.Via)
        {
            if (via.Protocol != "SIP/2.0") return new(400, "Unsupported Via protocol");
        }
        var branch = request.TopVia!.Branch;
        // A bare magic cookie is no transaction identifier at all (RFC 4475 §3.2.1).
        if (branch == SipVia.MagicCookie) return new(400, "Missing transaction identifier in branch");
        if (request.Headers.Get(SipHeaderNames.Date) is { } date && !date.TrimEnd().EndsWith(" GMT", StringComparison.Ordinal))
            return new(400, "Date must be in GMT");
        return null;
    }

    /// <summary>Responses that must be dropped silently (never answered, RFC 3261 §8.1.3.3 / §18.1.2).</summary>
    public static bool ShouldDropResponse(SipResponse response) =>
        response.Via.Count == 0 || response.CSeq is null || response.CallId is null || response.From is null || response.To is null
        || response.Version != "SIP/2.0";
}
