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
        ArgumentNullException.ThrowIfNull(AssignedClientIdPrefix);
    }

    internal uint MaximumSessionExpirySeconds => (uint)Math.Min(uint.MaxValue - 1, MaximumSessionExpiry.TotalSeconds);
}
