namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Limits retained statistics to one publish per topic per <see cref="Interval"/> (10 per second): the first change
/// after a quiet interval goes out at once, later ones within the interval collapse into the newest, which
/// goes out when the interval ends. Uses one timer of the injected clock.
/// </summary>
public sealed class StatsCoalescer : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly object _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _lastSent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MqttApplicationMessage> _pending = new(StringComparer.Ordinal);
    private readonly GatewayOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public StatsCoalescer(GatewayOutbox outbox, TimeProvider time)
    {
        _outbox = outbox;
        _time = time;
        _timer = time.CreateTimer(static s => ((StatsCoalescer)s!).Flush(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public async ValueTask SubmitAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_pending.ContainsKey(message.Topic) ||
                (_lastSent.TryGetValue(message.Topic, out var last) && now - last < Interval))
            {
                var wasIdle = _pending.Count == 0;
                _pending[message.Topic] = message;
                if (wasIdle) Arm(now);
                return;
            }
            _lastSent[message.Topic] = now;
        }
        await _outbox.WriteAsync(message, cancellationToken);
    }

    private void Flush()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var (topic, message) in _pending.ToArray())
            {
                if (_lastSent.TryGetValue(topic, out var last) && now - last < Interval) continue;
                // A full outbox keeps the message pending for the next tick instead of blocking the timer thread.
                if (!_outbox.TryWrite(message)) continue;
                _pending.Remove(topic);
                _lastSent[topic] = now;
            }
            if (_pending.Count > 0) Arm(now);
        }
    }

    private void Arm(DateTimeOffset now)
    {
        var due = _pending.Keys.Min(t => _lastSent.TryGetValue(t, out var last) ? last + Interval : now) - now;
        _timer.Change(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();
}
