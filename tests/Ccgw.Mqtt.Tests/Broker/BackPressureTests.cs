namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>
/// QoS 0 back-pressure (issue 21): a publishing client waits for the subscribers it feeds instead of their copies being
/// dropped, but never longer than <see cref="MqttBrokerOptions.PublisherWaitLimit"/> for one that stopped reading; that
/// one is then treated as stuck (its copies dropped and counted) while everyone else still gets every message.
/// </summary>
public sealed class BackPressureTests
{
    private const string Topic = "ccgw/agents/alice/commands";

    [Fact]
    public async Task A_stuck_subscriber_holds_the_publisher_back_only_until_the_wait_limit_and_a_healthy_one_misses_nothing()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { OutboundPacketQueueCapacity = 64, MaximumInflightPerClient = 4 });
        await using var stuck = await f.ConnectedAsync("wallboard", "sup");
        await stuck.SubscribeAsync(Topic, MqttQualityOfService.AtMostOnce);
        await using var healthy = await f.ConnectedAsync("console", "sup");
        await healthy.SubscribeAsync(Topic, MqttQualityOfService.AtMostOnce);
        await using var publisher = await f.ConnectedAsync("pbx", "sup");

        const int sent = 300;
        var received = Task.Run(async () =>
        {
            var count = 0;
            while (count < sent && await healthy.ReceiveAsync() is PublishPacket) count++;
            return count;
        });
        var payload = new byte[16 * 1024]; // a few fill the stuck client's pipe; then its queue grows
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < sent; i++)
                await publisher.SendAsync(new PublishPacket { Topic = Topic, Payload = payload, Qos = MqttQualityOfService.AtMostOnce });
            await publisher.SendAsync(new PingReqPacket());
        });

        // Held back: the broker stops reading the publisher while the stuck client's queue is past its high-water mark.
        await WaitUntilAsync(() => f.Metrics["ccgw.mqtt.publisher.waits"] >= 1);
        var pong = publisher.ReceiveAsync();
        await Task.Delay(200);
        Assert.False(pong.IsCompleted, "the publisher was not held back");
        Assert.Equal(0, f.Metrics["ccgw.mqtt.messages.dropped"]);

        // The wait limit passes: the stuck client is no longer waited for; the rest flows and its copies are dropped.
        f.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<PingRespPacket>(await pong);
        // Never waited for again (the clock does not move any more, so another wait for it would never end).
        await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(sent, await received.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(f.Metrics["ccgw.mqtt.messages.dropped[slow_consumer]"] > 0, "the stuck subscriber's copies were not dropped");
    }

    [Fact]
    public async Task A_slow_subscriber_that_keeps_reading_is_waited_for_past_the_limit_and_loses_nothing()
    {
        // Behind at 54 queued packets, caught up at 27: reading a few packets moves it without catching it up.
        await using var f = new BrokerFixture(new MqttBrokerOptions { OutboundPacketQueueCapacity = 128, MaximumInflightPerClient = 4 });
        await using var slow = await f.ConnectedAsync("wallboard", "sup");
        await slow.SubscribeAsync(Topic, MqttQualityOfService.AtMostOnce);
        await using var publisher = await f.ConnectedAsync("pbx", "sup");

        const int sent = 300;
        var payload = new byte[16 * 1024];
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < sent; i++)
                await publisher.SendAsync(new PublishPacket { Topic = Topic, Payload = payload, Qos = MqttQualityOfService.AtMostOnce });
            await publisher.SendAsync(new PingReqPacket());
        });
        await WaitUntilAsync(() => f.Metrics["ccgw.mqtt.publisher.waits"] >= 1);
        var pong = publisher.ReceiveAsync();

        // The subscriber reads a little: more than its pipe held when the wait began, so at least one socket write
        // completed during the wait. Then the wait limit passes: it was slow, not stuck, so the publisher keeps waiting.
        var received = 0;
        for (; received < 8; received++) Assert.IsType<PublishPacket>(await slow.ReceiveAsync());
        f.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(200);
        Assert.False(pong.IsCompleted, "the publisher stopped waiting for a subscriber that was still reading");
        Assert.Equal(0, f.Metrics["ccgw.mqtt.subscribers.stuck"]);

        while (received < sent && await slow.ReceiveAsync() is PublishPacket) received++;
        Assert.Equal(sent, received);
        Assert.IsType<PingRespPacket>(await pong);
        await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, f.Metrics["ccgw.mqtt.messages.dropped"]);
        Assert.Equal(0, f.Metrics["ccgw.mqtt.subscribers.stuck"]);
    }

    [Fact]
    public async Task A_stuck_subscriber_is_counted_and_logged_at_most_once_per_interval()
    {
        await using var f = new BrokerFixture(new MqttBrokerOptions { OutboundPacketQueueCapacity = 64, MaximumInflightPerClient = 4 });
        var stuck = new List<PipeClient>();
        for (var i = 0; i < 3; i++)
        {
            var c = await f.ConnectedAsync($"wallboard-{i}", "sup");
            await c.SubscribeAsync(Topic, MqttQualityOfService.AtMostOnce);
            stuck.Add(c);
        }
        await using var publisher = await f.ConnectedAsync("pbx", "sup");
        var payload = new byte[16 * 1024];
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
                await publisher.SendAsync(new PublishPacket { Topic = Topic, Payload = payload, Qos = MqttQualityOfService.AtMostOnce });
            await publisher.SendAsync(new PingReqPacket());
        });
        await WaitUntilAsync(() => f.Metrics["ccgw.mqtt.publisher.waits"] >= 1);
        f.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<PingRespPacket>(await publisher.ReceiveAsync());
        await sending.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, f.Metrics["ccgw.mqtt.subscribers.stuck"]);
        Assert.True(f.Metrics["ccgw.mqtt.messages.dropped[slow_consumer]"] > 0);
        var logged = f.Log.Entries.Where(e => e.EventId.Id == 14407).ToList();
        Assert.Single(logged);
        foreach (var c in stuck) await c.DisposeAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(10);
        }
    }
}
