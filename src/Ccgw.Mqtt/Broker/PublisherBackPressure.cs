namespace Ccgw.Mqtt;

/// <summary>
/// Slows a publisher to the pace of the subscribers it feeds instead of dropping their QoS 0 copies (issue 21: one
/// fast publisher to 100 subscribers lost 45% of the messages where mosquitto lost none). While routing a client's
/// PUBLISH (under the broker lock) every subscriber connection whose outbound queue passed its high-water mark is
/// noted; after the lock, the publisher's read loop waits until those queues drained to their low-water mark before
/// it reads its next packet, so TCP pushes back on the publisher as it does for a slow reader. The wait is bounded:
/// a subscriber that keeps a publisher waiting longer than <see cref="MqttBrokerOptions.PublisherWaitLimit"/> is
/// marked stuck and is no longer waited for (its copies are dropped and counted, as before) until it catches up.
/// Messages the gateway publishes itself are never slowed: they cannot be pushed back on and drop as before.
/// </summary>
internal sealed class PublisherBackPressure
{
    private readonly List<MqttConnection> _behind = [];

    /// <summary>Under the broker lock: <paramref name="subscriber"/> is behind after a delivery.</summary>
    public void Note(MqttConnection subscriber)
    {
        if (!_behind.Contains(subscriber)) _behind.Add(subscriber);
    }

    /// <summary>Under the broker lock, after routing one publish: the subscribers to wait for, or null.</summary>
    public MqttConnection[]? Take()
    {
        if (_behind.Count == 0) return null;
        var behind = _behind.ToArray();
        _behind.Clear();
        return behind;
    }

    /// <summary>Outside the lock: waits for every noted subscriber to catch up, or marks those still behind as stuck.</summary>
    public static async ValueTask WaitAsync(MqttConnection[] behind, BrokerContext context)
    {
        var waits = new Task[behind.Length];
        for (var i = 0; i < behind.Length; i++) waits[i] = behind[i].WhenCaughtUpAsync();
        var all = Task.WhenAll(waits);
        if (all.IsCompleted) return;
        context.Metrics.PublisherWaits.Add(1);
        try
        {
            await all.WaitAsync(context.Options.PublisherWaitLimit, context.Time);
        }
        catch (TimeoutException)
        {
            for (var i = 0; i < behind.Length; i++)
                if (!waits[i].IsCompleted && behind[i].MarkStuck())
                    BrokerLog.SubscriberStuck(context.Log, behind[i].ClientId, behind[i].RemoteEndPoint, context.Options.PublisherWaitLimit.TotalMilliseconds);
        }
    }
}
