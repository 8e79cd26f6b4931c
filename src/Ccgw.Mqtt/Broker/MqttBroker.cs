using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt;

/// <summary>
/// The embedded MQTT 3.1.1/5.0 broker. Host it by handing each accepted transport to
/// <see cref="HandleConnectionAsync(IDuplexPipe, EndPoint?, CancellationToken)"/> (Kestrel TCP,
/// TLS stream, WebSocket adapted to a pipe); feed it from the gateway with <see cref="PublishAsync(MqttApplicationMessage, CancellationToken)"/>
/// and read client messages with <see cref="Subscribe"/>.
/// </summary>
public sealed class MqttBroker : IAsyncDisposable
{
    private readonly BrokerCore _core;
    private readonly BrokerContext _context;
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;
    private MqttApplicationMessage? _gatewayWill;

    /// <param name="options">Limits; validated here.</param>
    /// <param name="authenticator">Checks CONNECT credentials.</param>
    /// <param name="authorizer">Decides SUBSCRIBE filters and PUBLISH topics of clients (not of the gateway).</param>
    /// <param name="timeProvider">The only clock the broker uses (keep alive, will delay, session and message expiry).</param>
    /// <param name="meterFactory">Creates the "Ccgw.Mqtt" meter; without one the broker owns a plain <see cref="System.Diagnostics.Metrics.Meter"/>.</param>
    /// <param name="logger">Protocol errors and failures of clients (ids 14400-14499); none without one.</param>
    public MqttBroker(MqttBrokerOptions options, IMqttAuthenticator authenticator, IMqttAuthorizer authorizer, TimeProvider timeProvider, IMeterFactory? meterFactory = null,
        ILogger<MqttBroker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authenticator);
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _context = new BrokerContext(options, new MqttBrokerMetrics(meterFactory), timeProvider, (ILogger?)logger ?? NullLogger.Instance);
        _core = new BrokerCore(_context, authenticator, authorizer);
    }

    /// <summary>Clients whose CONNECT was accepted and whose connection is open.</summary>
    public int ConnectedClients => _context.Metrics.Connections;

    /// <summary>Sessions held, connected or waiting for their client to return.</summary>
    public int SessionCount => _core.SessionCount;

    internal Meter Meter => _context.Metrics.Meter;

    /// <summary>
    /// Waits until some user's first connection opened or last connection closed and returns those users with
    /// their current counts (the gateway treats an agent's consoles as one device). Meant for one reader.
    /// </summary>
    public ValueTask<IReadOnlyList<MqttUserConnections>> WaitForUserConnectionChangesAsync(CancellationToken cancellationToken) =>
        _core.Users.WaitForChangesAsync(cancellationToken);

    /// <summary>Accepted connections open now for <paramref name="userName"/>.</summary>
    public int ConnectionsOf(string userName) => _core.Users.Count(userName);

    internal BrokerCore Core => _core;

    /// <summary>
    /// Serves one client connection until it ends. Never throws for anything the peer does; the
    /// transport is completed on return. Cancel <paramref name="cancellationToken"/> to close it
    /// (v5 clients receive DISCONNECT 0x8B).
    /// </summary>
    public async Task HandleConnectionAsync(IDuplexPipe transport, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (Volatile.Read(ref _disposed) != 0)
        {
            await transport.Input.CompleteAsync();
            await transport.Output.CompleteAsync();
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var connection = new MqttConnection(transport, remoteEndPoint, _core, _context);
        await connection.RunAsync(linked.Token);
    }

    /// <summary>Serves a client over a stream (TLS, WebSocket stream); the stream is left to the caller to dispose.</summary>
    public Task HandleConnectionAsync(Stream stream, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var pipe = new StreamDuplexPipe(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
        return HandleConnectionAsync(pipe, remoteEndPoint, cancellationToken);
    }

    /// <summary>Publishes as the broker's own client: no authorization, delivered to matching subscribers.</summary>
    public ValueTask PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _core.PublishInternal(StampForGateway(message));
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The gateway's last will (CONTRACT §6): published as the gateway when the broker is disposed,
    /// before clients are disconnected, so consoles see the gateway go offline. Null for none.
    /// </summary>
    public MqttApplicationMessage? GatewayWill
    {
        get => _gatewayWill;
        set => _gatewayWill = value is null ? null : StampForGateway(value);
    }

    private MqttApplicationMessage StampForGateway(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!MqttTopic.IsValidTopicName(message.Topic) || !Utf8Text.IsEncodable(message.Topic))
            throw new ArgumentException($"'{message.Topic}' is not a valid topic name", nameof(message));
        if (message.ResponseTopic is { } responseTopic && (!MqttTopic.IsValidTopicName(responseTopic) || !Utf8Text.IsEncodable(responseTopic)))
            throw new ArgumentException($"'{responseTopic}' is not a valid response topic", nameof(message));
        if ((message.ContentType is { } contentType && !Utf8Text.IsEncodable(contentType)) ||
            (message.UserProperties?.Any(p => !Utf8Text.IsEncodable(p.Key) || !Utf8Text.IsEncodable(p.Value)) ?? false))
            throw new ArgumentException("content type and user properties must be UTF-8 encodable without U+0000", nameof(message));
        if (message.Payload.Length > _context.Options.MaximumPacketSize)
            throw new ArgumentException("payload larger than the maximum packet size", nameof(message));
        return new MqttApplicationMessage
        {
            Topic = message.Topic,
            Payload = message.Payload,
            Qos = message.Qos,
            Retain = message.Retain,
            PayloadIsUtf8 = message.PayloadIsUtf8,
            MessageExpiryInterval = message.MessageExpiryInterval,
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData,
            UserProperties = message.UserProperties,
            SenderClientId = null,
            ReceivedAt = _context.Time.GetUtcNow(),
        };
    }

    public ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos = MqttQualityOfService.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = payload, Qos = qos, Retain = retain }, cancellationToken);

    /// <summary>
    /// Receives client (and gateway) messages on <paramref name="topicFilter"/>, including retained
    /// ones at once. Not subject to the authorizer. Dispose the result to stop.
    /// </summary>
    public MqttLocalSubscription Subscribe(string topicFilter, int capacity = 256)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return _core.SubscribeLocal(topicFilter, capacity);
    }

    /// <summary>Closes every connection (v5: DISCONNECT 0x8B Server shutting down).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_gatewayWill is { } will)
            _core.PublishInternal(new MqttApplicationMessage
            {
                Topic = will.Topic, Payload = will.Payload, Qos = will.Qos, Retain = will.Retain, PayloadIsUtf8 = will.PayloadIsUtf8,
                MessageExpiryInterval = will.MessageExpiryInterval, ContentType = will.ContentType, ResponseTopic = will.ResponseTopic,
                CorrelationData = will.CorrelationData, UserProperties = will.UserProperties, ReceivedAt = _context.Time.GetUtcNow(),
            });
        // Accepted clients get the will and then DISCONNECT 0x8B through their queues; the shutdown token ends the rest.
        _core.CloseAll(MqttReasonCode.ServerShuttingDown);
        await _shutdown.CancelAsync();
        _context.Metrics.Dispose();
    }

    private sealed class StreamDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
