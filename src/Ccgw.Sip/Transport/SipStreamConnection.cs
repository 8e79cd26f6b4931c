using System.Buffers;
using System.IO.Pipelines;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Transport;

/// <summary>
/// One TCP/TLS connection, framed by Content-Length (RFC 3261 §18.3) over a <see cref="PipeReader"/> so the
/// same code serves a raw socket, an SslStream or a Kestrel connection. A framing error is unrecoverable on
/// a stream, so the connection answers 400 when it can and closes (RFC 4475 §3.1.2.3, §3.3.9) — after lingering
/// briefly, because requests framed before the error are still being answered and their responses need the
/// connection (a REGISTER's 401 was lost that way when the close won the race).
/// </summary>
internal sealed class SipStreamConnection
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SipParserOptions _parser;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _errorLinger;
    private readonly ILogger _log;

    public SipStreamConnection(PipeReader input, PipeWriter output, SipEndPoint remote, SipParserOptions parser, TimeProvider time,
        TimeSpan idleTimeout, ILogger log, TimeSpan? errorLinger = null)
    {
        _errorLinger = errorLinger ?? SipTransportOptions.DefaultStreamErrorLinger;
        _input = input;
        _output = output;
        Remote = remote;
        _parser = parser;
        _time = time;
        _idleTimeout = idleTimeout;
        _log = log;
    }

    public SipEndPoint Remote { get; }

    /// <summary>Reads and dispatches messages until the peer closes, the idle limit passes or framing fails.</summary>
    public async Task RunAsync(Action<SipMessage, SipEndPoint> onMessage, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var idle = new CancellationTokenSource(_idleTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, cancellationToken);
                ReadResult result;
                try
                {
                    result = await _input.ReadAsync(linked.Token);
                }
                catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    _log.IdleConnectionClosed(Remote);
                    return;
                }
                if (result.IsCanceled) return;
                var buffer = result.Buffer;
                var stop = false;
                try
                {
                    while (true)
                    {
                        var status = SipMessageParser.TryReadStreamMessage(ref buffer, out var message, _parser);
                        if (status == SipFrameStatus.Incomplete) break;
                        if (status == SipFrameStatus.KeepAlive)
                        {
                            await SendAsync("\r\n"u8.ToArray(), cancellationToken);
                            continue;
                        }
                        onMessage(message!, Remote);
                    }
                }
                catch (SipParseException e)
                {
                    // From the message that failed, not the read's start: earlier messages of the read were dispatched
                    // and are answered on their own, and a 400 echoing one of their Call-IDs would answer it wrongly.
                    await AnswerFramingErrorAsync(buffer, e, cancellationToken);
                    stop = true;
                }
                if (stop)
                {
                    _input.AdvanceTo(result.Buffer.End);
                    await LingerAsync(cancellationToken);
                    return;
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted) return;
            }
        }
        finally
        {
            await _input.CompleteAsync();
            await _output.CompleteAsync();
        }
    }

    private async Task AnswerFramingErrorAsync(ReadOnlySequence<byte> buffer, SipParseException error, CancellationToken ct)
    {
        _log.FramingError(Remote, error.Reason);
        var head = buffer.Slice(0, Math.Min(buffer.Length, _parser.MaxHeaderBytes)).ToArray();
        if (SipMalformedRequestResponder.BuildResponse(head, error) is { } answer) await SendAsync(answer, ct);
    }

    /// <summary>
    /// After a framing error: no more messages are read from this connection (nothing after the error can be framed,
    /// so input is discarded), but it stays open for writing for <see cref="_errorLinger"/>, so that the answers to
    /// the requests framed before the error still reach the peer.
    /// </summary>
    private async Task LingerAsync(CancellationToken cancellationToken)
    {
        using var linger = new CancellationTokenSource(_errorLinger, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(linger.Token, cancellationToken);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(linked.Token);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCanceled) return; // Abort()
                if (result.IsCompleted) await Task.Delay(Timeout.InfiniteTimeSpan, _time, linked.Token); // the peer stopped sending, it may still read
            }
        }
        catch (OperationCanceledException) when (linger.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The linger ran out: the expected end, the caller closes the connection.
        }
    }

    /// <summary>Ends the connection from the sending side (e.g. after a write timeout).</summary>
    public void Abort() => _input.CancelPendingRead();

    /// <summary>Writes one whole message; concurrent senders are serialized so frames never interleave.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _output.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
