using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Mqtt.Tests.Client;

/// <summary>
/// <see cref="MqttGatewayClient"/> (MQTTnet's client underneath) against a scripted MQTT 5 broker on 127.0.0.1 that
/// plays the broker's side packet by packet with ccgw's codec, so QoS 1 acknowledgement, resend with DUP after a
/// reconnect (§4.4) and late subscriptions are observable exactly.
/// </summary>
public sealed class MqttGatewayClientTests : IAsyncDisposable
{
    private readonly ScriptedBroker _broker = new();
    private readonly CancellationTokenSource _stop = new();

    private MqttGatewayClient Client(int inflight = 32) => new(new MqttGatewayClientOptions
    {
        Host = "127.0.0.1",
        Port = _broker.Port,
        ClientId = "gw",
        UserName = "ccgw",
        Password = "secret",
        MaximumInflight = inflight,
        ReconnectDelay = TimeSpan.FromMilliseconds(10),
        Will = new MqttApplicationMessage { Topic = "ccgw/center/status", Payload = "{\"gateway\":\"offline\"}"u8.ToArray(), Qos = MqttQualityOfService.AtLeastOnce, Retain = true },
    }, TimeProvider.System, NullLogger<MqttGatewayClient>.Instance);

    private static MqttApplicationMessage Message(string topic, string payload) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), Qos = MqttQualityOfService.AtLeastOnce, Retain = true };

    [Fact]
    public async Task A_filter_subscribed_after_the_connection_is_up_is_subscribed_at_once_at_qos_1_and_its_messages_acknowledged()
    {
        await using var client = Client();
        var run = client.RunAsync(_stop.Token);
        await using var peer = await _broker.AcceptAsync();
        var connect = await peer.ReceiveAsync<ConnectPacket>();
        Assert.True(connect.CleanStart); // a new process does not apply commands queued for a previous one
        Assert.Equal(MqttProtocolVersion.V500, connect.ProtocolVersion);
        Assert.Equal("ccgw", connect.UserName);
        Assert.Equal("ccgw/center/status", connect.Will?.Topic);
        await peer.SendAsync(new ConnAckPacket());
        await client.FirstConnection.WaitAsync(TimeSpan.FromSeconds(10));

        using var commands = client.Subscribe("ccgw/agents/+/commands", 16);
        var subscribe = await peer.ReceiveAsync<SubscribePacket>();
        Assert.Equal("ccgw/agents/+/commands", Assert.Single(subscribe.Subscriptions).Filter);
        Assert.Equal(MqttQualityOfService.AtLeastOnce, subscribe.Subscriptions[0].Options.Qos);
        await peer.SendAsync(new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [1] });

        await peer.SendAsync(new PublishPacket { Topic = "ccgw/agents/alice/commands", Payload = "{\"action\":\"ready\"}"u8.ToArray(), Qos = MqttQualityOfService.AtLeastOnce, PacketId = 7 });
        var command = await commands.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("{\"action\":\"ready\"}", Encoding.UTF8.GetString(command.Payload.Span));
        var ack = await peer.ReceiveAsync<PublishAckPacket>();
        Assert.Equal((MqttPacketType.PubAck, (ushort)7), (ack.Type, ack.PacketId));

        await StopAsync(peer, run);
    }

    [Fact]
    public async Task Unacknowledged_publishes_are_sent_again_first_with_dup_on_the_resumed_session()
    {
        await using var client = Client();
        using var commands = client.Subscribe("ccgw/agents/+/commands", 16);
        var run = client.RunAsync(_stop.Token);
        await using (var first = await _broker.AcceptAsync())
        {
            await first.ReceiveAsync<ConnectPacket>();
            await first.SendAsync(new ConnAckPacket());
            await first.ReceiveAsync<SubscribePacket>();
            await client.PublishAsync(Message("ccgw/agents/alice/presence", "1"), CancellationToken.None);
            await client.PublishAsync(Message("ccgw/agents/alice/presence", "2"), CancellationToken.None);
            var p1 = await first.ReceiveAsync<PublishPacket>();
            var p2 = await first.ReceiveAsync<PublishPacket>();
            Assert.Equal(("1", "2"), (Encoding.UTF8.GetString(p1.Payload.Span), Encoding.UTF8.GetString(p2.Payload.Span)));
            Assert.Equal(MqttQualityOfService.AtLeastOnce, p1.Qos);
            Assert.False(p1.Dup);
            await first.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p1.PacketId));
            // The connection drops before "2" is acknowledged.
        }

        await using var resumed = await _broker.AcceptAsync();
        var connect = await resumed.ReceiveAsync<ConnectPacket>();
        Assert.False(connect.CleanStart);
        Assert.Equal(300u, connect.Properties?.SessionExpiryInterval); // the broker keeps the session while we are away
        await resumed.SendAsync(new ConnAckPacket { SessionPresent = true });
        var again = await resumed.ReceiveAsync<SubscribePacket>();
        Assert.Equal("ccgw/agents/+/commands", again.Subscriptions[0].Filter);
        var resent = await resumed.ReceiveAsync<PublishPacket>();
        Assert.True(resent.Dup);
        // MQTTnet numbers packet ids afresh per connection, so the resent PUBLISH has an id of this connection (for
        // QoS 1 the broker handles it the same way); it is the same message, sent first, still counted in flight.
        Assert.NotEqual(0, resent.PacketId);
        Assert.Equal("2", Encoding.UTF8.GetString(resent.Payload.Span));
        Assert.Equal(1, client.InflightCount);
        await resumed.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, resent.PacketId));

        // New publishes continue after the resent ones, on ids not held by a message in flight.
        await client.PublishAsync(Message("ccgw/agents/alice/presence", "3"), CancellationToken.None);
        var p3 = await resumed.ReceiveAsync<PublishPacket>();
        Assert.False(p3.Dup);
        Assert.NotEqual(resent.PacketId, p3.PacketId);
        await resumed.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p3.PacketId));

        await StopAsync(resumed, run);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task No_more_than_the_inflight_window_is_unacknowledged_and_each_puback_lets_one_more_go()
    {
        await using var client = Client(inflight: 2);
        var run = client.RunAsync(_stop.Token);
        await using var peer = await _broker.AcceptAsync();
        await peer.ReceiveAsync<ConnectPacket>();
        await peer.SendAsync(new ConnAckPacket());
        for (var i = 0; i < 4; i++) await client.PublishAsync(Message("ccgw/queues/q/stats", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None);
        var a = await peer.ReceiveAsync<PublishPacket>();
        var b = await peer.ReceiveAsync<PublishPacket>();
        Assert.Equal(2, client.InflightCount);
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, a.PacketId));
        var c = await peer.ReceiveAsync<PublishPacket>();
        Assert.Equal("2", Encoding.UTF8.GetString(c.Payload.Span));
        Assert.True(client.InflightCount <= 2);
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, b.PacketId));
        var d = await peer.ReceiveAsync<PublishPacket>();
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, c.PacketId));
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, d.PacketId));
        await StopAsync(peer, run);
    }

    [Fact]
    public async Task Stopping_waits_for_pubacks_then_publishes_the_will_and_disconnects()
    {
        await using var client = Client();
        var run = client.RunAsync(_stop.Token);
        await using var peer = await _broker.AcceptAsync();
        await peer.ReceiveAsync<ConnectPacket>();
        await peer.SendAsync(new ConnAckPacket());
        await client.PublishAsync(Message("ccgw/agents/bob/presence", "last"), CancellationToken.None);
        var last = await peer.ReceiveAsync<PublishPacket>();
        await _stop.CancelAsync();
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, last.PacketId));
        var will = await peer.ReceiveAsync<PublishPacket>();
        Assert.Equal("ccgw/center/status", will.Topic);
        Assert.True(will.Retain);
        await peer.ReceiveAsync<DisconnectPacket>();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_publish_the_broker_refuses_in_its_puback_is_not_sent_again_and_frees_its_slot()
    {
        await using var client = Client(inflight: 1);
        var run = client.RunAsync(_stop.Token);
        await using var peer = await _broker.AcceptAsync();
        await peer.ReceiveAsync<ConnectPacket>();
        await peer.SendAsync(new ConnAckPacket());
        await client.PublishAsync(Message("ccgw/agents/alice/presence", "refused"), CancellationToken.None);
        await client.PublishAsync(Message("ccgw/agents/alice/presence", "next"), CancellationToken.None);
        var refused = await peer.ReceiveAsync<PublishPacket>();
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, refused.PacketId, 0x87)); // not authorized (v5)
        var next = await peer.ReceiveAsync<PublishPacket>();
        Assert.Equal("next", Encoding.UTF8.GetString(next.Payload.Span));
        Assert.False(next.Dup);
        await peer.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, next.PacketId));
        await StopAsync(peer, run);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task A_refused_connect_is_retried_with_back_off_and_the_next_accepted_one_is_the_first_connection()
    {
        await using var client = Client();
        var run = client.RunAsync(_stop.Token);
        await using (var refused = await _broker.AcceptAsync())
        {
            await refused.ReceiveAsync<ConnectPacket>();
            await refused.SendAsync(new ConnAckPacket { ReasonCode = 0x86 }); // bad user name or password
        }
        Assert.False(client.FirstConnection.IsCompleted);
        await using var peer = await _broker.AcceptAsync();
        var again = await peer.ReceiveAsync<ConnectPacket>();
        Assert.True(again.CleanStart); // no session was ever established
        await peer.SendAsync(new ConnAckPacket());
        await client.FirstConnection.WaitAsync(TimeSpan.FromSeconds(10));
        await StopAsync(peer, run);
    }

    [Fact]
    public async Task With_tls_the_client_opens_with_a_tls_handshake_and_an_untrusted_broker_never_gets_connect()
    {
        await using var client = new MqttGatewayClient(new MqttGatewayClientOptions
        {
            Host = "127.0.0.1",
            Port = _broker.Port,
            Tls = true,
            TlsServerName = "broker.example",
            ReconnectDelay = TimeSpan.FromMilliseconds(10),
        }, TimeProvider.System, NullLogger<MqttGatewayClient>.Instance);
        var run = client.RunAsync(_stop.Token);
        await using var peer = await _broker.AcceptAsync();
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=broker.example", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(0x16, await peer.PeekFirstByteAsync()); // a TLS handshake record, not a plain CONNECT
        // The broker's side of TLS with a certificate no trust store knows: the client refuses it, during the handshake
        // or right after it (where .NET validates), and never sends CONNECT. Refused during the handshake, the server's
        // side sees either a TLS alert (AuthenticationException) or, when the client has already closed, a broken pipe.
        bool handshakeCompleted;
        try
        {
            await peer.AuthenticateAsServerAsync(certificate);
            handshakeCompleted = true;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            handshakeCompleted = false;
        }
        if (handshakeCompleted)
            await Assert.ThrowsAsync<IOException>(() => peer.ReceiveAsync<ConnectPacket>());
        Assert.False(client.FirstConnection.IsCompleted);
        await _stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task StopAsync(ScriptedPeer peer, Task run)
    {
        await _stop.CancelAsync();
        var will = await peer.ReceiveAsync<PublishPacket>();
        Assert.Equal("ccgw/center/status", will.Topic);
        await peer.ReceiveAsync<DisconnectPacket>();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
        _broker.Dispose();
    }

    /// <summary>A listening socket whose connections the test drives as the broker (v5).</summary>
    private sealed class ScriptedBroker : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public ScriptedBroker()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(8);
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        }

        public int Port { get; }

        public async Task<ScriptedPeer> AcceptAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return new ScriptedPeer(await _listener.AcceptAsync(timeout.Token));
        }

        public void Dispose() => _listener.Dispose();
    }

    private sealed class ScriptedPeer(Socket socket) : IAsyncDisposable
    {
        private Stream _stream = new NetworkStream(socket, ownsSocket: true);

        public async Task<byte> PeekFirstByteAsync()
        {
            var first = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(1, await socket.ReceiveAsync(first, SocketFlags.Peek, timeout.Token));
            return first[0];
        }

        /// <summary>Plays the server side of a TLS handshake; throws when the client gives up on it.</summary>
        public async Task AuthenticateAsServerAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
        {
            var tls = new System.Net.Security.SslStream(_stream);
            _stream = tls;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token);
        }
        private PipeReader? _input;
        private PipeReader Input => _input ??= PipeReader.Create(_stream);

        public async Task SendAsync(MqttPacket packet) =>
            await _stream.WriteAsync(MqttPacketEncoder.ToBytes(packet, MqttProtocolVersion.V500));

        /// <summary>The next packet other than PINGREQ, which is answered.</summary>
        public async Task<T> ReceiveAsync<T>() where T : MqttPacket
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var result = await Input.ReadAsync(timeout.Token);
                if (MqttFrameReader.TryRead(result.Buffer, 1 << 20, out var frame))
                {
                    var packet = MqttPacketDecoder.Decode(frame, MqttProtocolVersion.V500);
                    Input.AdvanceTo(frame.End);
                    if (packet is PingReqPacket)
                    {
                        await SendAsync(new PingRespPacket());
                        continue;
                    }
                    return Assert.IsType<T>(packet);
                }
                if (result.IsCompleted) throw new IOException($"the client closed the connection while a {typeof(T).Name} was expected");
                Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_input is not null) await _input.CompleteAsync();
            await _stream.DisposeAsync();
        }
    }
}
