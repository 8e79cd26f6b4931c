namespace Ccgw.Mqtt;

/// <summary>
/// Slows a publisher to the pace of the subscribers it feeds instead of dropping their QoS 0 copies (issue 21: one
/// fast publisher to 100 subscribers lost 45% of the messages where mosquitto lost none). While routing a client's
/// PUBLISH (under the broker lock) every subscriber connection whose outbound queue passed its high-water mark is
/// noted; after the lock, the publisher's read loop waits until those queues drained to their low-water mark before
/// it reads its next packet, so TCP pushes back on the publisher as it does for a slow reader.
/// The wait is bounded per subscriber by progress, not by a deadline: a subscriber whose socket took nothing for a
/// whole <see cref="MqttBrokerOptions.PublisherWaitLimit"/> is stuck and is no longer waited for (its copies are
/// dropped and counted until it catches up); one that is slow but still reading keeps the publisher waiting, as a TCP
/// reader paces its writer. A fixed deadline dropped copies for healthy subscribers that were merely starved of CPU
/// for a second on a loaded machine (100 mosquitto_sub processes on one core).
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

    /// <summary>Outside the lock: waits for every noted subscriber to catch up, or marks those that stopped reading as stuck.</summary>
    public static async ValueTask WaitAsync(MqttConnection[] behind, BrokerContext context)
    {
        var waits = new Task[behind.Length];
        for (var i = 0; i < behind.Length; i++) waits[i] = behind[i].WhenCaughtUpAsync();
        var all = Task.WhenAll(waits);
        if (all.IsCompleted) return;
        var progress = new long[behind.Length];
        for (var i = 0; i < behind.Length; i++) progress[i] = behind[i].PacketsWritten;
        context.Metrics.PublisherWaits.Add(1); // after the snapshot: progress made once a wait is visible counts
        while (true)
        {
            try
            {
                await all.WaitAsync(context.Options.PublisherWaitLimit, context.Time);
                return;
            }
            catch (TimeoutException)
            {
                // Judged below, one subscriber at a time.
            }
            List<Task>? moving = null;
            for (var i = 0; i < behind.Length; i++)
            {
                if (waits[i].IsCompleted) continue;
                var written = behind[i].PacketsWritten;
                if (written != progress[i])
                {
                    progress[i] = written;
                    (moving ??= []).Add(waits[i]);
                }
                else if (behind[i].MarkStuck())
                {
                    context.Metrics.SubscribersStuck.Add(1);
                    context.StuckLog.Stuck(behind[i], context);
                }
            }
            if (moving is null) return;
            all = Task.WhenAll(moving);
        }
    }
}

/// <summary>
/// Logs stuck subscribers at most once per <see cref="Interval"/> per broker, with a count of the ones not logged in
/// between: a burst of stuck wallboards must not flood the journal (the metric counts every one).
/// </summary>
internal sealed class StuckSubscriberLog
{
    /// <summary>Long enough that a storm costs a handful of lines a minute, short enough that an operator sees it soon.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private long _suppressed;

    public void Stuck(MqttConnection subscriber, BrokerContext context)
    {
        long suppressed;
        lock (_gate)
        {
            var now = context.Time.GetUtcNow();
            if (now < _next)
            {
                _suppressed++;
                return;
            }
            _next = now + Interval;
            suppressed = _suppressed;
            _suppressed = 0;
        }
        BrokerLog.SubscriberStuck(context.Log, subscriber.ClientId, subscriber.RemoteEndPoint, context.Options.PublisherWaitLimit.TotalMilliseconds);
        if (suppressed > 0) BrokerLog.StuckNotLogged(context.Log, suppressed, Interval.TotalSeconds);
    }
}
