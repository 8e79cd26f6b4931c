using System.Buffers;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Ccgw.Mqtt.Gateway;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using NetMessage = MQTTnet.MqttApplicationMessage;

namespace Ccgw.Mqtt;

/// <summary>
/// The gateway as an MQTT 5 client of a site's broker (mosquitto, EMQX) on MQTTnet's <see cref="IMqttClient"/>: the
/// same publisher and command handler run over it as over the embedded broker. MQTTnet speaks the protocol (codec,
/// TLS, PINGREQ every keep alive, PINGRESP within <see cref="MqttGatewayClientOptions.ConnectTimeout"/>); this type
/// keeps what MQTTnet's client leaves to its user:
/// <list type="bullet">
/// <item>Reconnect with back-off (<see cref="MqttGatewayClientOptions.ReconnectDelay"/>, doubling to 30 s). The first
/// connection of a process uses Clean Start 1 (nothing queued for a previous run is applied late); later ones Clean
/// Start 0 with <see cref="MqttGatewayClientOptions.SessionExpiry"/>, so the broker keeps our subscriptions and queues
/// console commands for us meanwhile.</item>
/// <item>QoS 1 publishes stay in flight (at most <see cref="MqttGatewayClientOptions.MaximumInflight"/>) until their
/// PUBACK, across connections: after a reconnect the unacknowledged ones are sent again first, in order, with DUP
/// (§4.4). MQTTnet numbers packet ids afresh on every connection, so a resent PUBLISH carries a new id; for QoS 1 the
/// broker treats it the same way (a new publication, acknowledged once), which is why this is kept.</item>
/// <item>Filters are subscribed at QoS 1 on every connection, and at once when <see cref="Subscribe"/> is called while
/// connected. A received QoS 1 message is acknowledged (by MQTTnet, after our handler returns) only once it is queued
/// for its local reader.</item>
/// </list>
/// </summary>
public sealed partial class MqttGatewayClient : IMqttGatewayLink, IAsyncDisposable
{
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(30);

    private readonly MqttGatewayClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttGatewayClient> _log;
    private readonly IMqttClient _client;
    private readonly Channel<MqttApplicationMessage> _outbound;
    private readonly SemaphoreSlim _inflightSlots;
    private readonly TaskCompletionSource _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposed = new();

    // Guarded by _gate.
    private readonly object _gate = new();
    private readonly List<MqttLocalSubscription> _subscriptions = [];
    private readonly List<InFlight> _inflight = [];
    private TaskTracker? _connection;
    private TaskCompletionSource? _allAcknowledged;
    private bool _sessionEstablished;

