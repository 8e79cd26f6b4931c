namespace Ccgw.Sip.Message;

/// <summary>
/// The only error the SIP parser lets escape. <see cref="Reason"/> is short, printable ASCII and safe to
/// put in a 400 reason phrase or Warning header (it never echoes peer bytes).
/// </summary>
public sealed class SipParseException : Exception
{
    public SipParseException(string reason) : base(reason) => Reason = reason;

    public SipParseException(string reason, int statusCode) : base(reason)
    {
        Reason = reason;
        StatusCode = statusCode;
    }

    public SipParseException() : this("Malformed message") { }

    public SipParseException(string message, Exception innerException) : base(message, innerException) => Reason = message;

    public string Reason { get; } = "Malformed message";

    /// <summary>Status to answer a request with (RFC 3261 §21.4.1 400 unless a more precise code applies).</summary>
    public int StatusCode { get; } = 400;
}
