using Ccgw.Media.Audio;

namespace Ccgw.Media.Playout;

/// <summary>What a frame carries, which decides its payload type, timestamp and marker bit.</summary>
public enum FrameKind
{
    Audio,
    /// <summary>First packet of an RFC 4733 event: marker set, the event's timestamp is taken from the clock.</summary>
    EventStart,
    /// <summary>Further packets of the same event, carrying the start timestamp (RFC 4733 §2.5.1.1).</summary>
    Event,
}

/// <summary>
/// Something the scheduler plays on a stream, pulled one 20 ms frame per tick. Implementations must not
/// block and should not allocate per frame: the scheduler calls them from its single timer loop.
/// </summary>
public interface IMediaSource
{
    /// <summary>Writes the next frame (at most 160 bytes) and returns its length, or 0 when the source is finished.</summary>
    int ReadFrame(Span<byte> payload, G711Codec codec, out FrameKind kind);
}

/// <summary>Where a stream's packets go; the UDP session implements it with a non-blocking send.</summary>
public interface IRtpSink
{
    void Send(ReadOnlySpan<byte> packet);
}

/// <summary>A sink that can also carry this stream's RTCP sender reports (RFC 3550 §6.4.1).</summary>
public interface IRtcpReportSink
{
    void SendSenderReport(uint ssrc, uint rtpTimestamp, uint packetCount, uint octetCount);
}

/// <summary>How a playback ended.</summary>
public enum PlaybackOutcome
{
    Completed,
    /// <summary>Stopped early: barge-in, <see cref="RtpOutputStream.StopPlayback"/>, cancellation or stream disposal.</summary>
    Interrupted,
}
