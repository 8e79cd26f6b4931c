using System.Buffers;
using System.Text;
using Ccgw.Sip.Message;

namespace Ccgw.Sip.Parsing;

/// <summary>
/// Byte-level SIP parser (RFC 3261 §7, §25). Framing and header-line splitting work on bytes; only
/// header values are decoded to strings, once, for the typed model. Every failure is a
/// <see cref="SipParseException"/>.
/// </summary>
public static class SipMessageParser
{
    /// <summary>
    /// Parses one UDP datagram. Octets beyond Content-Length are ignored and, without Content-Length, the
    /// body is the rest of the datagram (RFC 3261 §18.3).
    /// </summary>
    public static SipMessage ParseDatagram(ReadOnlySpan<byte> datagram, SipParserOptions? options = null)
    {
        options ??= SipParserOptions.Default;
        var start = SkipLeadingLineEnds(datagram);
        var data = datagram[start..];
        var (headEnd, bodyStart) = FindHeaderEnd(data, options.MaxHeaderBytes);
        if (headEnd < 0)
        {
            if (data.Length > options.MaxHeaderBytes) throw new SipParseException("Header section too large");
            throw new SipParseException("Missing empty line after headers");
        }
        var message = ParseHead(data[..headEnd], options);
        var available = data.Length - bodyStart;
        int bodyLength;
        if (message.DeclaredContentLength is { } cl)
        {
            if (cl > available) throw new SipParseException("Content-Length larger than message");
            bodyLength = cl;
        }
        else
        {
            bodyLength = Math.Min(available, options.MaxBodyBytes);
        }
        message.Body = bodyLength == 0 ? ReadOnlyMemory<byte>.Empty : data.Slice(bodyStart, bodyLength).ToArray();
        return message;
    }

    public static SipMessage ParseDatagram(ReadOnlySequence<byte> datagram, SipParserOptions? options = null) =>
        datagram.IsSingleSegment ? ParseDatagram(datagram.FirstSpan, options) : ParseDatagram(datagram.ToArray(), options);

    /// <summary>Non-throwing convenience over <see cref="ParseDatagram(ReadOnlySpan{byte}, SipParserOptions?)"/>.</summary>
    public static bool TryParseDatagram(ReadOnlySpan<byte> datagram, out SipMessage? message, out SipParseException? error, SipParserOptions? options = null)
    {
        try
        {
            message = ParseDatagram(datagram, options);
            error = null;
            return true;
        }
        catch (SipParseException e)
        {
            message = null;
            error = e;
            return false;
        }
    }

    /// <summary>
    /// Frames one message from a stream (TCP/TLS) where Content-Length is mandatory (§18.3). On
    /// <see cref="SipFrameStatus.Incomplete"/> the buffer is untouched; otherwise it is sliced past what was
    /// consumed. Malformed input throws; stream framing cannot recover from that, so the caller closes.
    /// </summary>
    public static SipFrameStatus TryReadStreamMessage(ref ReadOnlySequence<byte> buffer, out SipMessage? message, SipParserOptions? options = null)
    {
        options ??= SipParserOptions.Default;
        message = null;
        var reader = new SequenceReader<byte>(buffer);
        // RFC 5626 §4.4.1: CRLFCRLF is a keep-alive ping; stray CRLFs before a start line are ignored (§7.5).
        if (reader.IsNext("\r\n\r\n"u8, advancePast: true))
        {
            buffer = buffer.Slice(reader.Position);
            return SipFrameStatus.KeepAlive;
        }
        while (reader.TryPeek(out var b) && b is (byte)'\r' or (byte)'\n')
        {
            if (reader.Remaining < 4) return SipFrameStatus.Incomplete;
            reader.Advance(1);
        }
        if (reader.End) return SipFrameStatus.Incomplete;
        var skipped = reader.Consumed;

        if (!TryFindHeaderEnd(ref reader, options.MaxHeaderBytes, out var headLength, out var bodyOffset))
            return SipFrameStatus.Incomplete;

        var frame = buffer.Slice(skipped);
        SipMessage parsed;
        if (frame.IsSingleSegment)
        {
            parsed = ParseHead(frame.FirstSpan[..(int)headLength], options);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)headLength);
            try
            {
                frame.Slice(0, headLength).CopyTo(rented);
                parsed = ParseHead(rented.AsSpan(0, (int)headLength), options);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        if (parsed.DeclaredContentLength is not { } cl) throw new SipParseException("Content-Length required on stream transports");
        if (frame.Length - bodyOffset < cl) return SipFrameStatus.Incomplete;
        parsed.Body = cl == 0 ? ReadOnlyMemory<byte>.Empty : frame.Slice(bodyOffset, cl).ToArray();
        buffer = frame.Slice(bodyOffset + cl);
        message = parsed;
        return SipFrameStatus.Message;
    }

