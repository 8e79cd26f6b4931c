namespace Ccgw.Mqtt;

/// <summary>Limits of the broker. Every queue and buffer it keeps is bounded by one of these.</summary>
public sealed class MqttBrokerOptions
{
    /// <summary>Largest packet accepted or sent, in bytes (§3.1.2.11.4, §3.2.2.3.6).</summary>
    public int MaximumPacketSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Largest packet accepted before CONNECT succeeded, so an unauthenticated peer cannot make the
    /// broker buffer a full <see cref="MaximumPacketSize"/> for the whole connect timeout.
    /// </summary>
    public int MaximumConnectPacketSize { get; set; } = 64 * 1024;

    /// <summary>Unacknowledged inbound QoS 2 PUBLISHes allowed per client (v5 Receive Maximum, §4.9).</summary>
    public ushort ServerReceiveMaximum { get; set; } = 100;

    /// <summary>Outbound QoS 1/2 messages in flight per client; a v5 client's own Receive Maximum lowers it.</summary>
    public ushort MaximumInflightPerClient { get; set; } = 20;

    /// <summary>QoS 1/2 messages kept per session while offline or beyond the in-flight window.</summary>
    public int MaximumQueuedMessagesPerSession { get; set; } = 1000;

    /// <summary>Encoded packets waiting for the socket per connection; a client that lets it fill is dropped.</summary>
    public int OutboundPacketQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// How long a subscriber may take nothing from its socket while a publishing client waits for it to catch up (QoS 0
    /// back-pressure); after it the subscriber is treated as stuck and its copies are dropped until it catches up. A
    /// subscriber that is still reading keeps the publisher waiting, one limit at a time.
    /// </summary>
    public TimeSpan PublisherWaitLimit { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Topic aliases a v5 client may define towards the broker (§3.3.2.3.4).</summary>
    public ushort TopicAliasMaximum { get; set; } = 16;

    public int MaximumRetainedMessages { get; set; } = 10_000;

    public int MaximumSessions { get; set; } = 10_000;

    /// <summary>Topic filters one session may hold; more are refused in SUBACK (0x97 / 0x80).</summary>
    public int MaximumSubscriptionsPerSession { get; set; } = 1000;

    /// <summary>Cap on session expiry; also the lifetime of a v3.1.1 clean-session=0 session.</summary>
    public TimeSpan MaximumSessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a new connection may take to send CONNECT.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long closing a connection waits for queued packets to reach the socket.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After the broker sent DISCONNECT (v5), how long it keeps reading and discarding what the client still sends
    /// before closing, waiting for the client to close first. Closing a socket with unread input makes the kernel
    /// send a reset, which can destroy the DISCONNECT before the client reads it (Apache's "lingering close").
    /// </summary>
    public TimeSpan LingerTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Largest keep alive the broker accepts (§3.2.2.3.14 Server Keep Alive), or null to take every client's own.
    /// A v5 client asking for 0 or more is told this value in CONNACK and held to 1.5 times it; a v3.1.1 client,
    /// which cannot be told, is refused (0x02 identifier rejected), as mosquitto's max_keepalive does.
    /// </summary>
    public TimeSpan? MaximumKeepAlive { get; set; }

    /// <summary>Prefix of client ids the broker assigns to clients that sent an empty one (§3.1.3.1).</summary>
    public string AssignedClientIdPrefix { get; set; } = "ccgw-";

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumPacketSize, 64, nameof(MaximumPacketSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaximumPacketSize, MqttFrameReader.MaxRemainingLength, nameof(MaximumPacketSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumConnectPacketSize, 64, nameof(MaximumConnectPacketSize));
        ArgumentOutOfRangeException.ThrowIfZero(ServerReceiveMaximum, nameof(ServerReceiveMaximum));
        ArgumentOutOfRangeException.ThrowIfZero(MaximumInflightPerClient, nameof(MaximumInflightPerClient));
        ArgumentOutOfRangeException.ThrowIfNegative(MaximumQueuedMessagesPerSession, nameof(MaximumQueuedMessagesPerSession));
        ArgumentOutOfRangeException.ThrowIfLessThan(OutboundPacketQueueCapacity, MaximumInflightPerClient + 16, nameof(OutboundPacketQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(MaximumRetainedMessages, nameof(MaximumRetainedMessages));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumSessions, 1, nameof(MaximumSessions));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumSubscriptionsPerSession, 1, nameof(MaximumSubscriptionsPerSession));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumSessionExpiry, TimeSpan.Zero, nameof(MaximumSessionExpiry));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LingerTimeout, TimeSpan.Zero, nameof(LingerTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PublisherWaitLimit, TimeSpan.Zero, nameof(PublisherWaitLimit));
        if (MaximumKeepAlive is { } keepAlive && (keepAlive < TimeSpan.FromSeconds(1) || keepAlive > TimeSpan.FromSeconds(ushort.MaxValue)))
            throw new ArgumentOutOfRangeException(nameof(MaximumKeepAlive), keepAlive, "between 1 and 65535 seconds");
        ArgumentNullException.ThrowIfNull(AssignedClientIdPrefix);
    }

    internal ushort? MaximumKeepAliveSeconds => MaximumKeepAlive is { } keepAlive ? (ushort)keepAlive.TotalSeconds : null;

    internal uint MaximumSessionExpirySeconds => (uint)Math.Min(uint.MaxValue - 1, MaximumSessionExpiry.TotalSeconds);
}
