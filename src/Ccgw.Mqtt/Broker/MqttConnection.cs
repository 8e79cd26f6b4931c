using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt;

/// <summary>
/// One network connection: a read loop that frames, decodes and dispatches packets in order, and a
/// write loop that drains a bounded queue of packets into the transport. Protocol errors end in
/// DISCONNECT (v5) or a plain close (v3.1.1); no exception leaves <see cref="RunAsync"/>.
/// </summary>
internal sealed class MqttConnection
{
    private readonly IDuplexPipe _transport;
    private readonly BrokerCore _core;
    private readonly BrokerContext _context;
    private readonly Channel<MqttPacket> _outbound;
    private readonly CancellationTokenSource _abortWrites = new();
    private readonly ConnectionStateMachine _state = new();
    private Dictionary<ushort, string>? _topicAliases;
    private ITimer? _connectTimer;
    private ITimer? _keepAliveTimer;
    private TimeSpan _keepAlivePeriod;
    private int _closing;
    private readonly object _roomGate = new();
    private TaskCompletionSource? _caughtUp;
    private int _stuck;
    private long _packetsWritten;
    private int _sentDisconnect;
    private bool _inputEnded;
    private volatile bool _accepted;

    public MqttConnection(IDuplexPipe transport, EndPoint? remoteEndPoint, BrokerCore core, BrokerContext context)
    {
        _transport = transport;
        RemoteEndPoint = remoteEndPoint;
        _core = core;
        _context = context;
        _outbound = Channel.CreateBounded<MqttPacket>(new BoundedChannelOptions(context.Options.OutboundPacketQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public EndPoint? RemoteEndPoint { get; }
    public MqttProtocolVersion Version { get; private set; } = MqttProtocolVersion.V500;
    public MqttConnectionPhase Phase => _state.Phase;
    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>Whether a normal DISCONNECT discarded the will [MQTT-3.14.4-3]; otherwise it is published.</summary>
    public bool PublishWillOnClose { get; set; } = true;

    // Set by the broker under its lock when the CONNECT is accepted.
    public MqttSession? Session { get; private set; }
    public MqttIdentity? Identity { get; private set; }

    /// <summary>The user this connection is counted for in <see cref="UserConnectionTracker"/> while it is open.</summary>
    public string? CountedUser { get; set; }
    public string? ClientId { get; private set; }
    public uint RequestedSessionExpiry { get; private set; }

    /// <summary>Outbound QoS 1/2 window: the client's Receive Maximum capped by the broker's limit (§4.9).</summary>
    public int SendQuota { get; private set; }

    /// <summary>The client's Maximum Packet Size (§3.1.2.11.4); unlimited for v3.1.1.</summary>
    public int PeerMaximumPacketSize { get; private set; } = int.MaxValue;

    /// <summary>The keep alive the connection is held to: the client's, or the Server Keep Alive the broker announced.</summary>
    public ushort KeepAliveSeconds { get; private set; }

    public void Attach(MqttSession session, MqttIdentity identity, ConnectPacket connect, ushort keepAliveSeconds)
    {
        KeepAliveSeconds = keepAliveSeconds;
        Session = session;
        Identity = identity;
        ClientId = session.ClientId;
        RequestedSessionExpiry = connect.Properties?.SessionExpiryInterval ?? 0;
        var receiveMaximum = connect.Properties?.ReceiveMaximum ?? ushort.MaxValue;
        SendQuota = Math.Min(receiveMaximum, _context.Options.MaximumInflightPerClient);
        PeerMaximumPacketSize = (int)Math.Min(connect.Properties?.MaximumPacketSize ?? int.MaxValue, int.MaxValue);
        _state.Accept();
        _accepted = true;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _context.Metrics.ConnectionOpened();
        _connectTimer = _context.Time.CreateTimer(static s => ((MqttConnection)s!).Close(null), this, _context.Options.ConnectTimeout, Timeout.InfiniteTimeSpan);
        await using var registration = cancellationToken.Register(static s => ((MqttConnection)s!).Close(MqttReasonCode.ServerShuttingDown), this);
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync(cancellationToken);
        }
        catch (MqttProtocolException ex)
        {
            OnProtocolError(ex);
        }
#pragma warning disable CA1031 // The connection loop is the boundary: any failure of one client ends that client only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            BrokerLog.ConnectionFailed(_context.Log, ClientId, RemoteEndPoint, ex);
            Close(null);
        }
        finally
        {
            _state.Close();
            _connectTimer?.Dispose();
            _keepAliveTimer?.Dispose();
            _core.OnConnectionLost(this);
            Close(null);
            await FinishWritesAsync(writer);
            // Our DISCONNECT is flushed; let the client read it and close first (§4.13: the sender of DISCONNECT closes).
            if (Volatile.Read(ref _sentDisconnect) != 0 && !_inputEnded) await LingerAsync();
            await _transport.Input.CompleteAsync();
            await _transport.Output.CompleteAsync();
            _context.Metrics.ConnectionClosed();
        }
    }

    /// <summary>Queues a packet that must not be lost; a client too slow to take it is disconnected.</summary>
    public void Send(MqttPacket packet)
    {
        if (_outbound.Writer.TryWrite(packet) || IsClosing) return;
        _context.Metrics.Dropped("slow_consumer");
        Close(MqttReasonCode.QuotaExceeded);
    }

    /// <summary>Queues a QoS 0 PUBLISH only while room is left for acknowledgements and QoS 1/2 traffic.</summary>
    public bool TrySendDroppable(MqttPacket packet)
    {
        if (_outbound.Reader.Count >= DroppableLimit) return false;
        return _outbound.Writer.TryWrite(packet);
    }

    /// <summary>
    /// Half of the room QoS 0 may use: past it, publishers feeding this connection wait for it (unless it is stuck),
    /// so in a burst its queue stops growing long before copies would have to be dropped.
    /// </summary>
    public bool IsBehind => _outbound.Reader.Count >= DroppableLimit / 2 && Volatile.Read(ref _stuck) == 0 && !IsClosing;

    /// <summary>Completes once the queue is down to a quarter of the QoS 0 room (or the connection closes).</summary>
    public Task WhenCaughtUpAsync()
    {
        lock (_roomGate)
        {
            if (IsClosing || _outbound.Reader.Count <= CaughtUpLevel) return Task.CompletedTask;
            return (_caughtUp ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Packets the transport has taken (flushed); a waiting publisher tells a slow reader from a stuck one by it.</summary>
    public long PacketsWritten => Volatile.Read(ref _packetsWritten);

    /// <summary>Stops publishers waiting for this connection until it catches up; true the first time.</summary>
    public bool MarkStuck() => Interlocked.Exchange(ref _stuck, 1) == 0;

    /// <summary>Bytes encoded per flush at most (plus one packet): many packets per send, yet progress stays visible.</summary>
    private const int FlushChunk = 64 * 1024;

    private int DroppableLimit => _context.Options.OutboundPacketQueueCapacity - (_context.Options.MaximumInflightPerClient + 16);

    private int CaughtUpLevel => DroppableLimit / 4;

    /// <summary>From the write loop: wakes waiting publishers, and forgives a stuck reader, once caught up.</summary>
    private void SignalIfCaughtUp()
    {
        if (_outbound.Reader.Count > CaughtUpLevel) return;
        Volatile.Write(ref _stuck, 0);
        if (Volatile.Read(ref _caughtUp) is null) return;
        TaskCompletionSource? waiter;
        lock (_roomGate)
        {
            waiter = _caughtUp;
            _caughtUp = null;
        }
        waiter?.TrySetResult();
    }

    /// <summary>Ends the connection from any thread; v5 clients are told why when a reason is given.</summary>
    public void Close(byte? v5Reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        if (v5Reason is { } reason && _accepted && Version == MqttProtocolVersion.V500 &&
            _outbound.Writer.TryWrite(new DisconnectPacket { ReasonCode = reason, Properties = new MqttProperties { ReasonString = MqttReasonCode.Describe(reason) } }))
            Volatile.Write(ref _sentDisconnect, 1);
        _outbound.Writer.TryComplete();
        _transport.Input.CancelPendingRead();
        TaskCompletionSource? waiter;
        lock (_roomGate)
        {
            waiter = _caughtUp;
            _caughtUp = null;
        }
        waiter?.TrySetResult(); // a closing subscriber holds no publisher back
    }

    public void StartKeepAlive(ushort keepAliveSeconds)
    {
        if (keepAliveSeconds == 0) return;
        // [MQTT-3.1.2-22] (3.1.1: [MQTT-3.1.2-24]): one and a half times the keep alive without any packet closes the connection.
        _keepAlivePeriod = TimeSpan.FromSeconds(keepAliveSeconds * 1.5);
        _keepAliveTimer = _context.Time.CreateTimer(static s => ((MqttConnection)s!).Close(MqttReasonCode.KeepAliveTimeout), this, _keepAlivePeriod, Timeout.InfiniteTimeSpan);
        if (IsClosing) _keepAliveTimer.Dispose();
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var input = _transport.Input;
        while (!IsClosing)
        {
            var result = await input.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            try
            {
                while (!IsClosing && MqttFrameReader.TryRead(buffer, InboundPacketLimit, out var frame))
                {
                    buffer = buffer.Slice(frame.End);
                    var packet = MqttPacketDecoder.Decode(frame, Version);
                    _context.Metrics.Received(packet.Type);
                    _keepAliveTimer?.Change(_keepAlivePeriod, Timeout.InfiniteTimeSpan);
                    await DispatchAsync(packet, cancellationToken);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted) _inputEnded = true;
            if (result.IsCompleted || result.IsCanceled) return;
        }
    }

    /// <summary>
    /// Reads and discards the client's input until it closes or <see cref="MqttBrokerOptions.LingerTimeout"/> passes.
    /// Closing with unread input makes the kernel answer with a reset, and a reset can reach the client before it
    /// has read our DISCONNECT (e.g. 0x93 in the middle of a burst of PUBLISHes), which it then never sees.
    /// </summary>
    private async Task LingerAsync()
    {
        var input = _transport.Input;
        using var linger = new CancellationTokenSource();
        using var timer = _context.Time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), linger, _context.Options.LingerTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(linger.Token);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (OperationCanceledException)
        {
            BrokerLog.LingerExpired(_context.Log, ClientId, RemoteEndPoint, _context.Options.LingerTimeout.TotalSeconds);
        }
#pragma warning disable CA1031 // The transport broke while we waited for the client to close: that is the end we waited for.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            BrokerLog.SendFailed(_context.Log, ClientId, RemoteEndPoint, "while waiting for the close: " + ex.Message);
        }
    }

    private int InboundPacketLimit => _accepted
        ? _context.Options.MaximumPacketSize
        : Math.Min(_context.Options.MaximumPacketSize, _context.Options.MaximumConnectPacketSize);

    private async ValueTask DispatchAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        _state.OnPacket(packet.Type);
        switch (packet)
        {
            case ConnectPacket connect:
                _connectTimer?.Dispose();
                Version = connect.ProtocolVersion;
                if (await _core.ConnectAsync(this, connect, cancellationToken)) StartKeepAlive(KeepAliveSeconds);
                else Close(null);
                break;
            case DisconnectPacket disconnect:
                _core.OnDisconnect(this, disconnect);
                Close(null);
                break;
            case PublishPacket publish:
                ResolveTopicAlias(publish);
                if (_core.OnPublish(this, publish) is { } behind) await PublisherBackPressure.WaitAsync(behind, _context);
                break;
            default:
                _core.OnControlPacket(this, packet);
                break;
        }
    }

    /// <summary>Topic aliases the client defines for the broker (§3.3.2.3.4); they live as long as the connection.</summary>
    private void ResolveTopicAlias(PublishPacket publish)
    {
        if (publish.Properties?.TopicAlias is not { } alias)
        {
            if (publish.Topic.Length == 0)
                throw MqttProtocolException.ProtocolError("empty topic without a topic alias");
            return;
        }
        if (alias == 0 || alias > _context.Options.TopicAliasMaximum)
            throw new MqttProtocolException(MqttReasonCode.TopicAliasInvalid, $"topic alias {alias} outside 1..{_context.Options.TopicAliasMaximum}");
        _topicAliases ??= [];
        if (publish.Topic.Length == 0)
        {
            if (!_topicAliases.TryGetValue(alias, out var topic)) throw MqttProtocolException.ProtocolError($"topic alias {alias} was never set");
            publish.Topic = topic;
        }
        else
        {
            _topicAliases[alias] = publish.Topic;
        }
        publish.Properties.TopicAlias = null;
    }

    private void OnProtocolError(MqttProtocolException ex)
    {
        BrokerLog.ProtocolError(_context.Log, ClientId, RemoteEndPoint, ex.ReasonCode, ex.Message);
        if (ex.ReasonCode == MqttReasonCode.UnsupportedProtocolVersion && !_accepted)
        {
            // §3.1.2.2 / 3.1.1 §3.1.2.2: answer an unknown level in the v3.1.1 format, then close.
            Version = MqttProtocolVersion.V311;
            _outbound.Writer.TryWrite(new ConnAckPacket { ReasonCode = MqttReasonCode.V3UnacceptableProtocolVersion });
        }
        Close(ex.ReasonCode);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var output = _transport.Output;
        try
        {
            while (await reader.WaitToReadAsync(_abortWrites.Token))
            {
                var batch = 0;
                // At most about FlushChunk per socket write, so a waiting publisher sees a slow reader's progress
                // chunk by chunk (PacketsWritten) rather than one flush of the whole queue that may take seconds.
                while ((!output.CanGetUnflushedBytes || output.UnflushedBytes < FlushChunk) && reader.TryRead(out var packet))
                {
                    MqttPacketEncoder.Encode(packet, Version, output);
                    _context.Metrics.Sent(packet.Type);
                    batch++;
                }
                SignalIfCaughtUp();
                var flush = await output.FlushAsync(_abortWrites.Token);
                Volatile.Write(ref _packetsWritten, _packetsWritten + batch); // only this loop writes it
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
#pragma warning disable CA1031 // A failed transport ends this connection, never the broker.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Cancelled: the client did not take our last packets within CloseTimeout; otherwise the transport broke.
            BrokerLog.SendFailed(_context.Log, ClientId, RemoteEndPoint, ex.Message);
            Close(null);
        }
    }

    private async Task FinishWritesAsync(Task writer)
    {
        if (writer.IsCompleted) return;
        // The peer may have stopped reading: queued packets get CloseTimeout to drain, then are abandoned.
        // The token source is never disposed, so a late timer callback cannot hit a disposed object.
        using var timer = _context.Time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), _abortWrites, _context.Options.CloseTimeout, Timeout.InfiniteTimeSpan);
        await writer;
    }
}
