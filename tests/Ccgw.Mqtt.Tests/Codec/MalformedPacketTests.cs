using System.Buffers;

namespace Ccgw.Mqtt.Tests.Codec;

public sealed class MalformedPacketTests
{
    private static byte Decode(byte[] bytes, MqttProtocolVersion version = MqttProtocolVersion.V500, int max = 1 << 20)
    {
        var ex = Assert.Throws<MqttProtocolException>(() =>
        {
            if (!MqttFrameReader.TryRead(new ReadOnlySequence<byte>(bytes), max, out var frame)) throw new InvalidOperationException("incomplete");
            MqttPacketDecoder.Decode(frame, version);
        });
        return ex.ReasonCode;
    }

    [Fact]
    public void Remaining_length_of_five_bytes_is_malformed() =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));

    [Fact]
    public void Packet_larger_than_the_maximum_is_refused_before_its_body_arrives() =>
        Assert.Equal(MqttReasonCode.PacketTooLarge, Decode([0x30, 0xFF, 0x7F], max: 1000));

    [Fact]
    public void Packet_type_zero_is_malformed() => Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x00, 0x00]));

    [Fact]
    public void Auth_is_not_a_v3_packet() => Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0xF0, 0x00], MqttProtocolVersion.V311));

    [Theory]
    [InlineData(new byte[] { 0x60, 0x02, 0x00, 0x01 })] // PUBREL must have flags 0010
    [InlineData(new byte[] { 0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00 })] // SUBSCRIBE flags 0000
    [InlineData(new byte[] { 0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01 })] // PUBLISH QoS 3
    [InlineData(new byte[] { 0x38, 0x03, 0x00, 0x01, 0x61 })] // DUP on QoS 0
    [InlineData(new byte[] { 0xC0, 0x01, 0x00 })] // PINGREQ with a body
    [InlineData(new byte[] { 0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00 })] // packet id 0
    public void Reserved_bits_and_impossible_fields_are_malformed(byte[] bytes) =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode(bytes, MqttProtocolVersion.V311));

    [Fact]
    public void Topic_with_nul_character_is_malformed() =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0x04, 0x00, 0x02, 0x61, 0x00], MqttProtocolVersion.V311));

    [Fact]
    public void Topic_with_invalid_utf8_is_malformed() =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0x04, 0x00, 0x02, 0xC3, 0x28], MqttProtocolVersion.V311));

    [Fact]
    public void Encoded_surrogate_is_malformed() =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80], MqttProtocolVersion.V311));

    [Fact]
    public void String_length_past_the_end_is_malformed() =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0x03, 0x00, 0x09, 0x61], MqttProtocolVersion.V311));

    [Fact]
    public void Duplicate_property_is_a_protocol_error() =>
        // PUBLISH "a", properties: message expiry twice.
        Assert.Equal(MqttReasonCode.ProtocolError, Decode([0x30, 0x0E, 0x00, 0x01, 0x61, 0x0A, 0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2]));

    [Fact]
    public void Property_not_allowed_in_the_packet_is_malformed() =>
        // PUBLISH "a" with Session Expiry Interval.
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0x09, 0x00, 0x01, 0x61, 0x05, 0x11, 0, 0, 0, 1]));

    [Fact]
    public void Unknown_property_is_malformed() =>
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode([0x30, 0x06, 0x00, 0x01, 0x61, 0x02, 0x7F, 0x00]));

    [Fact]
    public void Subscribe_without_filters_is_a_protocol_error() =>
        Assert.Equal(MqttReasonCode.ProtocolError, Decode([0x82, 0x02, 0x00, 0x01], MqttProtocolVersion.V311));

    [Fact]
    public void Connect_with_unknown_protocol_level_is_unsupported()
    {
        var bytes = MqttPacketEncoder.ToBytes(new ConnectPacket { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "c" }, MqttProtocolVersion.V311);
        bytes[8] = 3;
        Assert.Equal(MqttReasonCode.UnsupportedProtocolVersion, Decode(bytes));
    }

    [Fact]
    public void Connect_reserved_flag_is_malformed()
    {
        var bytes = MqttPacketEncoder.ToBytes(new ConnectPacket { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "c" }, MqttProtocolVersion.V311);
        bytes[9] |= 1;
        Assert.Equal(MqttReasonCode.MalformedPacket, Decode(bytes));
    }
}
