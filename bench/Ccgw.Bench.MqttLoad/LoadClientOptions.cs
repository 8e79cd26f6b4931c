using Ccgw.Mqtt;

namespace Ccgw.Bench.MqttLoad;

/// <summary>How <see cref="LoadClient"/> reaches the broker under test.</summary>
internal sealed class LoadClientOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = 1883;
    public bool Tls { get; init; }
    public string? TlsServerName { get; init; }
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public string ClientId { get; init; } = "ccgw";
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retained will registered at CONNECT and published by the client itself before a clean DISCONNECT.</summary>
    public MqttApplicationMessage? Will { get; init; }

    /// <summary>Publishes queued while the broker is unreachable; beyond this, writers wait.</summary>
    public int OutboundCapacity { get; init; } = 4096;

    /// <summary>QoS 1 publishes sent and not yet acknowledged; the rest wait in the outbound queue.</summary>
    public int MaximumInflight { get; init; } = 32;

    /// <summary>First wait before reconnecting; doubles on each failure up to 30 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    public int MaximumPacketSize { get; init; } = 1 << 20;
}
