using Ccgw.Core.Callbacks;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>What the call-back lists are published from: the writers' change signal, the lists, the configured queues.</summary>
public sealed record CallbackListFeed(CallbackListChanges Changes, ICallbackListReader Reader, IReadOnlyList<string> QueueIds);

/// <summary>
/// Retained <c>ccgw/queues/{queue}/callbacks</c> (extension of CONTRACT §6): every configured queue's list on start,
/// then the lists that changed, one publish per queue per <see cref="Window"/> however many rows a burst of writes
/// changed (a flood of help requests must not become a flood of publishes). A list read again unchanged is not
/// published again. <c>dueNow</c> also changes without any write, when a call-back's time comes: a timer per queue
/// marks the queue changed at its next scheduled time (or, after a failed read, when to read again).
/// </summary>
internal sealed partial class CallbackListPublisher : IDisposable
{
    /// <summary>Items per message: what a console shows; <c>pending</c> still counts them all.</summary>
    public const int MaxItems = 50;

    /// <summary>How long a burst of changes collects before the lists are read: the most a change waits to go out.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    /// <summary>How long after a failed read the queue's list is read again (a broken database does not flood the log).</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    // Timers cannot be armed for more than about 49 days; waking early only reads an unchanged list.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly CallbackListFeed _feed;
    private readonly GatewayOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger<CallbackListPublisher> _log;
    private readonly IReadOnlyList<string> _queues;
    private readonly Dictionary<string, CallbackQueueList> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ITimer> _dueTimers = new(StringComparer.Ordinal);

    public CallbackListPublisher(CallbackListFeed feed, GatewayOutbox outbox, TimeProvider time, ILogger<CallbackListPublisher> log)
    {
        _feed = feed;
        _outbox = outbox;
        _time = time;
        _log = log;
        _queues = [.. feed.QueueIds.Where(GatewayTopics.IsTopicLevel).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Queues every queue's current list for publishing.</summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        PublishAsync(new CallbackListChange(Anywhere: true, new HashSet<string>()), cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _feed.Changes.WhenChangedAsync(cancellationToken);
                await Task.Delay(Window, _time, cancellationToken);
                await PublishAsync(_feed.Changes.Take(), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    private async Task PublishAsync(CallbackListChange change, CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
        {
            if (!change.Includes(queue)) continue;
            var now = _time.GetUtcNow();
            CallbackQueueList list;
            try
            {
                list = await _feed.Reader.ReadQueueAsync(queue, now, MaxItems, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Read again soon instead of leaving consoles a stale list until the next write.
                LogReadFailed(_log, queue, e.Message, RetryAfterFailure.TotalSeconds);
                WakeAt(queue, now + RetryAfterFailure, now);
                continue;
            }
            WakeAt(queue, list.NextDueAt, now);
            if (_published.TryGetValue(queue, out var last) && last.SameListAs(list)) continue;
            _published[queue] = list;
            await _outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.QueueCallbacks(queue),
                GatewayPayloads.CallbackList(list, now), retain: true), cancellationToken);
        }
    }

    /// <summary>Marks the queue changed at <paramref name="at"/> (null: never) with its one timer.</summary>
    private void WakeAt(string queue, DateTimeOffset? at, DateTimeOffset now)
    {
        lock (_dueTimers)
        {
            if (!_dueTimers.TryGetValue(queue, out var timer))
            {
                if (at is null) return;
                var changes = _feed.Changes;
                timer = _time.CreateTimer(_ => changes.Changed(queue), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _dueTimers[queue] = timer;
            }
            var wait = at is { } a ? TimeSpan.FromTicks(Math.Clamp((a - now).Ticks, 0, LongestWait.Ticks)) : Timeout.InfiniteTimeSpan;
            timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_dueTimers)
        {
            foreach (var timer in _dueTimers.Values) timer.Dispose();
            _dueTimers.Clear();
        }
    }

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "call-back list of {Queue} could not be read for MQTT: {Reason}; trying again in {RetrySeconds} s")]
    private static partial void LogReadFailed(ILogger logger, string queue, string reason, double retrySeconds);
}
