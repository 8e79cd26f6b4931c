using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Streams;
using Ccgw.Xmpp.Xml;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Server;

/// <summary>
/// Drives one client connection: reads bytes into the <see cref="XmlStreamParser"/>, feeds events to the
/// <see cref="C2sNegotiator"/> until a resource is bound, then hands stanzas to the server; wraps the transport in TLS on
/// STARTTLS; wakes on the negotiator's deadlines (a <see cref="TimeProvider"/> timer cancels the pending read). Once
/// the session is established, everything written goes through the session's queue and one writer loop.
/// </summary>
internal sealed partial class C2sConnection
{
    private readonly XmppServer _server;
    private readonly IDuplexPipe _transport;
    private readonly C2sNegotiator _negotiator;
    private readonly EndPoint? _remote;
    private readonly XmlStreamParser _parser;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _writerStop = new();
    private PipeReader _input;
    private PipeWriter _output;
    private SslStream? _tls;
    private C2sSession? _session;
    private Task _writer = Task.CompletedTask;
    private volatile bool _shutdownRequested;
    private volatile bool _closing;
    private volatile bool _abandoned;

    public C2sConnection(XmppServer server, IDuplexPipe transport, C2sNegotiator negotiator, EndPoint? remote)
    {
        _server = server;
        _transport = transport;
        _negotiator = negotiator;
        _remote = remote;
        _parser = new XmlStreamParser(server.Options.Stream.Limits);
        _input = transport.Input;
        _output = transport.Output;
    }

    public Task Completion => _done.Task;

    /// <summary>The server is stopping: a system-shutdown stream error (RFC 6120 §4.9.3.17), then close.</summary>
    public void Shutdown()
    {
        _shutdownRequested = true;
        if (_session is { } s) s.Close(XmppServer.StreamErrorText(StreamErrorConditions.SystemShutdown, "the server is stopping"));
        _input.CancelPendingRead();
    }

