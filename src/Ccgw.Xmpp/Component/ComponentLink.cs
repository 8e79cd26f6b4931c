using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Xml;
using Microsoft.Extensions.Logging;

namespace Ccgw.Xmpp.Component;

/// <summary>
/// ccgw as an external component of a site's XMPP server (XEP-0114, Prosody or ejabberd): one TCP stream in
/// <c>jabber:component:accept</c>, authenticated by the handshake (hex SHA-1 of the server's stream id + the secret).
/// Stanzas addressed to the component's domain are handed to the <see cref="IStanzaService"/> as <c>jabber:client</c>
/// elements; <see cref="SendAsync"/> writes the service's stanzas back. The link reconnects with back-off
/// (<see cref="ComponentBackoff"/>) for as long as <see cref="RunAsync"/> runs. States: <see cref="ComponentLinkState"/>.
/// </summary>
public sealed partial class ComponentLink : IStanzaOutlet
{
    private static readonly XNamespace Accept = XmppNamespaces.Component;

    private readonly ComponentLinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private Stream? _stream;
    private int _stateValue;

    public ComponentLink(ComponentLinkOptions options, TimeProvider time, ILogger<ComponentLink> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _log = log;
    }

    public ComponentLinkState State => (ComponentLinkState)Volatile.Read(ref _stateValue);

    /// <summary>Raised on every state change (from the link's own task).</summary>
    public event Action<ComponentLinkState>? StateChanged;

    /// <summary>Successful handshakes so far (1 after the first connection, +1 per reconnection).</summary>
    public int Sessions { get; private set; }

    /// <summary>XEP-0114 §3: the handshake's character data, lower-case hex of SHA-1(stream id ‖ secret).</summary>
#pragma warning disable CA5350 // SHA-1 is what XEP-0114 prescribes; the server computes the same value.
    public static string Handshake(string streamId, string secret) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(streamId + secret)));
