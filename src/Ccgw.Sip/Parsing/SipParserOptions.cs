namespace Ccgw.Sip.Parsing;

/// <summary>Bounds that keep a hostile peer from making the parser allocate or scan without limit.</summary>
public sealed record SipParserOptions
{
    public static SipParserOptions Default { get; } = new();

    /// <summary>Start line plus all header lines, in bytes.</summary>
    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    public int MaxHeaderCount { get; init; } = 256;

    public int MaxBodyBytes { get; init; } = 256 * 1024;
}

/// <summary>Outcome of trying to frame one message from a stream buffer.</summary>
public enum SipFrameStatus
{
    /// <summary>Not enough bytes yet; nothing was consumed.</summary>
    Incomplete,

    /// <summary>A message was framed and parsed; the buffer now starts after it.</summary>
    Message,

    /// <summary>An RFC 5626 CRLFCRLF keep-alive ping was consumed; answer with a single CRLF.</summary>
    KeepAlive,
}
