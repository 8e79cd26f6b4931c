using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Ccgw.Mqtt;
using Microsoft.Extensions.Logging;

namespace Ccgw.Bench.MqttLoad;

/// <summary>
/// The harness's load generator: a lean MQTT 3.1.1 client on ccgw's own codec (it was the gateway's external-broker
/// client until that moved to MQTTnet). Kept here, not replaced by MQTTnet's client, because one CPU (CPU1) drives
/// 100 subscribers and the publisher: this client batches each connection's writes (one flush per burst, so the 100
/// subscribers' PUBACKs reach a broker in batches) and allocates little per message, and every figure in docs/mqtt.md
/// since November was measured with it. Every server in one run sees this same generator.
/// <list type="bullet">
/// <item>QoS 1 publishes stay in flight (at most <see cref="LoadClientOptions.MaximumInflight"/>) until their
/// PUBACK; after a reconnect they are sent again, first and in order, with DUP set and their packet ids (MQTT 3.1.1
/// §4.4).</item>
/// <item>Filters are subscribed at QoS 1 on every connection. A received QoS 1 message is acknowledged only once it
/// is queued for its local reader.</item>
/// <item>PINGREQ every half keep alive; reconnect with back-off (<see cref="LoadClientOptions.ReconnectDelay"/>,
/// doubling to 30 s).</item>
/// </list>
/// </summary>
internal sealed partial class LoadClient : IAsyncDisposable
{
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(30);
    private const int ConnectionQueueCapacity = 1024;

    private readonly LoadClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LoadClient> _log;
    private readonly Channel<MqttApplicationMessage> _outbound;
    private readonly SemaphoreSlim _inflightSlots;
    private readonly TaskCompletionSource _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guarded by _gate.
    private readonly object _gate = new();
    private readonly List<MqttLocalSubscription> _subscriptions = [];
    private readonly List<InFlight> _inflight = [];
    private ChannelWriter<MqttPacket>? _connectionQueue;
    private TaskCompletionSource? _allAcknowledged;
    private bool _sessionEstablished;
    private ushort _packetId;

    private long _lastReceivedTicks;

    public LoadClient(LoadClientOptions options, TimeProvider time, ILogger<LoadClient> log)
    {
        _options = options;
        _time = time;
        _log = log;
        _inflightSlots = new SemaphoreSlim(options.MaximumInflight, options.MaximumInflight);
        _outbound = Channel.CreateBounded<MqttApplicationMessage>(new BoundedChannelOptions(options.OutboundCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Completes when the first CONNACK was accepted.</summary>
    public Task FirstConnection => _firstConnection.Task;

    public bool IsConnected { get; private set; }

    /// <summary>QoS 1 publishes sent and not yet acknowledged by the broker.</summary>
    public int InflightCount
    {
        get { lock (_gate) return _inflight.Count; }
    }

    public ValueTask PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        _outbound.Writer.WriteAsync(message, cancellationToken);

    public MqttLocalSubscription Subscribe(string topicFilter, int capacity)
    {
        if (!MqttTopic.IsValidTopicFilter(topicFilter)) throw new ArgumentException($"'{topicFilter}' is not a topic filter", nameof(topicFilter));
        var subscription = new MqttLocalSubscription(topicFilter, capacity, s => { lock (_gate) _subscriptions.Remove(s); }, () => LogDropped(_log, topicFilter));
        lock (_gate)
        {
            _subscriptions.Add(subscription);
            // Connected already: subscribe now (a filter added after the handshake was otherwise only subscribed on the
            // next connection, and console commands were lost until then).
            _connectionQueue?.TryWrite(SubscribePacketFor([subscription]));
        }
        return subscription;
    }

    /// <summary>
    /// Connects and reconnects until cancelled; on cancellation sends what is queued, waits (bounded) for its
    /// PUBACKs, publishes the will as a normal message and disconnects cleanly.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = _options.ReconnectDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (await RunConnectionAsync(cancellationToken)) return;
                backoff = _options.ReconnectDelay;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or SocketException or MqttProtocolException or OperationCanceledException
                                          or System.Security.Authentication.AuthenticationException or LoadConnectionRefusedException
                                          or ObjectDisposedException)
            {
                LogConnectionFailed(_log, _options.Host, _options.Port, e.Message, backoff.TotalSeconds);
            }
            finally
            {
                IsConnected = false;
            }
            try
            {
                await Task.Delay(backoff, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaximumBackoff.Ticks));
        }
    }

