namespace Ccgw.Sip.Message;

/// <summary>Builds responses from requests as RFC 3261 §8.2.6.2 prescribes (copy Via, From, To, Call-ID, CSeq).</summary>
public static class SipResponseFactory
{
    public static SipResponse Create(SipRequest request, int statusCode, string? reasonPhrase = null, string? toTag = null)
    {
        var response = new SipResponse(statusCode, reasonPhrase ?? SipReasonPhrases.For(statusCode));
        response.Via.AddRange(request.Via);
        response.From = request.From?.Clone();
        response.To = request.To?.Clone();
        if (response.To is { Tag: null } to && statusCode > 100 && toTag is not null) to.Tag = toTag;
        response.CallId = request.CallId;
        response.CSeq = request.CSeq;
        return response;
    }
}

public static class SipReasonPhrases
{
    public static string For(int code) => code switch
    {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        603 => "Decline",
        _ when code < 200 => "Provisional",
        _ when code < 300 => "OK",
        _ => "Error",
    };
}
