namespace Ccgw.Media.Sdp;

/// <summary>An SDP body that does not follow RFC 4566 closely enough to negotiate from (the SIP layer answers 400).</summary>
public sealed class SdpParseException : Exception
{
    public SdpParseException(string message) : base(message) { }
    public SdpParseException(string message, Exception inner) : base(message, inner) { }
    public SdpParseException() { }
}