    public MqttGatewayClient(MqttGatewayClientOptions options, TimeProvider time, ILogger<MqttGatewayClient> log)
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
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
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
            _connection?.Track(SubscribeAsync([subscription]));
        }
        return subscription;
    }

    /// <summary>An external broker does not tell us about other clients' connections.</summary>
    public async ValueTask<IReadOnlyList<MqttUserConnections>> WaitForUserConnectionChangesAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
        return [];
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
            catch (Exception e) when (IsConnectionFailure(e))
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

    private static bool IsConnectionFailure(Exception e) =>
        e is MqttCommunicationException or IOException or System.Net.Sockets.SocketException or AuthenticationException
            or OperationCanceledException or ObjectDisposedException or MqttConnectionRefusedException or InvalidOperationException;

    /// <summary>One connection; returns true after a clean stop, throws when the connection failed.</summary>
    private async Task<bool> RunConnectionAsync(CancellationToken stopping)
    {
        var lost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task OnDisconnected(MqttClientDisconnectedEventArgs e)
        {
            // A failed CONNECT raises this too (ClientWasConnected false); only the loss of this connection counts.
            if (e.ClientWasConnected) lost.TrySetResult(e);
            return Task.CompletedTask;
        }
        _client.DisconnectedAsync += OnDisconnected;
        var tracker = new TaskTracker();
        using var connection = new CancellationTokenSource();
        try
        {
            bool resume;
            lock (_gate) resume = _sessionEstablished;
            MqttClientConnectResult result;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                result = await _client.ConnectAsync(ClientOptions(resume), timeout.Token);
            }
            if (result.ResultCode != MqttClientConnectResultCode.Success) throw new MqttConnectionRefusedException(result.ResultCode, result.ReasonString);

            IsConnected = true;
            _firstConnection.TrySetResult();
            LogConnected(_log, _options.Host, _options.Port);
            lock (_gate)
            {
                _sessionEstablished = true;
                _connection = tracker;
                // Subscribe every filter even when the session was present: a broker may have lost it, and a repeated
                // SUBSCRIBE replaces the subscription without losing anything (§3.8.4). Not awaited: publishing does
                // not wait for SUBACK.
                if (_subscriptions.Count > 0) tracker.Track(SubscribeAsync([.. _subscriptions]));
                // §4.4: unacknowledged PUBLISHes again, first and in their original order, with DUP. MQTTnet sends
                // in call order, and each call below starts its send before returning.
                foreach (var pending in _inflight) tracker.Track(SendAtLeastOnceAsync(pending, dup: true, connection.Token));
                LogSession(_log, result.IsSessionPresent, _inflight.Count);
            }

            var pumping = PumpAsync(tracker, connection.Token);
            var stopped = Task.Delay(Timeout.InfiniteTimeSpan, _time, stopping);
            var first = await Task.WhenAny(lost.Task, pumping, stopped);
            if (first == stopped) await StopCleanlyAsync(pumping);
            await connection.CancelAsync();
            await pumping.ContinueWith(static _ => { }, TaskScheduler.Default);
            if (first == stopped) return true;
            if (first == pumping)
            {
                await pumping; // rethrows why the pump failed
                return true; // the outbound queue was completed (disposed): nothing will be sent any more
            }
            var reason = await lost.Task;
            throw reason.Exception as MqttCommunicationException
                  ?? new MqttCommunicationException($"the broker closed the connection ({reason.Reason})", reason.Exception);
        }
        finally
        {
            lock (_gate) _connection = null;
            _client.DisconnectedAsync -= OnDisconnected;
            // Sends still pending fail once MQTTnet has torn the connection down; wait for them so none outlives it.
            await CloseAsync();
            await tracker.WhenAllAsync();
        }
    }

    /// <summary>Tears the connection down if it is still up (the pump failed while MQTTnet was connected).</summary>
    private async Task CloseAsync()
    {
        if (!_client.IsConnected) return;
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
            await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.UnspecifiedError }, timeout.Token);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            LogCloseFailed(_log, e.Message);
        }
    }

    private MqttClientOptions ClientOptions(bool resume)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(_options.ClientId)
            .WithCleanStart(!resume)
            .WithSessionExpiryInterval((uint)Math.Clamp(_options.SessionExpiry.TotalSeconds, 0, uint.MaxValue))
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout)
            .WithMaximumPacketSize((uint)_options.MaximumPacketSize);
        if (_options.UserName is not null) builder = builder.WithCredentials(_options.UserName, _options.Password);
        if (_options.Tls)
        {
            // As the hand-written client did with SslStream's defaults: the system's trust store, the configured name,
            // no revocation fetch (site brokers often have an internal CA without a reachable CRL).
            builder = builder.WithTlsOptions(tls => tls.UseTls().WithTargetHost(_options.TlsServerName ?? _options.Host)
                .WithRevocationMode(X509RevocationMode.NoCheck));
        }
        if (_options.Will is { } will)
        {
            builder = builder.WithWillTopic(will.Topic).WithWillPayload(will.Payload.ToArray()).WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(Qos(will.Qos));
            if (will.ContentType is not null) builder = builder.WithWillContentType(will.ContentType);
        }
        return builder.Build();
    }

    private static MqttQualityOfServiceLevel Qos(MqttQualityOfService qos) =>
        qos == MqttQualityOfService.AtMostOnce ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;

    private static NetMessage ToMqttNet(MqttApplicationMessage message, bool dup)
    {
        var m = new NetMessage
        {
            Topic = message.Topic,
            Payload = new ReadOnlySequence<byte>(message.Payload),
            QualityOfServiceLevel = Qos(message.Qos),
            Retain = message.Retain,
            Dup = dup,
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData?.ToArray(),
            MessageExpiryInterval = message.MessageExpiryInterval ?? 0,
            PayloadFormatIndicator = message.PayloadIsUtf8 ? MqttPayloadFormatIndicator.CharacterData : MqttPayloadFormatIndicator.Unspecified,
        };
        if (message.UserProperties is { Count: > 0 } properties)
            m.UserProperties = [.. properties.Select(p => new MQTTnet.Packets.MqttUserProperty(p.Key, System.Text.Encoding.UTF8.GetBytes(p.Value).AsMemory()))];
        return m;
    }

    private async Task SubscribeAsync(IReadOnlyList<MqttLocalSubscription> subscriptions)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var s in subscriptions) builder = builder.WithTopicFilter(s.Filter, MqttQualityOfServiceLevel.AtLeastOnce);
        try
        {
            var result = await _client.SubscribeAsync(builder.Build(), _disposed.Token);
            if (result.Items.Any(i => (int)i.ResultCode >= 0x80)) LogSubscribeRefused(_log, _options.Host);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // The connection went: the next one subscribes every filter again.
            LogSubscribeInterrupted(_log, e.Message);
        }
    }

    /// <summary>Moves queued messages onto the connection, keeping QoS 1 ones in flight until PUBACK.</summary>
    private async Task PumpAsync(TaskTracker tracker, CancellationToken cancellationToken)
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
            if (qos1)
            {
                var entry = new InFlight(message);
                lock (_gate) _inflight.Add(entry);
                // Not awaited: up to MaximumInflight wait for their PUBACK together. A send cut off by the connection's
                // end leaves the entry in flight: the next connection sends it again.
                tracker.Track(SendAtLeastOnceAsync(entry, dup: false, cancellationToken));
            }
            else
            {
                await _client.PublishAsync(ToMqttNet(message, dup: false), cancellationToken);
            }
        }
    }

    private async Task SendAtLeastOnceAsync(InFlight entry, bool dup, CancellationToken cancellationToken)
    {
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(ToMqttNet(entry.Message, dup), cancellationToken);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            return; // still in flight
        }
        // A PUBACK with a failure reason (v5, e.g. 0x87 not authorized) is final: sending again would not change it.
        if (!result.IsSuccess) LogPublishRefused(_log, entry.Message.Topic, (int)result.ReasonCode, result.ReasonString);
        lock (_gate)
        {
            if (!_inflight.Remove(entry)) return;
            if (_inflight.Count == 0) _allAcknowledged?.TrySetResult();
        }
        _inflightSlots.Release();
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var received = e.ApplicationMessage;
        var message = new MqttApplicationMessage
        {
            Topic = received.Topic,
            // Copied: MQTTnet may reuse the receive buffer once this handler returns.
            Payload = received.Payload.ToArray(),
            Qos = received.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? MqttQualityOfService.AtMostOnce
                : received.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce ? MqttQualityOfService.AtLeastOnce : MqttQualityOfService.ExactlyOnce,
            Retain = received.Retain,
            ContentType = received.ContentType,
            PayloadIsUtf8 = received.PayloadFormatIndicator == MqttPayloadFormatIndicator.CharacterData,
        };
        MqttLocalSubscription[] targets;
        lock (_gate) targets = [.. _subscriptions.Where(s => MqttTopic.Matches(s.Filter, received.Topic))];
        try
        {
            // Waits for room (bounded): MQTTnet sends the PUBACK after this returns, so a message is acknowledged only
            // once queued for its reader.
            foreach (var target in targets) await target.WriteAsync(message, _disposed.Token);
        }
        catch (OperationCanceledException)
        {
            e.ProcessingFailed = true; // disposed: not acknowledged, the broker sends it again to the next session
        }
    }

    /// <summary>
    /// Stop: no more publishes are taken; what is queued goes out and is acknowledged (bounded by the connect timeout),
    /// then the will as a normal retained message, then DISCONNECT (which discards the registered will).
    /// </summary>
    private async Task StopCleanlyAsync(Task pumping)
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
                await _client.PublishAsync(ToMqttNet(new MqttApplicationMessage { Topic = will.Topic, Payload = will.Payload, Retain = will.Retain, ContentType = will.ContentType, PayloadIsUtf8 = will.PayloadIsUtf8 }, dup: false), timeout.Token);
            await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, timeout.Token);
        }
        catch (Exception e) when (IsConnectionFailure(e) || e is ChannelClosedException)
        {
            LogStopIncomplete(_log, _options.Host, _options.Port, e.Message, InflightCount);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outbound.Writer.TryComplete();
        await _disposed.CancelAsync();
        _client.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        _client.Dispose();
        _inflightSlots.Dispose();
        _disposed.Dispose();
    }

    /// <summary>A QoS 1 message from its first send to its PUBACK (reference identity: the same message may be queued twice).</summary>
    private sealed class InFlight(MqttApplicationMessage message)
    {
        public MqttApplicationMessage Message { get; } = message;
    }

    /// <summary>The sends and subscribes of one connection, each of which handles its own failure; awaited when it ends.</summary>
    private sealed class TaskTracker
    {
        private readonly HashSet<Task> _running = [];

        public void Track(Task task)
        {
            lock (_running) _running.Add(task);
            _ = task.ContinueWith(t => { lock (_running) _running.Remove(t); }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public Task WhenAllAsync()
        {
            lock (_running) return Task.WhenAll([.. _running]);
        }
    }

    [LoggerMessage(EventId = 610, Level = LogLevel.Information, Message = "connected to the MQTT broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 611, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port}: {Reason}; retrying in {RetrySeconds} s")]
    private static partial void LogConnectionFailed(ILogger logger, string host, int port, string reason, double retrySeconds);

    [LoggerMessage(EventId = 612, Level = LogLevel.Warning, Message = "the MQTT broker {Host} refused a subscription of the gateway; check its ACL for the gateway's user")]
    private static partial void LogSubscribeRefused(ILogger logger, string host);

    [LoggerMessage(EventId = 613, Level = LogLevel.Warning, Message = "gateway subscription {Filter} is full; a message was dropped")]
    private static partial void LogDropped(ILogger logger, string filter);

    [LoggerMessage(EventId = 614, Level = LogLevel.Debug, Message = "MQTT session present: {SessionPresent}; {Inflight} publishes sent again")]
    private static partial void LogSession(ILogger logger, bool sessionPresent, int inflight);

    [LoggerMessage(EventId = 615, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port}: stop incomplete ({Reason}), {Inflight} publishes unacknowledged")]
    private static partial void LogStopIncomplete(ILogger logger, string host, int port, string reason, int inflight);

    [LoggerMessage(EventId = 14500, Level = LogLevel.Warning, Message = "the MQTT broker refused the gateway's publish to {Topic} (PUBACK reason {ReasonCode}: {ReasonString}); check its ACL for the gateway's user")]
    private static partial void LogPublishRefused(ILogger logger, string topic, int reasonCode, string? reasonString);

    [LoggerMessage(EventId = 14502, Level = LogLevel.Debug, Message = "MQTT connection closed uncleanly: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 14501, Level = LogLevel.Debug, Message = "MQTT subscribe interrupted ({Reason}); the next connection subscribes again")]
    private static partial void LogSubscribeInterrupted(ILogger logger, string reason);
}

/// <summary>The broker answered CONNECT with a refusal (MQTT 5 reason code; MQTTnet maps v3.1.1 return codes onto them).</summary>
public sealed class MqttConnectionRefusedException(MqttClientConnectResultCode reasonCode, string? reasonString)
    : Exception($"the broker refused the connection (CONNACK reason {(int)reasonCode}: {reasonCode}{(reasonString is null ? "" : $", {reasonString}")})")
{
    public MqttClientConnectResultCode ReasonCode { get; } = reasonCode;
}