    private static bool TryFindHeaderEnd(ref SequenceReader<byte> reader, int maxHeaderBytes, out long headLength, out long bodyOffset)
    {
        var start = reader.Consumed;
        while (reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: true))
        {
            var lineEnd = reader.Consumed - start;
            if (lineEnd > maxHeaderBytes) throw new SipParseException("Header section too large");
            if (reader.IsNext((byte)'\n', advancePast: true))
            {
                headLength = lineEnd;
                bodyOffset = reader.Consumed - start;
                return true;
            }
            if (reader.IsNext("\r\n"u8, advancePast: true))
            {
                headLength = lineEnd;
                bodyOffset = reader.Consumed - start;
                return true;
            }
            if (reader.Remaining == 0 || (reader.Remaining == 1 && reader.TryPeek(out var b) && b == '\r')) break;
        }
        if (reader.Consumed - start > maxHeaderBytes || reader.Length - start > maxHeaderBytes) throw new SipParseException("Header section too large");
        headLength = bodyOffset = 0;
        return false;
    }

    private static int SkipLeadingLineEnds(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && data[i] is (byte)'\r' or (byte)'\n') i++;
        return i;
    }

    /// <summary>Index where the empty line starts (end of the last header line incl. its LF) and where the body starts.</summary>
    private static (int HeadEnd, int BodyStart) FindHeaderEnd(ReadOnlySpan<byte> data, int maxHeaderBytes)
    {
        var pos = 0;
        while (true)
        {
            var lf = data[pos..].IndexOf((byte)'\n');
            if (lf < 0) return (-1, -1);
            pos += lf + 1;
            if (pos > maxHeaderBytes) throw new SipParseException("Header section too large");
            if (pos < data.Length && data[pos] == '\n') return (pos, pos + 1);
            if (pos + 1 < data.Length && data[pos] == '\r' && data[pos + 1] == '\n') return (pos, pos + 2);
        }
    }

    /// <summary>Parses the start line and header lines; <paramref name="head"/> ends after the last header's line end.</summary>
    internal static SipMessage ParseHead(ReadOnlySpan<byte> head, SipParserOptions options)
    {
        var lineEnd = head.IndexOf((byte)'\n');
        if (lineEnd < 0) throw new SipParseException("Missing start line");
        var startLine = TrimCr(head[..lineEnd]);
        var message = SipStartLineParser.Parse(startLine);
        var pos = lineEnd + 1;
        var builder = new SipHeaderAssembler(message);
        var count = 0;
        while (pos < head.Length)
        {
            // A logical header line runs until a line end not followed by SP/HT (folding, §7.3.1).
            var lineStart = pos;
            int end;
            while (true)
            {
                var lf = head[pos..].IndexOf((byte)'\n');
                end = lf < 0 ? head.Length : pos + lf;
                pos = lf < 0 ? head.Length : end + 1;
                if (pos < head.Length && head[pos] is (byte)' ' or (byte)'\t') continue;
                break;
            }
            if (++count > options.MaxHeaderCount) throw new SipParseException("Too many headers");
            var line = head[lineStart..end];
            if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t') throw new SipParseException("Continuation line without header");
            builder.Add(TrimCr(line), options);
        }
        builder.Complete();
        return message;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    /// <summary>
    /// Decodes a header value into <paramref name="scratch"/> (at least raw.Length chars) without allocating;
    /// folding and stray line ends become SP, surrounding LWS is trimmed (§7.3.1).
    /// </summary>
    internal static ReadOnlySpan<char> DecodeValue(ReadOnlySpan<byte> raw, Span<char> scratch)
    {
        var n = Encoding.UTF8.GetChars(raw.Trim(" \t"u8), scratch);
        var chars = scratch[..n];
        chars.Replace('\r', ' ');
        chars.Replace('\n', ' ');
        return ((ReadOnlySpan<char>)chars).Trim(" \t");
    }
}
