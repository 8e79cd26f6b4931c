namespace Ccgw.Mqtt;

/// <summary>
/// A message as it travels through the broker: what a client or the gateway published, shared
/// (never copied) by every subscriber it is delivered to. Immutable.
/// </summary>
public sealed class MqttApplicationMessage
{
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public MqttQualityOfService Qos { get; init; }
    public bool Retain { get; init; }

    /// <summary>v5 Payload Format Indicator: true when the publisher declared the payload UTF-8.</summary>
    public bool PayloadIsUtf8 { get; init; }

    /// <summary>v5 Message Expiry Interval in seconds, as published; null means it never expires.</summary>
    public uint? MessageExpiryInterval { get; init; }

    public string? ContentType { get; init; }
    public string? ResponseTopic { get; init; }
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>>? UserProperties { get; init; }

    /// <summary>Client id of the publishing client; null when the gateway itself published.</summary>
    public string? SenderClientId { get; init; }

    /// <summary>When the broker accepted the message, for the expiry countdown (§3.3.2.3.3).</summary>
    internal DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Seconds left before expiry at <paramref name="now"/>; null if it never expires, 0 if expired.</summary>
    internal uint? RemainingExpiry(DateTimeOffset now)
    {
        if (MessageExpiryInterval is not { } interval) return null;
        var elapsed = (now - ReceivedAt).TotalSeconds;
        return elapsed >= interval ? 0u : (uint)Math.Ceiling(interval - elapsed);
    }

    internal bool IsExpired(DateTimeOffset now) => RemainingExpiry(now) == 0;
}