    /// <summary>Another stream resumed this connection's session (XEP-0198 §5): stop without ending the session.</summary>
    private async Task AbandonAsync()
    {
        _abandoned = true;
        await _writerStop.CancelAsync().ConfigureAwait(false);
        _input.CancelPendingRead();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var time = _server.Time;
        using var timer = time.CreateTimer(static s => ((C2sConnection)s!)._input.CancelPendingRead(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var clean = false;
        long unconsumed = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                timer.Change(_negotiator.NextDeadline() + TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
                var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                if (_abandoned) return;
                if (_closing)
                {
                    clean = true;
                    break;
                }
                var buffer = result.Buffer;
                var arrived = buffer.Length - unconsumed;
                var effect = C2sEffect.None;
                while (effect == C2sEffect.None)
                {
                    XmlStreamEvent next;
                    try
                    {
                        if (!_parser.TryRead(ref buffer, out next)) break;
                    }
                    catch (XmlStreamException e)
                    {
                        LogStreamError(_server.Log, _remote, e.Condition, e.Message);
                        effect = ToClose(_negotiator.ParseError(e));
                        break;
                    }
                    effect = await HandleAsync(next, cancellationToken).ConfigureAwait(false);
                    if (next.Kind == XmlStreamEventKind.StreamClose) clean = true;
                }
                unconsumed = buffer.Length;
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (arrived > 0) _negotiator.NoteInput(partial: unconsumed > 0);
                if (effect == C2sEffect.None && _shutdownRequested && _session is null)
                    effect = _negotiator.StreamError(StreamErrorConditions.SystemShutdown, "the server is stopping");
                if (effect == C2sEffect.None && result.IsCanceled)
                {
                    effect = ToClose(_negotiator.CheckTimeouts());
                    if (effect == C2sEffect.Close) LogTimedOut(_server.Log, _remote, _negotiator.ClosedWith);
                }
                await FlushNegotiatorAsync(effect == C2sEffect.Close, cancellationToken).ConfigureAwait(false);

                if (effect == C2sEffect.StartTls)
                {
                    unconsumed = 0;
                    await StartTlsAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (effect == C2sEffect.Close) break;
                if (result.IsCompleted) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or AuthenticationException or ObjectDisposedException)
        {
            LogDropped(_server.Log, _remote, e);
        }
        finally
        {
            await FinishAsync(clean).ConfigureAwait(false);
        }
    }

    private C2sEffect ToClose(C2sEffect effect)
    {
        if (effect == C2sEffect.Close && _session is { } s)
        {
            // Established: the negotiator's error text goes through the session's writer, which then closes.
            s.Close(_negotiator.TakeOutput());
        }
        return effect;
    }

    private async ValueTask<C2sEffect> HandleAsync(XmlStreamEvent next, CancellationToken cancellationToken)
    {
        switch (next.Kind)
        {
            case XmlStreamEventKind.StreamOpen:
                return ToClose(_negotiator.OnHeader(next.Element!));
            case XmlStreamEventKind.StreamClose:
                // RFC 6120 §4.4: answer the close with ours.
                if (_session is { } s) s.Close("</stream:stream>");
                else _negotiator.Write("</stream:stream>");
                return C2sEffect.Close;
        }

        var element = next.Element!;
        if (_session is { } session)
        {
            if (XmppServer.StreamManagement(session, element, out var reply, out var fatal))
            {
                if (fatal)
                {
                    session.Close(reply);
                    return C2sEffect.Close;
                }
                if (reply is not null) session.SendRaw(reply);
                return C2sEffect.None;
            }
            if (!Stanzas.IsStanza(element))
            {
                session.Close(XmppServer.StreamErrorText(StreamErrorConditions.UnsupportedStanzaType, $"<{element.Name.LocalName}/> is not a stanza"));
                return C2sEffect.Close;
            }
            if (session.SmEnabled) session.InboundCount++;
            await _server.FromClientAsync(session, element, cancellationToken).ConfigureAwait(false);
            return session.Closed ? C2sEffect.Close : C2sEffect.None;
        }

        var effect = await _negotiator.OnElementAsync(element, cancellationToken).ConfigureAwait(false);
        switch (effect)
        {
            case C2sEffect.RestartParser:
                _parser.Reset();
                return C2sEffect.None;
            case C2sEffect.Bind:
                {
                    var bound = _server.Bind(_negotiator.Account!, _negotiator.PendingBind.Resource, _negotiator.StreamId);
                    _negotiator.Bound(bound.Full);
                    await FlushNegotiatorAsync(false, cancellationToken).ConfigureAwait(false);
                    Attach(bound, []);
                    return C2sEffect.None;
                }
            case C2sEffect.Resume:
                await ResumeAsync(_negotiator.PendingResume!, cancellationToken).ConfigureAwait(false);
                return C2sEffect.None;
            default:
                return effect;
        }
    }

    /// <summary>XEP-0198 §5: take over a session that lost its link, resend what its client did not acknowledge.</summary>
    private async ValueTask ResumeAsync(XElement resume, CancellationToken cancellationToken)
    {
        var previd = (string?)resume.Attribute("previd") ?? "";
        var hText = (string?)resume.Attribute("h");
        var session = uint.TryParse(hText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var h)
            ? _server.Resume(_negotiator.Account!, previd)
            : null;
        if (session is null)
        {
            _negotiator.Write("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
            return;
        }
        if (session.Connection is C2sConnection old && old != this) await old.AbandonAsync().ConfigureAwait(false);
        session.Acknowledge(h);
        _negotiator.Resumed(session.Full);
        _negotiator.Write($"<resumed xmlns='urn:xmpp:sm:3' previd='{System.Security.SecurityElement.Escape(previd)}' h='{session.InboundCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}'/>");
        await FlushNegotiatorAsync(false, cancellationToken).ConfigureAwait(false);
        LogResumed(_server.Log, session.Full);
        Attach(session, session.TakeUnacked());
    }

    private void Attach(C2sSession session, List<XElement> resend)
    {
        _session = session;
        session.Connection = this;
        _writer = Task.Run(() => WriteLoopAsync(session, resend, _writerStop.Token));
    }

    /// <summary>Writes the negotiator's output directly (only before a session exists; afterwards the writer loop owns the output).</summary>
    private async ValueTask FlushNegotiatorAsync(bool complete, CancellationToken cancellationToken)
    {
        if (_session is not null) return;
        var text = _negotiator.TakeOutput();
        if (text.Length > 0)
        {
            Encoding.UTF8.GetBytes(text, _output);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        if (complete) await _output.CompleteAsync().ConfigureAwait(false);
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        var certificate = _server.Options.Certificate ?? throw new AuthenticationException("no certificate");
        _tls = new SslStream(new DuplexPipeStream(_input, _output), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(_server.Options.Stream.NegotiationTimeout, _server.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await _tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            ClientCertificateRequired = false,
        }, linked.Token).ConfigureAwait(false);
        _input = PipeReader.Create(_tls, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(_tls, new StreamPipeWriterOptions(leaveOpen: true));
        if (_negotiator.TlsEstablished() == C2sEffect.RestartParser) _parser.Reset();
    }

    private async Task WriteLoopAsync(C2sSession session, List<XElement> resend, CancellationToken cancellationToken)
    {
        var output = _output;
        var sinceRequest = 0;
        try
        {
            foreach (var stanza in resend)
            {
                session.Written(stanza);
                XmlStanzaWriter.Write(output, stanza, XmppNamespaces.Client);
            }
            if (resend.Count > 0) await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            var reader = session.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Stanza is { } stanza)
                    {
                        if (!session.Written(stanza) && !session.Closed)
                        {
                            // Unacknowledged stanzas are kept for a resume; a client that never acks would grow them
                            // without end. Ended for good (not resumable), as Prosody's mod_smacks does at its queue size.
                            XmppServer.LogUnackedOverflow(_server.Log, session.Full, session.MaxUnacked);
                            session.Close(XmppServer.StreamErrorText("resource-constraint", "too many stanzas left unacknowledged (XEP-0198)"));
                        }
                        XmlStanzaWriter.Write(output, stanza, XmppNamespaces.Client);
                        sinceRequest++;
                    }
                    else if (item.Raw is { } raw)
                    {
                        Encoding.UTF8.GetBytes(raw, output);
                    }
                    if (item.Close)
                    {
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        _closing = true;
                        _input.CancelPendingRead();
                        return;
                    }
                }
                if (session.SmEnabled && sinceRequest > 0)
                {
                    Encoding.UTF8.GetBytes("<r xmlns='urn:xmpp:sm:3'/>", output);
                    sinceRequest = 0;
                }
                var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The transport went away; what was not acknowledged stays in the session for a resume.
        }
        finally
        {
            if (!_abandoned) _input.CancelPendingRead();
        }
    }

    private async Task FinishAsync(bool clean)
    {
        try
        {
            if (_session is { } session && !_abandoned && session.Connection == this)
            {
                // A stream closed by either side on purpose ends the session; a dropped link may be resumed.
                var purposeful = clean || session.Closed || _closing;
                if (!purposeful) session.Connection = null;
                await _writerStop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await _writer.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                await _server.ConnectionLostAsync(session, purposeful, CancellationToken.None).ConfigureAwait(false);
            }
            else if (_abandoned)
            {
                await _writerStop.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            LogDropped(_server.Log, _remote, e);
        }
        finally
        {
            await CompleteQuietly(_output).ConfigureAwait(false);
            await CompleteQuietly(_input).ConfigureAwait(false);
            if (_tls is not null) await _tls.DisposeAsync().ConfigureAwait(false);
            await CompleteQuietly(_transport.Output).ConfigureAwait(false);
            await CompleteQuietly(_transport.Input).ConfigureAwait(false);
            _writerStop.Dispose();
            _done.TrySetResult();
        }
    }

    private static async ValueTask CompleteQuietly(PipeWriter writer)
    {
        try
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }
    }

    private static async ValueTask CompleteQuietly(PipeReader reader)
    {
        try
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "XMPP stream from {Remote} closed with {Condition}: {Reason}")]
    private static partial void LogStreamError(ILogger logger, EndPoint? remote, string condition, string reason);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "XMPP stream from {Remote} timed out ({Condition})")]
    private static partial void LogTimedOut(ILogger logger, EndPoint? remote, string? condition);

    [LoggerMessage(EventId = 712, Level = LogLevel.Debug, Message = "XMPP connection from {Remote} dropped")]
    private static partial void LogDropped(ILogger logger, EndPoint? remote, Exception reason);

    [LoggerMessage(EventId = 713, Level = LogLevel.Information, Message = "XMPP {Jid} resumed its session (XEP-0198)")]
    private static partial void LogResumed(ILogger logger, Jid jid);
}
