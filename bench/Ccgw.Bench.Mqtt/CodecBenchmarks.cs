using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ccgw.Mqtt;

namespace Ccgw.Bench.Mqtt;

/// <summary>PUBLISH decode and encode per message, as a presence update of the gateway would be.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private ReadOnlySequence<byte> _wire;
    private PublishPacket _packet = null!;

    [Params(MqttProtocolVersion.V311, MqttProtocolVersion.V500)]
    public MqttProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _packet = new PublishPacket
        {
            Topic = "ccgw/agents/alice/presence",
            Payload = """{"agentId":"alice","state":"ready","reason":null,"since":"2026-01-01T09:00:00Z","channels":{"voice":true,"im":true}}"""u8.ToArray(),
            Qos = MqttQualityOfService.AtLeastOnce,
            PacketId = 42,
            Retain = true,
            Properties = Version == MqttProtocolVersion.V500 ? new MqttProperties { ContentType = "application/json", MessageExpiryInterval = 60 } : null,
        };
        _wire = new ReadOnlySequence<byte>(MqttPacketEncoder.ToBytes(_packet, Version));
    }

    /// <summary>Framing plus field slicing: what the broker needs to route, without copies.</summary>
    [Benchmark(Baseline = true)]
    public int DecodePublishView()
    {
        MqttFrameReader.TryRead(_wire, 1 << 20, out var frame);
        var view = MqttPacketDecoder.ReadPublishView(frame, Version == MqttProtocolVersion.V500);
        return (int)view.Payload.Length + view.PacketId;
    }

    /// <summary>Full decode into a packet object (topic string, payload copy, properties).</summary>
    [Benchmark]
    public int DecodePublishPacket()
    {
        MqttFrameReader.TryRead(_wire, 1 << 20, out var frame);
        var packet = (PublishPacket)MqttPacketDecoder.Decode(frame, Version);
        return packet.Payload.Length;
    }

    [Benchmark]
    public int EncodePublish()
    {
        _output.ResetWrittenCount();
        return MqttPacketEncoder.Encode(_packet, Version, _output);
    }
}
