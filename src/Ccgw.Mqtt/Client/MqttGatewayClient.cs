using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Ccgw.Mqtt.Gateway;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt;

/// <summary>
/// The gateway as an MQTT 3.1.1 client of a site's broker (mosquitto, EMQX), with the broker's own codec: the same
/// publisher and command handler run over it as over the embedded broker. It reconnects with back-off, subscribes its
/// filters again on every connection (clean session: commands sent while the gateway was away are not applied late),
/// and keeps publishes queued (bounded) while disconnected. Publishes are QoS 1 towards the broker; PUBACKs are not
/// tracked, so a message in flight when a connection drops can be lost, as with a QoS 0 hop.
/// </summary>
public sealed partial class MqttGatewayClient : IMqttGatewayLink, IAsyncDisposable
{
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(30);

    private readonly MqttGatewayClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttGatewayClient> _log;
    private readonly Channel<MqttApplicationMessage> _outbound;
    private readonly object _gate = new();
    private readonly List<MqttLocalSubscription> _subscriptions = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ushort _packetId;
    private long _lastReceivedTicks;

    public MqttGatewayClient(MqttGatewayClientOptions options, TimeProvider time, ILogger<MqttGatewayClient> log)
    {
        _options = options;
        _time = time;
        _log = log;
        _outbound = Channel.CreateBounded<MqttApplicationMessage>(new BoundedChannelOptions(options.OutboundCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Completes when the first CONNACK was accepted.</summary>
    public Task FirstConnection => _firstConnection.Task;

    public bool IsConnected { get; private set; }

    public ValueTask PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        _outbound.Writer.WriteAsync(message, cancellationToken);

    public MqttLocalSubscription Subscribe(string topicFilter, int capacity)
    {
        if (!MqttTopic.IsValidTopicFilter(topicFilter)) throw new ArgumentException($"'{topicFilter}' is not a topic filter", nameof(topicFilter));
        var subscription = new MqttLocalSubscription(topicFilter, capacity, s => { lock (_gate) _subscriptions.Remove(s); }, () => LogDropped(_log, topicFilter));
        lock (_gate) _subscriptions.Add(subscription);
        // Takes effect on the next connection; the gateway subscribes before the first connect in practice.
        return subscription;
    }

    /// <summary>An external broker does not tell us about other clients' connections.</summary>
    public async ValueTask<IReadOnlyList<MqttUserConnections>> WaitForUserConnectionChangesAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
        return [];
    }

    /// <summary>Connects and reconnects until cancelled; on cancellation publishes the will as a normal message and disconnects cleanly.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunConnectionAsync(cancellationToken);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or SocketException or MqttProtocolException or OperationCanceledException
                                          or System.Security.Authentication.AuthenticationException or MqttConnectionRefusedException)
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

    private async Task RunConnectionAsync(CancellationToken stopping)
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
        try
        {
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            await HandshakeAsync(input, output, connection.Token);
            IsConnected = true;
            _firstConnection.TrySetResult();
            LogConnected(_log, _options.Host, _options.Port);

            var reading = ReadLoopAsync(input, output, connection.Token);
            var writing = WriteLoopAsync(output, connection.Token);
            var pinging = KeepAliveLoopAsync(output, connection.Token);
            var first = await Task.WhenAny(reading, writing, pinging);
            if (stopping.IsCancellationRequested)
            {
                await DisconnectCleanlyAsync(output);
                return;
            }
            await connection.CancelAsync();
            await Task.WhenAll(reading, writing, pinging).ContinueWith(static _ => { }, TaskScheduler.Default);
            await first; // rethrows why the connection ended
            throw new IOException("the broker closed the connection");
        }
        finally
        {
            if (tls is not null) await tls.DisposeAsync();
        }
    }

