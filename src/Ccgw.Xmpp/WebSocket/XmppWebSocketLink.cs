using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Ccgw.Xmpp.Xml;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.WebSocket;

/// <summary>
/// Carries one XMPP-over-WebSocket connection (RFC 7395) into the c2s server: the server reads and writes an ordinary
/// stream through <see cref="ServerSide"/>, and two loops translate between that stream and WebSocket messages
/// (<see cref="Rfc7395Inbound"/>, <see cref="Rfc7395Outbound"/>). A message the framing refuses, a binary message
/// (§3.2: text only) or one over the size limit ends the stream with a stream error and &lt;close/&gt;, then the
/// WebSocket with a matching status; the server sees its input end as it would on a dropped TCP link. Bounded: at most
/// one message (the stanza limit) is held, and the pipe to the server pauses the socket when the server falls behind.
/// </summary>
internal sealed partial class XmppWebSocketLink
{
    private const int ReceiveChunk = 8 * 1024;

    /// <summary>How long the client has to answer our WebSocket close before the socket is aborted.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly System.Net.WebSockets.WebSocket _socket;
    private readonly string _domain;
    private readonly XmlStreamLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly EndPoint? _remote;
    private readonly Pipe _toServer;
    private readonly Pipe _fromServer = new(new PipeOptions(useSynchronizationContext: false));
    private volatile Refusal? _refusal;

    public XmppWebSocketLink(System.Net.WebSockets.WebSocket socket, string domain, XmlStreamLimits limits, TimeProvider time, ILogger log, EndPoint? remote)
    {
        _socket = socket;
        _domain = domain;
        _limits = limits;
        _time = time;
        _log = log;
        _remote = remote;
        // The server's parser takes at most a stanza at a time; two messages' worth in flight is enough.
        var pause = Math.Max(64 * 1024, 2L * limits.MaxStanzaBytes);
        _toServer = new Pipe(new PipeOptions(pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, useSynchronizationContext: false));
        ServerSide = new Duplex(_toServer.Reader, _fromServer.Writer);
    }

    /// <summary>The c2s stream as the server sees it.</summary>
    public IDuplexPipe ServerSide { get; }

    /// <summary>Runs both directions until the server has finished with the stream and the socket is closed.</summary>
    public async Task RunAsync(Task serving, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serving);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inbound = InboundAsync(stop.Token);
        try
        {
            await OutboundAsync(cancellationToken).ConfigureAwait(false);
            await serving.ConfigureAwait(false);
        }
        finally
        {
            // The client answers our close frame, or is cut off after a grace period.
            try
            {
                await inbound.WaitAsync(CloseGrace, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                LogCloseUnanswered(_log, _remote);
                _socket.Abort();
                await stop.CancelAsync().ConfigureAwait(false);
                await inbound.ConfigureAwait(false);
            }
        }
    }

    /// <summary>WebSocket messages into the server's stream; never throws (the loop is observed by <see cref="RunAsync"/>).</summary>
    private async Task InboundAsync(CancellationToken cancellationToken)
    {
        var framing = new Rfc7395Inbound(_limits);
        var chunk = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        var writer = _toServer.Writer;
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(chunk.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close) return;
                if (received.MessageType != WebSocketMessageType.Text)
                {
                    Refuse(new Refusal(StreamErrorConditions.BadFormat, "XMPP messages are text (RFC 7395 §3.2)", WebSocketCloseStatus.InvalidMessageType));
                    return;
                }
                if (!framing.Append(chunk.AsSpan(0, received.Count)) || received.EndOfMessage)
                {
                    var outcome = framing.Complete(writer);
                    if (outcome == InboundFrame.Refused)
                    {
                        Refuse(new Refusal(framing.ErrorCondition, framing.ErrorText,
                            framing.TooLarge ? WebSocketCloseStatus.MessageTooBig : WebSocketCloseStatus.InvalidPayloadData));
                        return;
                    }
                    var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCompleted) return; // the server stopped reading: the outbound loop closes
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // A dropped link: the server keeps a resumable session (XEP-0198) as for a dropped TCP connection.
            LogDropped(_log, _remote, e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Refuse(Refusal refusal)
    {
        _refusal = refusal;
        LogRefused(_log, _remote, refusal.Condition, refusal.Text);
    }

    /// <summary>The server's stream out as WebSocket messages, then the close; never throws.</summary>
    private async Task OutboundAsync(CancellationToken cancellationToken)
    {
        var framing = new Rfc7395Outbound(new XmlStreamLimits { MaxStanzaBytes = 16 * 1024 * 1024, MaxDepth = 256, MaxAttributes = 1024 });
        var reader = _fromServer.Reader;
        var opened = false;
        var closed = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (!closed && framing.TryNext(ref buffer, out var frame))
                    {
                        if (frame.Close && _refusal is not null) break; // ours comes with the error below
                        await SendAsync(frame.Text, cancellationToken).ConfigureAwait(false);
                        opened |= frame.Text.StartsWith("<open", StringComparison.Ordinal);
                        closed = frame.Close;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted || result.IsCanceled) break;
            }
            var status = WebSocketCloseStatus.NormalClosure;
            if (_refusal is { } refusal && !closed)
            {
                // RFC 6120 §4.9.1.1: a stream error is preceded by a header when none was sent.
                if (!opened) await SendAsync($"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='{System.Security.SecurityElement.Escape(_domain)}' version='1.0'/>", cancellationToken).ConfigureAwait(false);
                await SendAsync(StreamError(refusal), cancellationToken).ConfigureAwait(false);
                await SendAsync("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", cancellationToken).ConfigureAwait(false);
                status = refusal.Status;
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(status, null, cancellationToken).ConfigureAwait(false);
        }
        catch (XmlStreamException e)
        {
            // The server's own output did not parse: a bug of ours, not the client's; end the link, loudly.
            LogServerOutputBroken(_log, _remote, e);
            _socket.Abort();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            LogDropped(_log, _remote, e.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private ValueTask SendAsync(string text, CancellationToken cancellationToken) =>
        _socket.SendAsync(new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private static string StreamError(Refusal refusal) =>
        $"<stream:error xmlns:stream='http://etherx.jabber.org/streams'><{refusal.Condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
        $"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{System.Security.SecurityElement.Escape(refusal.Text)}</text></stream:error>";

    private sealed record Refusal(string Condition, string Text, WebSocketCloseStatus Status);

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    [LoggerMessage(EventId = 18100, Level = LogLevel.Information, Message = "XMPP WebSocket from {Remote} refused a message ({Condition}): {Reason}")]
    private static partial void LogRefused(ILogger logger, EndPoint? remote, string condition, string reason);

    [LoggerMessage(EventId = 18101, Level = LogLevel.Debug, Message = "XMPP WebSocket from {Remote} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 18102, Level = LogLevel.Debug, Message = "XMPP WebSocket from {Remote} did not answer the close in time; aborted")]
    private static partial void LogCloseUnanswered(ILogger logger, EndPoint? remote);

    [LoggerMessage(EventId = 18103, Level = LogLevel.Error, Message = "XMPP WebSocket to {Remote}: the server's stream could not be framed")]
    private static partial void LogServerOutputBroken(ILogger logger, EndPoint? remote, Exception error);
}
