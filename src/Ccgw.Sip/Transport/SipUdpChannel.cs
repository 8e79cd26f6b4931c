using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ccgw.Sip.Message;
using Ccgw.Sip.Parsing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Transport;

/// <summary>Receives one datagram; the span is only valid during the call (the receive buffer is reused).</summary>
internal delegate void SipDatagramHandler(ReadOnlySpan<byte> datagram, SipEndPoint source);

/// <summary>Where a datagram goes instead of the socket (benchmarks measure the stack without the kernel).</summary>
internal delegate void SipDatagramSink(ReadOnlySpan<byte> datagram, IPEndPoint destination);

/// <summary>
/// The UDP listener's two hot paths, shaped like Kamailio's UDP workers: one dedicated thread per socket blocks in
/// recvfrom and runs parse → transaction → UA core → response inline, and every datagram we send is serialized into a
/// pooled buffer and handed to the kernel by the caller (a non-blocking sendto in practice). Why: the async receive
/// loop and the send queue each cost a thread-pool hop per datagram (epoll thread → pool → send loop), which was most
/// of the CPU per OPTIONS (docs/sip.md, Performance). Sending from the caller keeps per-sender order, as the queue did.
/// </summary>
internal sealed class SipUdpChannel
{
    private const int MaxDatagram = 65535;

    /// <summary>Buffers kept for reuse; a response larger than this many bytes gets a buffer that is not kept.</summary>
    private const int MaxPooledBufferBytes = 16 * 1024;

    private const int MaxPooledBuffers = 32;

    /// <summary>How often an idle receive wakes to look at the stop token (closing the socket also ends it).</summary>
    private static readonly TimeSpan IdleWake = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly ILogger _log;
    private readonly SipDatagramSink? _sink;
    private readonly ConcurrentQueue<ArrayBufferWriter<byte>> _buffers = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last destination's serialized address: answers mostly go back to the sender just heard.</summary>
    private volatile SerializedDestination? _lastDestination;

    private sealed record SerializedDestination(IPEndPoint EndPoint, SocketAddress Address);

    public SipUdpChannel(Socket socket, ILogger log, SipDatagramSink? sink = null)
    {
        _socket = socket;
        _log = log;
        _sink = sink;
    }

    /// <summary>Starts the receive thread; the task ends when it does (stop token, or the socket closed).</summary>
    public Task Start(SipDatagramHandler onDatagram, CancellationToken ct)
    {
        _socket.ReceiveTimeout = (int)IdleWake.TotalMilliseconds;
        var thread = new Thread(() => Run(onDatagram, ct)) { IsBackground = true, Name = "ccgw-sip-udp" };
        thread.Start();
        return _ended.Task;
    }

    private void Run(SipDatagramHandler onDatagram, CancellationToken ct)
    {
        try
        {
            ReceiveLoop(onDatagram, ct);
            _ended.TrySetResult();
        }
#pragma warning disable CA1031 // A bug in the loop itself ends the listener; the task carries it to DisposeAsync, which observes it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _ended.TrySetException(e);
        }
    }

    private void ReceiveLoop(SipDatagramHandler onDatagram, CancellationToken ct)
    {
        var family = _socket.AddressFamily;
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var from = new SocketAddress(family, SocketAddress.GetMaximumAddressSize(family));
        var template = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        // The source of the previous datagram: a peer usually sends many, so its endpoint is built once, not per datagram.
        SocketAddress? lastFrom = null;
        var lastSource = default(SipEndPoint);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                int received;
                try
                {
                    received = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    // Idle: wake to look at the stop token.
                    continue;
                }
                catch (SocketException e) when (!ct.IsCancellationRequested && e.SocketErrorCode != SocketError.OperationAborted)
                {
                    // ICMP errors surface here on some platforms; they concern one peer, not the listener.
                    _log.UdpReceiveError(e.SocketErrorCode);
                    continue;
                }
                if (ct.IsCancellationRequested) break;
                if (lastFrom is null || !from.Equals(lastFrom))
                {
                    lastSource = new SipEndPoint(SipTransportKind.Udp, (IPEndPoint)template.Create(from));
                    lastFrom = new SocketAddress(family, from.Size);
                    from.Buffer.Span[..from.Size].CopyTo(lastFrom.Buffer.Span);
                }
                try
                {
                    onDatagram(buffer.AsSpan(0, received), lastSource);
                }
#pragma warning disable CA1031 // One poisonous datagram must never stop the listener.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _log.DatagramHandlingFailed(lastSource, e);
                }
            }
        }
        catch (SocketException) when (ct.IsCancellationRequested)
        {
            // Stopping: DisposeAsync cancels, then closes the socket under the blocked receive; the loop's normal end.
        }
        catch (ObjectDisposedException)
        {
            // The socket was closed by DisposeAsync: the same normal end.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Serializes <paramref name="message"/> into a pooled buffer and sends it now; failures are logged.</summary>
    public void Send(SipMessage message, SipEndPoint destination)
    {
        if (!_buffers.TryDequeue(out var buffer)) buffer = new ArrayBufferWriter<byte>(2048);
        try
        {
            SipMessageWriter.Write(message, buffer);
            SendRaw(buffer.WrittenSpan, destination);
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity <= MaxPooledBufferBytes && _buffers.Count < MaxPooledBuffers) _buffers.Enqueue(buffer);
        }
    }

    /// <summary>Sends bytes already on the wire format (e.g. the 400 for a datagram that did not parse).</summary>
    public void SendRaw(ReadOnlySpan<byte> datagram, SipEndPoint destination)
    {
        if (_sink is { } sink)
        {
            sink(datagram, destination.Address);
            return;
        }
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, AddressOf(destination.Address));
        }
        catch (SocketException e)
        {
            _log.UdpSendFailed(destination, e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped under this send: the datagram is dropped with it, as queued sends always were.
        }
    }

    private SocketAddress AddressOf(IPEndPoint to)
    {
        if (_lastDestination is { } last && last.EndPoint.Equals(to)) return last.Address;
        // An IPv4 peer on a dual-stack socket is reached through its mapped address.
        var endPoint = _socket.AddressFamily == AddressFamily.InterNetworkV6 && _socket.DualMode && to.AddressFamily == AddressFamily.InterNetwork
            ? new IPEndPoint(to.Address.MapToIPv6(), to.Port)
            : to;
        var serialized = endPoint.Serialize();
        // A copy: IPEndPoint is mutable, and the cache must not change under a caller that reuses its instance.
        _lastDestination = new SerializedDestination(new IPEndPoint(to.Address, to.Port), serialized);
        return serialized;
    }
}