    private async Task HandshakeAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken)
    {
        var will = _options.Will;
        await SendAsync(output, new ConnectPacket
        {
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = _options.ClientId,
            CleanStart = true,
            KeepAliveSeconds = (ushort)Math.Clamp(_options.KeepAlive.TotalSeconds, 0, ushort.MaxValue),
            UserName = _options.UserName,
            Password = _options.Password is null ? null : Encoding.UTF8.GetBytes(_options.Password),
            Will = will is null ? null : new MqttWill { Topic = will.Topic, Payload = will.Payload, Qos = will.Qos, Retain = will.Retain },
        }, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        if (await ReadPacketAsync(input, timeout.Token) is not ConnAckPacket connAck)
            throw MqttProtocolException.ProtocolError("the broker's first packet was not CONNACK");
        if (connAck.ReasonCode != 0) throw new MqttConnectionRefusedException(connAck.ReasonCode);

        MqttTopicSubscription[] filters;
        lock (_gate) filters = [.. _subscriptions.Select(s => new MqttTopicSubscription(s.Filter, new MqttSubscriptionOptions(MqttQualityOfService.AtLeastOnce)))];
        if (filters.Length > 0)
            await SendAsync(output, new SubscribePacket { PacketId = NextPacketId(), Subscriptions = filters }, cancellationToken);
    }

    private async Task ReadLoopAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken)
    {
        while (true)
        {
            var packet = await ReadPacketAsync(input, cancellationToken) ?? throw new IOException("the broker closed the connection");
            switch (packet)
            {
                case PublishPacket publish:
                    Deliver(publish);
                    if (publish.Qos == MqttQualityOfService.AtLeastOnce)
                        await SendAsync(output, new PublishAckPacket(MqttPacketType.PubAck, publish.PacketId), cancellationToken);
                    else if (publish.Qos == MqttQualityOfService.ExactlyOnce)
                        await SendAsync(output, new PublishAckPacket(MqttPacketType.PubRec, publish.PacketId), cancellationToken);
                    break;
                case PublishAckPacket { Type: MqttPacketType.PubRel } release:
                    await SendAsync(output, new PublishAckPacket(MqttPacketType.PubComp, release.PacketId), cancellationToken);
                    break;
                case SubAckPacket subAck when subAck.ReasonCodes.Any(c => c >= 0x80):
                    LogSubscribeRefused(_log, _options.Host);
                    break;
            }
        }
    }

    private void Deliver(PublishPacket publish)
    {
        var message = new MqttApplicationMessage { Topic = publish.Topic, Payload = publish.Payload, Qos = publish.Qos, Retain = publish.Retain };
        lock (_gate)
            foreach (var subscription in _subscriptions)
                if (MqttTopic.Matches(subscription.Filter, publish.Topic))
                    subscription.Target.Deliver(new MqttDelivery(message, publish.Qos, publish.Retain, null));
    }

    private async Task WriteLoopAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        while (await _outbound.Reader.WaitToReadAsync(cancellationToken))
        {
            // Peek, send, then take: a message is only removed once it was written to this connection.
            while (_outbound.Reader.TryPeek(out var message))
            {
                await SendAsync(output, new PublishPacket
                {
                    Topic = message.Topic,
                    Payload = message.Payload,
                    Qos = message.Qos == MqttQualityOfService.AtMostOnce ? MqttQualityOfService.AtMostOnce : MqttQualityOfService.AtLeastOnce,
                    Retain = message.Retain,
                    PacketId = message.Qos == MqttQualityOfService.AtMostOnce ? (ushort)0 : NextPacketId(),
                }, cancellationToken);
                _outbound.Reader.TryRead(out _);
            }
        }
    }

    private async Task KeepAliveLoopAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        if (_options.KeepAlive <= TimeSpan.Zero) return;
        Volatile.Write(ref _lastReceivedTicks, _time.GetUtcNow().UtcTicks);
        using var timer = new PeriodicTimer(_options.KeepAlive / 2, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var silent = _time.GetUtcNow().UtcTicks - Volatile.Read(ref _lastReceivedTicks);
            if (silent > (_options.KeepAlive * 1.5).Ticks) throw new IOException("the broker stopped answering PINGREQ");
            await SendAsync(output, new PingReqPacket(), cancellationToken);
        }
    }

    private async Task DisconnectCleanlyAsync(PipeWriter output)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
        try
        {
            if (_options.Will is { } will)
                await SendAsync(output, new PublishPacket { Topic = will.Topic, Payload = will.Payload, Qos = MqttQualityOfService.AtMostOnce, Retain = will.Retain }, timeout.Token);
            await SendAsync(output, new DisconnectPacket(), timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectionFailed(_log, _options.Host, _options.Port, e.Message, 0);
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

    private async ValueTask SendAsync(PipeWriter output, MqttPacket packet, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            MqttPacketEncoder.Encode(packet, MqttProtocolVersion.V311, output);
            var flushed = await output.FlushAsync(cancellationToken);
            if (flushed.IsCompleted) throw new IOException("the broker closed the connection");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private ushort NextPacketId()
    {
        lock (_gate)
        {
            _packetId = (ushort)(_packetId == ushort.MaxValue ? 1 : _packetId + 1);
            return _packetId;
        }
    }

    public ValueTask DisposeAsync()
    {
        _outbound.Writer.TryComplete();
        _writeLock.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 610, Level = LogLevel.Information, Message = "connected to the MQTT broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 611, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port}: {Reason}; retrying in {RetrySeconds} s")]
    private static partial void LogConnectionFailed(ILogger logger, string host, int port, string reason, double retrySeconds);

    [LoggerMessage(EventId = 612, Level = LogLevel.Warning, Message = "the MQTT broker {Host} refused a subscription of the gateway; check its ACL for the gateway's user")]
    private static partial void LogSubscribeRefused(ILogger logger, string host);

    [LoggerMessage(EventId = 613, Level = LogLevel.Warning, Message = "gateway subscription {Filter} is full; a message was dropped")]
    private static partial void LogDropped(ILogger logger, string filter);
}

/// <summary>The broker answered CONNECT with a refusal (v3.1.1 return code).</summary>
public sealed class MqttConnectionRefusedException(byte returnCode)
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
