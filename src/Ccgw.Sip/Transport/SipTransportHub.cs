using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Transport;

/// <summary>
/// UDP, TCP and TLS listeners plus the outbound path (RFC 3261 §18). Datagrams are received on a dedicated thread
/// and sent from the caller (<see cref="SipUdpChannel"/>); stream sends are queued to one writer loop, so state
/// machines never await I/O; stream connections are reused per remote endpoint and opened on demand for requests
/// we originate.
/// </summary>
internal sealed class SipTransportHub : ISipSender, IAsyncDisposable
{
    private readonly SipTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Action<SipMessage, SipEndPoint> _onMessage;
    private readonly Channel<(SipMessage Message, SipEndPoint To)> _outbound;
    private readonly ConcurrentDictionary<(SipTransportKind, IPEndPoint), SipStreamConnection> _connections = new();
    private readonly ConcurrentDictionary<(SipTransportKind, IPEndPoint), Task<SipStreamConnection>> _connecting = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private Socket? _udp;
    private SipUdpChannel? _udpChannel;
    private Socket? _tcp;
    private Socket? _tls;

    public SipTransportHub(SipTransportOptions options, TimeProvider time, ILogger log, Action<SipMessage, SipEndPoint> onMessage)
    {
        _options = options;
        _time = time;
        _log = log;
        _onMessage = onMessage;
        _outbound = Channel.CreateBounded<(SipMessage, SipEndPoint)>(new BoundedChannelOptions(options.MaxQueuedSends)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });
    }

    public IPEndPoint? UdpEndPoint => _udp?.LocalEndPoint as IPEndPoint;

    public IPEndPoint? TcpEndPoint => _tcp?.LocalEndPoint as IPEndPoint;

    public IPEndPoint? TlsEndPoint => _tls?.LocalEndPoint as IPEndPoint;

    public int ConnectionCount => _connections.Count;

    public void Start()
    {
        if (_options.Udp is { } udpAt)
        {
            // A larger kernel buffer absorbs bursts instead of dropping them (the OS caps it at its maximum).
            _udp = new Socket(udpAt.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = _options.UdpReceiveBufferBytes };
            _udp.Bind(udpAt);
            _udpChannel = new SipUdpChannel(_udp, _log, _options.DatagramSink);
            _loops.Add(_udpChannel.Start(HandleDatagram, _stop.Token));
        }
        if (_options.Tcp is { } tcpAt)
        {
            _tcp = Listen(tcpAt);
            _loops.Add(Task.Run(() => AcceptLoopAsync(_tcp, SipTransportKind.Tcp, _stop.Token)));
        }
        if (_options.Tls is { } tlsAt)
        {
            if (_options.TlsCertificate is null) throw new InvalidOperationException("SIP TLS listener configured without a certificate");
            _tls = Listen(tlsAt);
            _loops.Add(Task.Run(() => AcceptLoopAsync(_tls, SipTransportKind.Tls, _stop.Token)));
        }
        _loops.Add(Task.Run(() => SendLoopAsync(_stop.Token)));
    }

    private static Socket Listen(IPEndPoint at)
    {
        var s = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(at);
        s.Listen(128);
        return s;
    }

    public void Send(SipMessage message, SipEndPoint destination)
    {
        if (destination.Transport == SipTransportKind.Udp)
        {
            // Datagrams leave from the caller (see SipUdpChannel): no queue, no thread hop, no copy.
            if (_udpChannel is { } udp) udp.Send(message, destination);
            else _log.SendFailed(destination, "UDP transport is not enabled");
            return;
        }
        if (!_outbound.Writer.TryWrite((message, destination)))
            _log.SendQueueFull(destination);
    }

    /// <summary>Every datagram is handed to the kernel before <see cref="Send"/> returns; stream messages are queued.</summary>
    public void SendBeforeReturning(SipMessage message, SipEndPoint destination) => Send(message, destination);

    /// <summary>Feeds one datagram through the stack as if the UDP listener had received it (benchmarks).</summary>
    internal void ReceiveDatagram(ReadOnlySpan<byte> datagram, SipEndPoint source) => HandleDatagram(datagram, source);

    private void HandleDatagram(ReadOnlySpan<byte> datagram, SipEndPoint source)
    {
        // RFC 5626 keep-alives and stray line ends carry no message.
        if (datagram.TrimStart("\r\n"u8).IsEmpty) return;
        SipMessage message;
        try
        {
            message = SipMessageParser.ParseDatagram(datagram, _options.Parser);
        }
        catch (SipParseException e)
        {
            _log.MalformedDatagram(source, e.Reason);
            if (SipMalformedRequestResponder.BuildResponse(datagram, e) is { } answer) _udpChannel?.SendRaw(answer, source);
            return;
        }
        Dispatch(message, source);
    }

    private void Dispatch(SipMessage message, SipEndPoint source)
    {
        try
        {
            _onMessage(message, source);
        }
#pragma warning disable CA1031 // A bug in one message's handling must not stop the listener loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.MessageHandlerFailed(e);
        }
    }

    private Task AcceptLoopAsync(Socket listener, SipTransportKind kind, CancellationToken ct) =>
        new SocketAcceptLoop(listener.AcceptAsync, client => OnAccepted(client, kind, ct), _options.AcceptBackoff, _time, _log,
            kind == SipTransportKind.Tls ? "sip-tls" : "sip-tcp").RunAsync(ct);

    private void OnAccepted(Socket client, SipTransportKind kind, CancellationToken ct)
    {
        if (_connections.Count >= _options.MaxStreamConnections)
        {
            _log.ConnectionLimitReached(client.RemoteEndPoint);
            client.Dispose();
            return;
        }
        IDisposable? lease = null;
        if (_options.AdmitConnection is { } admit && client.RemoteEndPoint is IPEndPoint remote)
        {
            lease = admit(kind, remote.Address);
            if (lease is null)
            {
                // Refused before the TLS handshake or a byte is read: the flood costs one descriptor for a moment.
                client.Dispose();
                return;
            }
        }
        _ = ServeAdmittedAsync(client, kind, lease, ct);
    }

    private async Task ServeAdmittedAsync(Socket client, SipTransportKind kind, IDisposable? lease, CancellationToken ct)
    {
        try
        {
            await Task.Run(() => ServeAcceptedAsync(client, kind, ct), CancellationToken.None);
        }
        finally
        {
            lease?.Dispose();
        }
    }

    private async Task ServeAcceptedAsync(Socket client, SipTransportKind kind, CancellationToken ct)
    {
        client.NoDelay = true;
        var remote = new SipEndPoint(kind, (IPEndPoint)client.RemoteEndPoint!);
        Stream stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            if (kind == SipTransportKind.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                using var handshake = new CancellationTokenSource(_options.ConnectTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, handshake.Token);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _options.TlsCertificateSelector?.Invoke() ?? _options.TlsCertificate }, linked.Token);
                stream = ssl;
            }
            await ServeStreamAsync(stream, remote, ct);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            _log.ConnectionEnded(remote, e.Message);
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    /// <summary>Serves one stream connection (also the entry point for a host-provided duplex pipe).</summary>
    public async Task ServeStreamAsync(PipeReader input, PipeWriter output, SipEndPoint remote, CancellationToken ct)
    {
        var connection = new SipStreamConnection(input, output, remote, _options.Parser, _time, _options.StreamIdleTimeout, _log, _options.StreamErrorLinger);
        _connections[(remote.Transport, remote.Address)] = connection;
        try
        {
            await connection.RunAsync(Dispatch, ct);
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<(SipTransportKind, IPEndPoint), SipStreamConnection>((remote.Transport, remote.Address), connection));
        }
    }

    private Task ServeStreamAsync(Stream stream, SipEndPoint remote, CancellationToken ct) =>
        ServeStreamAsync(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)), remote, ct);

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        try
        {
            await foreach (var (message, to) in _outbound.Reader.ReadAllAsync(ct))
            {
                buffer.ResetWrittenCount();
                SipMessageWriter.Write(message, buffer);
                try
                {
                    // Only stream messages are queued (datagrams leave from Send). Connecting or writing to one slow stream
                    // peer must not hold up everyone else's messages, so stream sends leave this loop; per-connection
                    // order is kept by the connection's FIFO lock.
                    _ = SendOnStreamAsync(buffer.WrittenSpan.ToArray(), to, ct);
                }
#pragma warning disable CA1031 // A failed send concerns one peer; the writer loop must survive it.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    _log.SendFailed(to, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: queued sends are dropped with the stack.
        }
    }

    private async Task SendOnStreamAsync(byte[] bytes, SipEndPoint to, CancellationToken ct)
    {
        var key = (to.Transport, to.Address);
        try
        {
            if (!_connections.TryGetValue(key, out var connection))
            {
                if (to.Transport == SipTransportKind.Tls) throw new InvalidOperationException("no TLS connection to " + to);
                // Only the send loop adds here, so one connect per destination is shared by queued messages.
                var pending = _connecting.GetOrAdd(key, _ => ConnectAsync(to, ct));
                try
                {
                    connection = await pending;
                }
                finally
                {
                    _connecting.TryRemove(new KeyValuePair<(SipTransportKind, IPEndPoint), Task<SipStreamConnection>>(key, pending));
                }
            }
            using var timeout = new CancellationTokenSource(_options.StreamWriteTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                await connection.SendAsync(bytes, linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // A half-written frame leaves the stream unusable (§18.3 framing), so the connection goes.
                connection.Abort();
                throw new IOException("write timed out");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the send is dropped with the stack.
        }
#pragma warning disable CA1031 // Failures concern one peer; they are logged, never thrown into the void.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.SendFailed(to, e.Message);
        }
    }

    private async Task<SipStreamConnection> ConnectAsync(SipEndPoint to, CancellationToken ct)
    {
        var socket = new Socket(to.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
        {
            try
            {
                await socket.ConnectAsync(to.Address, linked.Token);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        var ready = new TaskCompletionSource<SipStreamConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            try
            {
                var task = ServeStreamAsync(stream, to, _stop.Token);
                ready.TrySetResult(_connections[(to.Transport, to.Address)]);
                await task;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                ready.TrySetException(e);
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }, ct);
        return await ready.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _outbound.Writer.TryComplete();
        _udp?.Dispose();
        _tcp?.Dispose();
        _tls?.Dispose();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
            // The loops end by cancellation, which is what we asked for.
        }
        _stop.Dispose();
    }
}
