namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>
/// Overload as mosquitto handles it (max_inflight_messages / max_queued_messages): a connected subscriber that does not
/// keep up has its QoS 1/2 messages queued beyond the in-flight window up to
/// <see cref="MqttBrokerOptions.MaximumQueuedMessagesPerSession"/>; only newer ones are dropped, each counted as
/// <c>ccgw.mqtt.messages.dropped{reason=queue_full}</c>. QoS 0 gives way under back-pressure, counted as
/// <c>slow_consumer</c>. The slow client stays connected either way.
/// </summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task Qos1_beyond_the_window_is_queued_up_to_the_limit_then_dropped_and_counted_and_the_queue_drains_in_order()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { MaximumQueuedMessagesPerSession = 5 });
        await using var slow = await f.ConnectedAsync("wallboard", properties: new MqttProperties { ReceiveMaximum = 2 });
        await slow.SubscribeAsync("ccgw/queues/#");

        for (var i = 0; i < 10; i++)
            await f.Broker.PublishAsync("ccgw/queues/q/stats", new[] { (byte)i }, MqttQualityOfService.AtLeastOnce);

        // 2 in flight + 5 queued; the 3 newest are dropped.
        Assert.Equal(3, f.Metrics["ccgw.mqtt.messages.dropped[queue_full]"]);
        var received = new List<byte>();
        for (var i = 0; i < 7; i++)
        {
            var p = await slow.ReceiveAsync<PublishPacket>();
            received.Add(p.Payload.Span[0]);
            await slow.SendAsync(new PublishAckPacket(MqttPacketType.PubAck, p.PacketId));
        }
        await slow.ExpectNothingPendingAsync();
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6 }, received);
        Assert.Equal(3, f.Metrics["ccgw.mqtt.messages.dropped"]);

        // Room again: nothing else is lost.
        await f.Broker.PublishAsync("ccgw/queues/q/stats", new byte[] { 42 }, MqttQualityOfService.AtLeastOnce);
        Assert.Equal(new byte[] { 42 }, (await slow.ReceiveAsync<PublishPacket>()).Payload.ToArray());
    }

    [Fact]
    public async Task Qos0_gives_way_when_the_client_stops_reading_and_every_message_is_either_delivered_or_counted()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { OutboundPacketQueueCapacity = 64, MaximumInflightPerClient = 4 });
        await using var slow = await f.ConnectedAsync("wallboard");
        await slow.SubscribeAsync("ccgw/queues/#", MqttQualityOfService.AtMostOnce);
        var payload = new byte[16 * 1024]; // a few fill the in-memory pipe, then the write loop waits for the reader
        const int sent = 200;
        for (var i = 0; i < sent; i++)
            await f.Broker.PublishAsync("ccgw/queues/q/stats", payload, MqttQualityOfService.AtMostOnce);

        var dropped = f.Metrics["ccgw.mqtt.messages.dropped[slow_consumer]"];
        Assert.True(dropped > 0, "nothing was dropped although the client read nothing");
        var delivered = 0;
        await slow.SendAsync(new PingReqPacket());
        while (await slow.ReceiveAsync() is PublishPacket) delivered++;
        Assert.Equal(sent, delivered + dropped);
        Assert.Equal(0, f.Metrics["ccgw.mqtt.messages.dropped[queue_full]"]);
    }
}
