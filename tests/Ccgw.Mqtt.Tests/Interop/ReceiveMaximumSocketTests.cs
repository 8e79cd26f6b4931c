using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Ccgw.Mqtt.Tests.Interop;

/// <summary>
/// Receive Maximum over a real loopback socket, the way an outside conformance suite drives it: one thread writes
/// a burst of QoS 2 PUBLISHes far past the broker's Receive Maximum without ever sending PUBREL, and only then reads.
/// The broker must answer DISCONNECT 0x93 and the client must be able to read it: if the broker closed the socket
/// with the burst still unread, the kernel would reset the connection and the client's write or read would fail first.
/// </summary>
public sealed class ReceiveMaximumSocketTests(SocketBrokerHost host) : IClassFixture<SocketBrokerHost>
{
    [Fact]
    public async Task A_burst_past_receive_maximum_gets_disconnect_0x93_before_the_connection_closes()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 15_000, SendTimeout = 15_000 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Port));
        var output = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(new ConnectPacket
        {
            ProtocolVersion = MqttProtocolVersion.V500, ClientId = "flood", CleanStart = true,
            UserName = "sup", Password = "demo-sup"u8.ToArray(),
        }, MqttProtocolVersion.V500, output);
        socket.Send(output.WrittenSpan);
        var received = new List<MqttPacket>();
        var input = new byte[64 * 1024];
        var pending = new List<byte>();
        ReadPackets(socket, input, pending, received, untilCount: 1);
        var connAck = Assert.IsType<ConnAckPacket>(received[0]);
        var receiveMaximum = connAck.Properties!.ReceiveMaximum!.Value;

        output.Clear();
        var payload = new byte[1024];
        for (var id = 1; id <= 2000; id++)
            MqttPacketEncoder.Encode(new PublishPacket
            {
                Topic = "ccgw/agents/alice/commands", Qos = MqttQualityOfService.ExactlyOnce, PacketId = (ushort)id, Payload = payload,
            }, MqttProtocolVersion.V500, output);
        socket.Send(output.WrittenSpan); // 2 MB, blocking: succeeds only if the broker keeps reading after its DISCONNECT
        ReadPackets(socket, input, pending, received, untilCount: int.MaxValue);

        var replies = received.Skip(1).ToList();
        Assert.Equal(receiveMaximum, replies.Count(p => p is PublishAckPacket { Type: MqttPacketType.PubRec }));
        Assert.Equal(MqttReasonCode.ReceiveMaximumExceeded, Assert.IsType<DisconnectPacket>(replies[^1]).ReasonCode);
    }

    /// <summary>Reads whole packets until <paramref name="untilCount"/> are decoded or the broker closes (end of stream).</summary>
    private static void ReadPackets(Socket socket, byte[] input, List<byte> pending, List<MqttPacket> received, int untilCount)
    {
        while (received.Count < untilCount)
        {
            var read = socket.Receive(input);
            if (read == 0) return;
            pending.AddRange(input.AsSpan(0, read));
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            var total = buffer.Length;
            while (MqttFrameReader.TryRead(buffer, int.MaxValue, out var frame))
            {
                received.Add(MqttPacketDecoder.Decode(frame, MqttProtocolVersion.V500));
                buffer = buffer.Slice(frame.End);
            }
            pending.RemoveRange(0, (int)(total - buffer.Length));
        }
    }
}