#pragma warning restore CA5350

    /// <summary>Connects, serves, and reconnects until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(IStanzaService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wasReady = false;
            try
            {
                wasReady = await SessionAsync(service, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or SocketException or XmlStreamException or ComponentRefusedException or OperationCanceledException)
            {
                LogLinkFailed(_log, _options.Host, _options.Port, e.Message);
            }
            finally
            {
                _stream = null;
            }

            failures = wasReady ? 1 : failures + 1;
            var delay = ComponentBackoff.Delay(failures, _options.ReconnectMin, _options.ReconnectMax);
            LogReconnecting(_log, delay.TotalSeconds);
            try
            {
                // The delay's timer exists before the state says so, so a test clock advanced on that state fires it.
                var wait = Task.Delay(delay, _time, cancellationToken);
                SetState(ComponentLinkState.BackingOff);
                await wait;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        SetState(ComponentLinkState.Disconnected);
    }

    /// <summary>Writes a <c>jabber:client</c> stanza on the component stream; fails while the link is down.</summary>
    public async ValueTask SendAsync(XElement stanza, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        var buffer = new ArrayBufferWriter<byte>(512);
        XmlStanzaWriter.Write(buffer, stanza, Accept, XmppNamespaces.Client);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var stream = _stream;
            if (stream is null || State != ComponentLinkState.Ready)
                throw new IOException($"the component link to {_options.Host}:{_options.Port} is down");
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>One connection: true if it reached <see cref="ComponentLinkState.Ready"/> (the back-off starts over).</summary>
    private async Task<bool> SessionAsync(IStanzaService service, CancellationToken cancellationToken)
    {
        SetState(ComponentLinkState.Connecting);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        using (var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time))
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            await socket.ConnectAsync(_options.Host, _options.Port, connect.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        var parser = new XmlStreamParser();
        try
        {
            await WriteRawAsync(stream, $"<?xml version='1.0'?><stream:stream xmlns='{Accept.NamespaceName}' xmlns:stream='{XmppNamespaces.Streams.NamespaceName}' to='{Escape(_options.Domain)}'>", cancellationToken);
            SetState(ComponentLinkState.AwaitingStreamHeader);
            var header = await ReadBoundedAsync(parser, reader, cancellationToken);
            if (header is not { Kind: XmlStreamEventKind.StreamOpen, Element: { } open } || (string?)open.Attribute("id") is not { Length: > 0 } streamId)
                throw new ComponentRefusedException("the server's stream header carries no stream id");

            await WriteRawAsync(stream, $"<handshake>{Handshake(streamId, _options.Secret)}</handshake>", cancellationToken);
            SetState(ComponentLinkState.AwaitingHandshake);
            var answer = await ReadBoundedAsync(parser, reader, cancellationToken);
            if (answer is not { Kind: XmlStreamEventKind.Element, Element: { } reply } || reply.Name != Accept + "handshake")
                throw new ComponentRefusedException(answer?.Element is { } error ? $"the server refused the component: {StreamError(error)}" : "the server closed the stream");

            _stream = stream;
            Sessions++;
            SetState(ComponentLinkState.Ready);
            LogReady(_log, _options.Domain, _options.Host, _options.Port);
            while (true)
            {
                var next = await parser.ReadAsync(reader, cancellationToken);
                if (next is not { Kind: XmlStreamEventKind.Element, Element: { } stanza })
                {
                    LogStreamClosed(_log, next?.Kind == XmlStreamEventKind.StreamClose ? "the server closed the stream" : "the connection ended");
                    return true;
                }
                if (stanza.Name.Namespace == XmppNamespaces.Streams)
                {
                    LogStreamClosed(_log, StreamError(stanza));
                    return true;
                }
                await DispatchAsync(service, ToClient(stanza), cancellationToken);
            }
        }
        finally
        {
            await _writeGate.WaitAsync(CancellationToken.None);
            _stream = null;
            _writeGate.Release();
            if (State == ComponentLinkState.Ready) SetState(ComponentLinkState.Disconnected);
            await reader.CompleteAsync();
        }
    }

    private async Task<XmlStreamEvent?> ReadBoundedAsync(XmlStreamParser parser, PipeReader reader, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        return await parser.ReadAsync(reader, read.Token);
    }

    private async ValueTask DispatchAsync(IStanzaService service, XElement stanza, CancellationToken cancellationToken)
    {
        if (stanza.Name.LocalName is not ("message" or "presence" or "iq")) return;
        var type = (string?)stanza.Attribute("type");
        if (!Jid.TryParse((string?)stanza.Attribute("to"), out var to) || !Jid.TryParse((string?)stanza.Attribute("from"), out var from)) return;
        try
        {
            if (service.Handles(to))
            {
                await service.HandleAsync(stanza, cancellationToken);
                return;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogServiceFailed(_log, stanza.Name.LocalName, e);
            return;
        }

        // The component's own domain answers disco#info; anything else addressed here is not served (RFC 6120 §8.3.3.19).
        if (type == "error" || (stanza.Name.LocalName == "presence" && type is null or "unavailable")) return;
        if (stanza.Name.LocalName == "message" && type == "groupchat") return;
        XElement reply;
        if (to.Local is null && stanza.Name.LocalName == "iq" && type == "get" && stanza.Element(XmppNamespaces.DiscoInfo + "query") is not null)
            reply = new XElement(XmppNamespaces.Client + "iq", new XAttribute("from", to.ToString()), new XAttribute("to", from.ToString()),
                new XAttribute("type", "result"), new XAttribute("id", (string?)stanza.Attribute("id") ?? ""),
                new XElement(XmppNamespaces.DiscoInfo + "query",
                    new XElement(XmppNamespaces.DiscoInfo + "identity", new XAttribute("category", "component"), new XAttribute("type", "generic"), new XAttribute("name", "ccgw")),
                    new XElement(XmppNamespaces.DiscoInfo + "feature", new XAttribute("var", XmppNamespaces.DiscoInfo.NamespaceName))));
        else
        {
            reply = new XElement(XmppNamespaces.Client + stanza.Name.LocalName, new XAttribute("from", to.ToString()), new XAttribute("to", from.ToString()),
                new XAttribute("type", "error"),
                new XElement(XmppNamespaces.Client + "error", new XAttribute("type", "cancel"), new XElement(XmppNamespaces.Stanzas + "service-unavailable")));
            if ((string?)stanza.Attribute("id") is { } id) reply.SetAttributeValue("id", id);
        }
        try
        {
            await SendAsync(reply, cancellationToken);
        }
        catch (IOException)
        {
            // The link went down meanwhile; the sender gets nothing, as from any unreachable entity.
        }
    }

    /// <summary>The stanza in <c>jabber:client</c>, as the service expects it (XEP-0114 streams use <c>jabber:component:accept</c>).</summary>
    internal static XElement ToClient(XElement stanza)
    {
        foreach (var e in stanza.DescendantsAndSelf())
        {
            if (e.Name.Namespace == Accept) e.Name = XmppNamespaces.Client + e.Name.LocalName;
            foreach (var a in e.Attributes().Where(a => a.IsNamespaceDeclaration && a.Value == Accept.NamespaceName).ToList()) a.Remove();
        }
        return stanza;
    }

    private static string StreamError(XElement error) =>
        error.Elements().FirstOrDefault(e => e.Name.Namespace == XmppNamespaces.StreamErrors)?.Name.LocalName ?? error.Name.LocalName;

    private static async ValueTask WriteRawAsync(Stream stream, string text, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";

    private void SetState(ComponentLinkState state)
    {
        Volatile.Write(ref _stateValue, (int)state);
        StateChanged?.Invoke(state);
    }

    [LoggerMessage(EventId = 780, Level = LogLevel.Information, Message = "XMPP component {Domain} connected to {Host}:{Port}")]
    private static partial void LogReady(ILogger logger, string domain, string host, int port);

    [LoggerMessage(EventId = 781, Level = LogLevel.Warning, Message = "XMPP component link to {Host}:{Port} failed: {Reason}")]
    private static partial void LogLinkFailed(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 782, Level = LogLevel.Information, Message = "XMPP component reconnecting in {Seconds} s")]
    private static partial void LogReconnecting(ILogger logger, double seconds);

    [LoggerMessage(EventId = 783, Level = LogLevel.Warning, Message = "XMPP component stream ended: {Reason}")]
    private static partial void LogStreamClosed(ILogger logger, string reason);

    [LoggerMessage(EventId = 784, Level = LogLevel.Error, Message = "XMPP component: the service failed on a {Kind} stanza")]
    private static partial void LogServiceFailed(ILogger logger, string kind, Exception exception);
}

/// <summary>The server did not accept the component (bad secret, unknown domain, no stream id).</summary>
internal sealed class ComponentRefusedException : Exception
{
    public ComponentRefusedException(string message) : base(message)
    {
    }

    public ComponentRefusedException()
    {
    }

    public ComponentRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
