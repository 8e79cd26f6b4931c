using System.Buffers;

namespace Ccgw.Mqtt.Tests.Codec;

public sealed class CodecRoundTripTests
{
    private const int Max = 1 << 20;

    public static TheoryData<MqttProtocolVersion> Versions => new() { MqttProtocolVersion.V311, MqttProtocolVersion.V500 };

    internal static MqttPacket DecodeOne(ReadOnlySequence<byte> bytes, MqttProtocolVersion version)
    {
        Assert.True(MqttFrameReader.TryRead(bytes, Max, out var frame));
        Assert.Equal(bytes.End, frame.End);
        return MqttPacketDecoder.Decode(frame, version);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_packet_type_round_trips_byte_for_byte(MqttProtocolVersion version)
    {
        var types = new HashSet<MqttPacketType>();
        foreach (var packet in SamplePackets.All(version))
        {
            var bytes = MqttPacketEncoder.ToBytes(packet, version);
            Assert.Equal(bytes.Length, MqttPacketEncoder.MeasureSize(packet, version));
            var decoded = DecodeOne(new ReadOnlySequence<byte>(bytes), version);
            Assert.Equal(packet.Type, decoded.Type);
            Assert.Equal(bytes, MqttPacketEncoder.ToBytes(decoded, version));
            types.Add(decoded.Type);
        }
        Assert.Equal(version == MqttProtocolVersion.V500 ? 15 : 14, types.Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_proper_prefix_is_incomplete_and_consumes_nothing(MqttProtocolVersion version)
    {
        foreach (var packet in SamplePackets.All(version))
        {
            var bytes = MqttPacketEncoder.ToBytes(packet, version);
            for (var length = 0; length < bytes.Length; length++)
                Assert.False(MqttFrameReader.TryRead(new ReadOnlySequence<byte>(bytes, 0, length), Max, out _), $"{packet.Type} prefix {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Decoding_one_byte_per_segment_gives_the_same_packet(MqttProtocolVersion version)
    {
        foreach (var packet in SamplePackets.All(version))
        {
            var bytes = MqttPacketEncoder.ToBytes(packet, version);
            var decoded = DecodeOne(Sequences.OneBytePerSegment(bytes), version);
            Assert.Equal(bytes, MqttPacketEncoder.ToBytes(decoded, version));
        }
    }

    [Fact]
    public void Two_packets_in_one_buffer_are_read_one_after_the_other()
    {
        var a = MqttPacketEncoder.ToBytes(new PingReqPacket(), MqttProtocolVersion.V311);
        var b = MqttPacketEncoder.ToBytes(new PublishPacket { Topic = "t", Payload = new byte[] { 1 } }, MqttProtocolVersion.V311);
        var buffer = new ReadOnlySequence<byte>([.. a, .. b]);
        Assert.True(MqttFrameReader.TryRead(buffer, Max, out var first));
        Assert.Equal(MqttPacketType.PingReq, first.Type);
        buffer = buffer.Slice(first.End);
        Assert.True(MqttFrameReader.TryRead(buffer, Max, out var second));
        var publish = Assert.IsType<PublishPacket>(MqttPacketDecoder.Decode(second, MqttProtocolVersion.V311));
        Assert.Equal("t", publish.Topic);
        Assert.Equal(new byte[] { 1 }, publish.Payload.ToArray());
    }

    [Fact]
    public void V5_properties_survive_decoding()
    {
        var bytes = MqttPacketEncoder.ToBytes(new PublishPacket { Topic = "a", Qos = MqttQualityOfService.AtLeastOnce, PacketId = 9, Properties = SamplePackets.RichPublishProperties() }, MqttProtocolVersion.V500);
        var p = Assert.IsType<PublishPacket>(DecodeOne(new ReadOnlySequence<byte>(bytes), MqttProtocolVersion.V500));
        Assert.Equal("application/json", p.Properties!.ContentType);
        Assert.Equal("ccgw/replies/é", p.Properties.ResponseTopic);
        Assert.Equal(new uint[] { 7, 300_000 }, p.Properties.SubscriptionIdentifiers);
        Assert.Equal(60u, p.Properties.MessageExpiryInterval);
        Assert.Equal((ushort)3, p.Properties.TopicAlias);
        Assert.Equal(2, p.Properties.UserProperties!.Count);
    }

    [Fact]
    public void The_publish_view_reads_fields_without_copying()
    {
        var bytes = MqttPacketEncoder.ToBytes(new PublishPacket { Topic = "q/r", Payload = "xyz"u8.ToArray(), Qos = MqttQualityOfService.ExactlyOnce, PacketId = 77, Retain = true }, MqttProtocolVersion.V500);
        Assert.True(MqttFrameReader.TryRead(new ReadOnlySequence<byte>(bytes), Max, out var frame));
        var view = MqttPacketDecoder.ReadPublishView(frame, v5: true);
        Assert.Equal("q/r"u8.ToArray(), view.Topic.ToArray());
        Assert.Equal("xyz"u8.ToArray(), view.Payload.ToArray());
        Assert.Equal((ushort)77, view.PacketId);
        Assert.Equal(MqttQualityOfService.ExactlyOnce, view.Qos);
        Assert.True(view.Retain);
    }
}
