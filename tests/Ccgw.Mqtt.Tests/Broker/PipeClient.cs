using System.Buffers;
using System.IO.Pipelines;
using Ccgw.Testing;

namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>A minimal MQTT client over in-memory pipes, built on the codec, to drive the broker packet by packet.</summary>
internal sealed class PipeClient : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);
    private readonly Pipe _toBroker = new();
    private readonly Pipe _fromBroker = new();

    public PipeClient(MqttBroker broker, MqttProtocolVersion version)
    {
        Version = version;
        BrokerTask = broker.HandleConnectionAsync(new DuplexPipe(_toBroker.Reader, _fromBroker.Writer), null, CancellationToken.None);
    }

    public MqttProtocolVersion Version { get; }
    public Task BrokerTask { get; }

    public async Task SendAsync(MqttPacket packet)
    {
        MqttPacketEncoder.Encode(packet, Version, _toBroker.Writer);
        await _toBroker.Writer.FlushAsync();
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _toBroker.Writer.WriteAsync(bytes);
    }

    /// <summary>Writes and waits for the broker to take the bytes (the pipe pauses a writer 64 KiB ahead of its reader).</summary>
    public async Task<FlushResult> SendRawWithFlushAsync(byte[] bytes) =>
        await _toBroker.Writer.WriteAsync(bytes).AsTask().WaitAsync(ReplyTimeout);

    /// <summary>The next packet from the broker, or null when the broker closed the connection.</summary>
    public async Task<MqttPacket?> ReceiveAsync()
    {
        while (true)
        {
            var result = await _fromBroker.Reader.ReadAsync().AsTask().WaitAsync(ReplyTimeout);
            var buffer = result.Buffer;
            if (MqttFrameReader.TryRead(buffer, int.MaxValue, out var frame))
            {
                var packet = MqttPacketDecoder.Decode(frame, Version);
                _fromBroker.Reader.AdvanceTo(frame.End);
                return packet;
            }
            _fromBroker.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) return null;
        }
    }

    public async Task<T> ReceiveAsync<T>() where T : MqttPacket
    {
        var packet = await ReceiveAsync();
        return Assert.IsType<T>(packet);
    }

    /// <summary>
    /// Asserts the broker closes the connection, skipping packets it sends first (e.g. DISCONNECT). Like a real
    /// client, it closes its side once it has read the broker's DISCONNECT (the broker lingers until then).
    /// </summary>
    public async Task<List<MqttPacket>> ExpectClosedAsync()
    {
        var seen = new List<MqttPacket>();
        while (await ReceiveAsync() is { } packet)
        {
            seen.Add(packet);
            if (packet is DisconnectPacket) await _toBroker.Writer.CompleteAsync();
        }
        await BrokerTask.WaitAsync(ReplyTimeout);
        return seen;
    }

    /// <summary>Asserts nothing is pending right now, by a PINGREQ round trip that must come back first.</summary>
    public async Task ExpectNothingPendingAsync()
    {
        await SendAsync(new PingReqPacket());
        Assert.IsType<PingRespPacket>(await ReceiveAsync());
    }

    public async Task<ConnAckPacket> ConnectAsync(string clientId, string user = "alice", string password = "demo-alice", bool cleanStart = true,
        ushort keepAlive = 0, MqttWill? will = null, MqttProperties? properties = null)
    {
        await SendAsync(new ConnectPacket
        {
            ProtocolVersion = Version, ClientId = clientId, CleanStart = cleanStart, KeepAliveSeconds = keepAlive,
            UserName = user, Password = System.Text.Encoding.UTF8.GetBytes(password), Will = will, Properties = properties,
        });
        return await ReceiveAsync<ConnAckPacket>();
    }

    public async Task<SubAckPacket> SubscribeAsync(string filter, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce, ushort packetId = 1, MqttSubscriptionOptions? options = null)
    {
        await SendAsync(new SubscribePacket { PacketId = packetId, Subscriptions = [new(filter, options ?? new MqttSubscriptionOptions(qos))] });
        return await ReceiveAsync<SubAckPacket>();
    }

    /// <summary>Drops the connection without DISCONNECT, as a crashed client or a cut cable would.</summary>
    public async Task AbortAsync()
    {
        await _toBroker.Writer.CompleteAsync();
        await BrokerTask.WaitAsync(ReplyTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        await _toBroker.Writer.CompleteAsync();
        try
        {
            await BrokerTask.WaitAsync(ReplyTimeout);
        }
        catch (TimeoutException)
        {
        }
        await _fromBroker.Reader.CompleteAsync();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}

/// <summary>A broker with the demo users and the contact-centre ACL on a manual clock.</summary>
internal sealed class BrokerFixture : IAsyncDisposable
{
    public BrokerFixture(MqttBrokerOptions? options = null)
    {
        Time = new ManualTimeProvider();
        Broker = new MqttBroker(options ?? new MqttBrokerOptions(), DemoUsers.Authenticator(), new ContactCenterAcl(), Time, logger: Log);
        Metrics = new MetricRecorder(Broker.Meter);
    }

    public ManualTimeProvider Time { get; }
    public CollectingLogger Log { get; } = new();
    public MqttBroker Broker { get; }
    public MetricRecorder Metrics { get; }

    public PipeClient Client(MqttProtocolVersion version = MqttProtocolVersion.V500) => new(Broker, version);

    public async Task<PipeClient> ConnectedAsync(string clientId, string user = "alice", MqttProtocolVersion version = MqttProtocolVersion.V500, bool cleanStart = true, MqttProperties? properties = null, MqttWill? will = null, ushort keepAlive = 0)
    {
        var client = Client(version);
        var ack = await client.ConnectAsync(clientId, user, "demo-" + user, cleanStart, keepAlive, will, properties);
        Assert.Equal(0, ack.ReasonCode);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await Broker.DisposeAsync();
    }
}

internal static class DemoUsers
{
    public static InMemoryMqttAuthenticator Authenticator() => new(
    [
        ("alice", "demo-alice", [ContactCenterAcl.AgentRole]),
        ("bob", "demo-bob", [ContactCenterAcl.AgentRole]),
        ("sup", "demo-sup", [ContactCenterAcl.SupervisorRole]),
    ]);
}