    /// <summary>One connection; returns true after a clean stop, throws when the connection failed.</summary>
    private async Task<bool> RunConnectionAsync(CancellationToken stopping)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            connectTimeout.CancelAfter(_options.ConnectTimeout);
            await socket.ConnectAsync(_options.Host, _options.Port, connectTimeout.Token);
        }
        await using var network = new NetworkStream(socket, ownsSocket: false);
        Stream stream = network;
        SslStream? tls = null;
        if (_options.Tls)
        {
            tls = new SslStream(network, leaveInnerStreamOpen: true);
            using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            handshakeTimeout.CancelAfter(_options.ConnectTimeout);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = _options.TlsServerName ?? _options.Host }, handshakeTimeout.Token);
            stream = tls;
        }
        var queue = Channel.CreateBounded<MqttPacket>(new BoundedChannelOptions(ConnectionQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        try
        {
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            using var connection = new CancellationTokenSource();
            await HandshakeAsync(input, output, queue.Writer, stopping);
            IsConnected = true;
            _firstConnection.TrySetResult();
            LogConnected(_log, _options.Host, _options.Port);

            var writing = WriteLoopAsync(queue.Reader, output, connection.Token);
            var reading = ReadLoopAsync(input, queue.Writer, connection.Token);
            var pumping = PumpAsync(queue.Writer, connection.Token);
            var pinging = KeepAliveLoopAsync(queue.Writer, connection.Token);
            var stopped = Task.Delay(Timeout.InfiniteTimeSpan, _time, stopping);
            var first = await Task.WhenAny(reading, writing, pumping, pinging, stopped);
            if (first == stopped) await StopCleanlyAsync(queue.Writer, pumping, writing);
            DetachConnection();
            await connection.CancelAsync();
            queue.Writer.TryComplete();
            await Task.WhenAll(reading, writing, pumping, pinging).ContinueWith(static _ => { }, TaskScheduler.Default);
            if (first == stopped) return true;
            await first; // rethrows why the connection ended
            throw new IOException("the broker closed the connection");
        }
        finally
        {
            DetachConnection();
            if (tls is not null) await tls.DisposeAsync();
        }
    }

    private void DetachConnection()
    {
        lock (_gate) _connectionQueue = null;
    }

    private async Task HandshakeAsync(PipeReader input, PipeWriter output, ChannelWriter<MqttPacket> queue, CancellationToken cancellationToken)
    {
        var will = _options.Will;
        bool resume;
        lock (_gate) resume = _sessionEstablished;
        MqttPacketEncoder.Encode(new ConnectPacket
        {
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = _options.ClientId,
            CleanStart = !resume,
            KeepAliveSeconds = (ushort)Math.Clamp(_options.KeepAlive.TotalSeconds, 0, ushort.MaxValue),
            UserName = _options.UserName,
            Password = _options.Password is null ? null : Encoding.UTF8.GetBytes(_options.Password),
            Will = will is null ? null : new MqttWill { Topic = will.Topic, Payload = will.Payload, Qos = will.Qos, Retain = will.Retain },
        }, MqttProtocolVersion.V311, output);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        if ((await output.FlushAsync(timeout.Token)).IsCompleted) throw new IOException("the broker closed the connection");
        if (await ReadPacketAsync(input, timeout.Token) is not ConnAckPacket connAck)
            throw MqttProtocolException.ProtocolError("the broker's first packet was not CONNACK");
        if (connAck.ReasonCode != 0) throw new LoadConnectionRefusedException(connAck.ReasonCode);

        lock (_gate)
        {
            _sessionEstablished = true;
            // Subscribe every filter even when the session was present: a broker may have lost it, and a repeated
            // SUBSCRIBE replaces the subscription without losing anything (§3.8.4).
            if (_subscriptions.Count > 0) queue.TryWrite(SubscribePacketFor(_subscriptions));
            // §4.4: unacknowledged PUBLISHes again, in their original order, with DUP and the same packet ids.
            foreach (var pending in _inflight) queue.TryWrite(PublishPacketFor(pending.Message, pending.PacketId, dup: true));
            _connectionQueue = queue;
            LogSession(_log, connAck.SessionPresent, _inflight.Count);
        }
    }

    private SubscribePacket SubscribePacketFor(IEnumerable<MqttLocalSubscription> subscriptions) => new()
    {
        PacketId = NextPacketId(),
        Subscriptions = [.. subscriptions.Select(s => new MqttTopicSubscription(s.Filter, new MqttSubscriptionOptions(MqttQualityOfService.AtLeastOnce)))],
    };

    private static PublishPacket PublishPacketFor(MqttApplicationMessage message, ushort packetId, bool dup) => new()
    {
        Topic = message.Topic,
        Payload = message.Payload,
        Qos = packetId == 0 ? MqttQualityOfService.AtMostOnce : MqttQualityOfService.AtLeastOnce,
        Retain = message.Retain,
        PacketId = packetId,
        Dup = dup,
    };

    /// <summary>Moves queued messages onto the connection, keeping QoS 1 ones in flight until PUBACK.</summary>
    private async Task PumpAsync(ChannelWriter<MqttPacket> queue, CancellationToken cancellationToken)
    {
        while (await _outbound.Reader.WaitToReadAsync(cancellationToken))
        {
            if (!_outbound.Reader.TryPeek(out var next)) continue;
            var qos1 = next.Qos != MqttQualityOfService.AtMostOnce;
            if (qos1) await _inflightSlots.WaitAsync(cancellationToken);
            if (!_outbound.Reader.TryRead(out var message))
            {
                if (qos1) _inflightSlots.Release();
                continue;
            }
            ushort packetId = 0;
            if (qos1)
            {
                lock (_gate)
                {
                    packetId = NextPacketId();
                    _inflight.Add(new InFlight(packetId, message));
                }
            }
            // A cancelled write leaves the message in flight: the next connection sends it again.
            await queue.WriteAsync(PublishPacketFor(message, packetId, dup: false), cancellationToken);
        }
    }

    private async Task ReadLoopAsync(PipeReader input, ChannelWriter<MqttPacket> queue, CancellationToken cancellationToken)
    {
        var receivedQos2 = new HashSet<ushort>();
        while (true)
        {
            var packet = await ReadPacketAsync(input, cancellationToken) ?? throw new IOException("the broker closed the connection");
            switch (packet)
            {
                case PublishPacket { Qos: MqttQualityOfService.ExactlyOnce } publish:
                    // §4.3.3 method B: deliver once, remember the id until PUBREL.
                    if (receivedQos2.Add(publish.PacketId)) await DeliverAsync(publish, cancellationToken);
                    await queue.WriteAsync(new PublishAckPacket(MqttPacketType.PubRec, publish.PacketId), cancellationToken);
                    break;
                case PublishPacket publish:
                    await DeliverAsync(publish, cancellationToken);
                    if (publish.Qos == MqttQualityOfService.AtLeastOnce)
                        await queue.WriteAsync(new PublishAckPacket(MqttPacketType.PubAck, publish.PacketId), cancellationToken);
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubRel } release:
                    receivedQos2.Remove(release.PacketId);
                    await queue.WriteAsync(new PublishAckPacket(MqttPacketType.PubComp, release.PacketId), cancellationToken);
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubAck } ack:
                    Acknowledge(ack.PacketId);
                    break;
                case SubAckPacket subAck when subAck.ReasonCodes.Any(c => c >= 0x80):
                    LogSubscribeRefused(_log, _options.Host);
                    break;
            }
        }
    }

    private void Acknowledge(ushort packetId)
    {
        lock (_gate)
        {
            var index = _inflight.FindIndex(p => p.PacketId == packetId);
            if (index < 0) return; // not ours (a duplicate PUBACK)
            _inflight.RemoveAt(index);
            if (_inflight.Count == 0) _allAcknowledged?.TrySetResult();
        }
        _inflightSlots.Release();
    }

    private async ValueTask DeliverAsync(PublishPacket publish, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessage { Topic = publish.Topic, Payload = publish.Payload, Qos = publish.Qos, Retain = publish.Retain };
        MqttLocalSubscription[] targets;
        lock (_gate) targets = [.. _subscriptions.Where(s => MqttTopic.Matches(s.Filter, publish.Topic))];
        foreach (var target in targets) await target.WriteAsync(message, cancellationToken);
    }

    /// <summary>One writer per connection; flushes when the queue is momentarily empty, so bursts share a write.</summary>
    private async Task WriteLoopAsync(ChannelReader<MqttPacket> queue, PipeWriter output, CancellationToken cancellationToken)
    {
        while (await queue.WaitToReadAsync(cancellationToken))
        {
            while (queue.TryRead(out var packet))
            {
                MqttPacketEncoder.Encode(packet, MqttProtocolVersion.V311, output);
                if (packet is DisconnectPacket) break;
            }
            if ((await output.FlushAsync(cancellationToken)).IsCompleted) throw new IOException("the broker closed the connection");
        }
    }

    private async Task KeepAliveLoopAsync(ChannelWriter<MqttPacket> queue, CancellationToken cancellationToken)
    {
        if (_options.KeepAlive <= TimeSpan.Zero)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
            return;
        }
        Volatile.Write(ref _lastReceivedTicks, _time.GetUtcNow().UtcTicks);
        using var timer = new PeriodicTimer(_options.KeepAlive / 2, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var silent = _time.GetUtcNow().UtcTicks - Volatile.Read(ref _lastReceivedTicks);
            if (silent > (_options.KeepAlive * 1.5).Ticks) throw new IOException("the broker stopped answering PINGREQ");
            await queue.WriteAsync(new PingReqPacket(), cancellationToken);
        }
    }

    /// <summary>
    /// Stop: no more publishes are taken; what is queued goes out and is acknowledged (bounded by the connect timeout),
    /// then the will as a normal retained message, then DISCONNECT (which discards the registered will).
    /// </summary>
    private async Task StopCleanlyAsync(ChannelWriter<MqttPacket> queue, Task pumping, Task writing)
    {
        _outbound.Writer.TryComplete();
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        try
        {
            await pumping.WaitAsync(timeout.Token);
            Task acknowledged;
            lock (_gate)
            {
                _allAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_inflight.Count == 0) _allAcknowledged.TrySetResult();
                acknowledged = _allAcknowledged.Task;
            }
            await acknowledged.WaitAsync(timeout.Token);
            if (_options.Will is { } will)
                await queue.WriteAsync(new PublishPacket { Topic = will.Topic, Payload = will.Payload, Qos = MqttQualityOfService.AtMostOnce, Retain = will.Retain }, timeout.Token);
            await queue.WriteAsync(new DisconnectPacket(), timeout.Token);
            queue.TryComplete();
            await writing.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
            LogStopIncomplete(_log, _options.Host, _options.Port, e.Message, InflightCount);
        }
    }

    private async ValueTask<MqttPacket?> ReadPacketAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (MqttFrameReader.TryRead(buffer, _options.MaximumPacketSize, out var frame))
            {
                var packet = MqttPacketDecoder.Decode(frame, MqttProtocolVersion.V311);
                input.AdvanceTo(frame.End);
                Volatile.Write(ref _lastReceivedTicks, _time.GetUtcNow().UtcTicks);
                return packet;
            }
            if (result.IsCompleted || result.IsCanceled) return null;
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The next packet id not held by an unacknowledged publish (§2.2.1). Call under <c>_gate</c>.</summary>
    private ushort NextPacketId()
    {
        lock (_gate)
        {
            do _packetId = (ushort)(_packetId == ushort.MaxValue ? 1 : _packetId + 1);
            while (_inflight.Exists(p => p.PacketId == _packetId));
            return _packetId;
        }
    }

    public ValueTask DisposeAsync()
    {
        _outbound.Writer.TryComplete();
        _inflightSlots.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly record struct InFlight(ushort PacketId, MqttApplicationMessage Message);

    [LoggerMessage(EventId = 14590, Level = LogLevel.Information, Message = "connected to the MQTT broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 14591, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port}: {Reason}; retrying in {RetrySeconds} s")]
    private static partial void LogConnectionFailed(ILogger logger, string host, int port, string reason, double retrySeconds);

    [LoggerMessage(EventId = 14592, Level = LogLevel.Warning, Message = "the MQTT broker {Host} refused a subscription of the gateway; check its ACL for the gateway's user")]
    private static partial void LogSubscribeRefused(ILogger logger, string host);

    [LoggerMessage(EventId = 14593, Level = LogLevel.Warning, Message = "gateway subscription {Filter} is full; a message was dropped")]
    private static partial void LogDropped(ILogger logger, string filter);

    [LoggerMessage(EventId = 14594, Level = LogLevel.Debug, Message = "MQTT session present: {SessionPresent}; {Inflight} publishes sent again")]
    private static partial void LogSession(ILogger logger, bool sessionPresent, int inflight);

    [LoggerMessage(EventId = 14595, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port}: stop incomplete ({Reason}), {Inflight} publishes unacknowledged")]
    private static partial void LogStopIncomplete(ILogger logger, string host, int port, string reason, int inflight);
}

/// <summary>The broker answered CONNECT with a refusal (v3.1.1 return code).</summary>
internal sealed class LoadConnectionRefusedException(byte returnCode)
    : Exception($"the broker refused the connection (CONNACK return code {returnCode}: {Describe(returnCode)})")
{
    public byte ReturnCode { get; } = returnCode;

    private static string Describe(byte code) => code switch
    {
        1 => "unacceptable protocol version",
        2 => "client id rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorized",
        _ => "unknown",
    };
}
