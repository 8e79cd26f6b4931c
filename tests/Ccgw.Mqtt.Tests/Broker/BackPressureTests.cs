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
