using System.Threading.Channels;

namespace Ccgw.Core.Callbacks;

/// <summary>How a customer wants to hear that the wait became short: on the web page (it polls) or by IM.</summary>
public enum AlertChannel
{
    Web,
    Im,
}

public enum CustomerAlertStatus
{
    /// <summary>The wait is still longer than the customer's threshold.</summary>
    Waiting,

    /// <summary>The wait dropped below the threshold; the notice was sent (once).</summary>
    Triggered,
}

/// <summary>"Tell me when the wait for this topic drops below <see cref="Threshold"/>." Protocol-neutral; sent once.</summary>
public sealed record CustomerAlert(
    string Id,
    string QueueId,
    TimeSpan Threshold,
    AlertChannel Channel,
    string? Address,
    DateTimeOffset CreatedAt,
    CustomerAlertStatus Status = CustomerAlertStatus.Waiting,
    DateTimeOffset? TriggeredAt = null,
    double? EwtSecondsAtTrigger = null)
{
    /// <summary>Who created it (the web client's address), for the per-source cap; null when unknown.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// How long an alert lives: a waiting one older than this is no longer served and the store forgets it (an anonymous
    /// party's alerts must not pile up); a customer who still waits a day later asks again.
    /// </summary>
    public static TimeSpan Lifetime { get; } = TimeSpan.FromHours(24);
}

/// <summary>Durable customer alerts.</summary>
public interface ICustomerAlertStore
{
    ValueTask AddAsync(CustomerAlert alert, CancellationToken cancellationToken = default);

    ValueTask<CustomerAlert?> GetAsync(string id, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<CustomerAlert>> ListWaitingAsync(string queueId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the queue's waiting alerts that a wait of <paramref name="ewtSeconds"/> makes due (threshold at or above
    /// it), created at or after <paramref name="createdSince"/>, with ids after <paramref name="afterId"/>, in id order:
    /// the watcher reads page after page, so every due alert is served however many there are. The default (for stores
    /// that keep few) filters <see cref="ListWaitingAsync"/>.
    /// </summary>
    async ValueTask<IReadOnlyList<CustomerAlert>> ListDueAsync(string queueId, double ewtSeconds, DateTimeOffset createdSince, string? afterId,
        int limit, CancellationToken cancellationToken = default) =>
        afterId is not null ? [] : [.. (await ListWaitingAsync(queueId, cancellationToken))
            .Where(a => a.Threshold.TotalSeconds >= ewtSeconds && a.CreatedAt >= createdSince)];

    /// <summary>Alerts created by <paramref name="source"/> at or after <paramref name="since"/> (the per-source cap); 0 for stores that do not know.</summary>
    ValueTask<int> CountFromSourceAsync(string source, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(0);

    /// <summary>Marks a waiting alert triggered; false when it already was (so it is sent at most once).</summary>
    ValueTask<bool> TriggerAsync(string id, DateTimeOffset at, double ewtSeconds, CancellationToken cancellationToken = default);
}

/// <summary>
/// Triggered alerts for channels that push them (IM): the XMPP channel reads <see cref="Reader"/> and sends each one to
/// <see cref="CustomerAlert.Address"/> from the queue's address. Web alerts are not queued here (the page polls).
/// Bounded: when nobody reads, the oldest notices are dropped (the alert itself stays triggered in the store).
/// </summary>
public sealed class CustomerAlertOutbox
{
    private readonly Channel<CustomerAlert> _channel = Channel.CreateBounded<CustomerAlert>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    public ChannelReader<CustomerAlert> Reader => _channel.Reader;

    public void Publish(CustomerAlert alert) => _channel.Writer.TryWrite(alert);
}

/// <summary>
/// Checks alerts against the core's queue figures: when a queue's estimated wait for the next arrival is known and at
/// or below an alert's threshold, the alert is triggered (once) and, for IM, handed to the <see cref="CustomerAlertOutbox"/>.
/// </summary>
public sealed class CustomerAlertWatcher(ICustomerAlertStore store, CustomerAlertOutbox outbox)
{
    /// <summary>Alerts read per page; pages follow until one is short.</summary>
    public const int PageSize = 1000;

    public static bool IsDue(CustomerAlert alert, QueueStats stats) =>
        alert.Status == CustomerAlertStatus.Waiting && stats.Ewt.Seconds is { } ewt && ewt <= alert.Threshold.TotalSeconds;

    /// <summary>Feeds one core event; returns the alerts it triggered.</summary>
    public Task<IReadOnlyList<CustomerAlert>> HandleAsync(CoreEvent e, CancellationToken cancellationToken) =>
        HandleAsync([e], cancellationToken);

    /// <summary>
    /// Feeds the core events that arrived together; returns the alerts they triggered. Per queue only the figures with
    /// the shortest wait are checked, with one read of the queue's waiting alerts: an alert is due when the wait is at or
    /// below its threshold, so those figures trigger exactly the alerts any of the batch's figures would, and a burst of
    /// queue changes (a call-back attempt is several) costs one read instead of one each.
    /// </summary>
    public async Task<IReadOnlyList<CustomerAlert>> HandleAsync(IReadOnlyList<CoreEvent> events, CancellationToken cancellationToken)
    {
        Dictionary<string, QueueStatsChanged>? shortest = null;
        foreach (var e in events)
        {
            if (e is not QueueStatsChanged { Stats: { Ewt.Seconds: { } ewt } stats } changed) continue;
            shortest ??= new Dictionary<string, QueueStatsChanged>(StringComparer.Ordinal);
            if (!shortest.TryGetValue(stats.QueueId, out var kept) || ewt < kept.Stats.Ewt.Seconds!.Value) shortest[stats.QueueId] = changed;
        }
        if (shortest is null) return [];
        var triggered = new List<CustomerAlert>();
        foreach (var (queueId, changed) in shortest)
        {
            // Every due alert, page by page (it was the oldest 10,000 waiting before: the rest were never served).
            var ewt = changed.Stats.Ewt.Seconds!.Value;
            string? after = null;
            while (true)
            {
                var page = await store.ListDueAsync(queueId, ewt, changed.At - CustomerAlert.Lifetime, after, PageSize, cancellationToken);
                foreach (var alert in page)
                    if (await TryTriggerAsync(alert, changed.Stats, changed.At, cancellationToken) is { } t) triggered.Add(t);
                if (page.Count < PageSize) break;
                after = page[^1].Id;
            }
        }
        return triggered;
    }

    /// <summary>Triggers <paramref name="alert"/> if the queue's wait is short enough now (also used right when it is created).</summary>
    public async Task<CustomerAlert?> TryTriggerAsync(CustomerAlert alert, QueueStats stats, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!IsDue(alert, stats) || !await store.TriggerAsync(alert.Id, at, stats.Ewt.Seconds!.Value, cancellationToken)) return null;
        var triggered = alert with { Status = CustomerAlertStatus.Triggered, TriggeredAt = at, EwtSecondsAtTrigger = stats.Ewt.Seconds };
        if (triggered.Channel == AlertChannel.Im) outbox.Publish(triggered);
        return triggered;
    }
}
