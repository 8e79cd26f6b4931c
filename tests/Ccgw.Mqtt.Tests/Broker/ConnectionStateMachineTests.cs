namespace Ccgw.Mqtt.Tests.Broker;

public sealed class ConnectionStateMachineTests
{
    [Fact]
    public void Connect_then_accept_reaches_connected()
    {
        var sm = new ConnectionStateMachine();
        sm.OnPacket(MqttPacketType.Connect);
        Assert.Equal(MqttConnectionPhase.Authenticating, sm.Phase);
        sm.Accept();
        Assert.Equal(MqttConnectionPhase.Connected, sm.Phase);
        sm.OnPacket(MqttPacketType.Publish);
        sm.OnPacket(MqttPacketType.PingReq);
        sm.OnPacket(MqttPacketType.Disconnect);
        Assert.Equal(MqttConnectionPhase.Closed, sm.Phase);
    }

    [Theory]
    [InlineData((int)MqttPacketType.Publish)]
    [InlineData((int)MqttPacketType.PingReq)]
    [InlineData((int)MqttPacketType.Subscribe)]
    public void Anything_before_connect_is_a_protocol_error(int type)
    {
        var ex = Assert.Throws<MqttProtocolException>(() => new ConnectionStateMachine().OnPacket((MqttPacketType)type));
        Assert.Equal(MqttReasonCode.ProtocolError, ex.ReasonCode);
    }

    [Theory]
    [InlineData((int)MqttPacketType.Connect)]
    [InlineData((int)MqttPacketType.ConnAck)]
    [InlineData((int)MqttPacketType.SubAck)]
    [InlineData((int)MqttPacketType.UnsubAck)]
    [InlineData((int)MqttPacketType.PingResp)]
    [InlineData((int)MqttPacketType.Auth)]
    public void Connected_clients_may_not_send_server_packets_or_a_second_connect(int type)
    {
        var sm = new ConnectionStateMachine();
        sm.OnPacket(MqttPacketType.Connect);
        sm.Accept();
        Assert.Throws<MqttProtocolException>(() => sm.OnPacket((MqttPacketType)type));
    }

    [Fact]
    public void Nothing_is_accepted_after_disconnect_or_while_authenticating()
    {
        var sm = new ConnectionStateMachine();
        sm.OnPacket(MqttPacketType.Connect);
        Assert.Throws<MqttProtocolException>(() => sm.OnPacket(MqttPacketType.Publish));
        sm.Accept();
        sm.OnPacket(MqttPacketType.Disconnect);
        Assert.Throws<MqttProtocolException>(() => sm.OnPacket(MqttPacketType.Publish));
        Assert.Throws<InvalidOperationException>(sm.Accept);
    }
}
