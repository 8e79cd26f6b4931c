using Ccgw.Core;
using Ccgw.Core.Callbacks;

namespace Ccgw.Web.Help;

/// <summary>An alert request as posted: topic, threshold in minutes, channel (<c>web</c> or <c>im</c>) and the IM address for <c>im</c>.</summary>
public sealed record AlertInput(string? Topic = null, string? ThresholdMinutes = null, string? Channel = null, string? ImAddress = null);

/// <summary>An alert as the API and page show it; <see cref="EwtSeconds"/> is the topic's current estimated wait.</summary>
public sealed record AlertView(string Id, string Topic, int ThresholdMinutes, AlertChannel Channel, CustomerAlertStatus Status,
    DateTimeOffset? TriggeredAt, double? EwtSeconds);

/// <summary>Customer alerts ("tell me when the wait drops below N minutes"): validation, storage, and an immediate check.</summary>
internal sealed class CustomerAlertService(RoutingEngine engine, CallbackPolicies policies, ICustomerAlertStore store,
    CustomerAlertWatcher watcher, TimeProvider time)
{
    public const int MaxThresholdMinutes = 240;

    /// <summary>Alerts one source (client address) may create in any 24 hours; more are refused with 429.</summary>
    public const int MaxPerSourcePerDay = 20;

    /// <summary>The error key of a refusal by <see cref="MaxPerSourcePerDay"/> (the endpoints answer it with 429).</summary>
    public const string SourceCapKey = "source";

    /// <param name="source">The client's address (after the trusted proxies' forwarded headers); null: not capped.</param>
    public async Task<(AlertView? View, Dictionary<string, string[]> Errors)> CreateAsync(AlertInput input, string? source, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var policy = input.Topic is { Length: > 0 } t ? policies.Find(t.Trim()) : null;
        if (policy is null) errors["topic"] = [$"choose one of {string.Join(", ", policies.Queues.Select(q => q.QueueId))}"];
        if (!int.TryParse(input.ThresholdMinutes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes)
            || minutes is < 1 or > MaxThresholdMinutes)
            errors["thresholdMinutes"] = [$"give a whole number of minutes from 1 to {MaxThresholdMinutes}"];
        var channel = AlertChannel.Web;
        if ((input.Channel is { Length: > 0 } c && !Enum.TryParse(c, ignoreCase: true, out channel)) || !Enum.IsDefined(channel))
            errors["channel"] = ["use web or im"];
        var im = input.ImAddress?.Trim();
        if (channel == AlertChannel.Im && (im is null || !HelpRequestValidation.IsImAddress(im)))
            errors["imAddress"] = ["give the IM address to send the notice to (name@example.com)"];
        if (errors.Count > 0) return (null, errors);
        var now = time.GetUtcNow();
        if (source is not null && await store.CountFromSourceAsync(source, now - TimeSpan.FromDays(1), ct) >= MaxPerSourcePerDay)
            return (null, new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                [SourceCapKey] = [$"at most {MaxPerSourcePerDay} alerts a day from one address; please try again tomorrow"],
            });

        var alert = new CustomerAlert(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), policy!.QueueId,
            TimeSpan.FromMinutes(minutes), channel, channel == AlertChannel.Im ? im : null, now) { Source = source };
        await store.AddAsync(alert, ct);
        // Already short? Tell at once (the next figures may be a while away when nothing changes).
        if (engine.Snapshot.Queues.TryGetValue(alert.QueueId, out var stats))
            alert = await watcher.TryTriggerAsync(alert, stats, time.GetUtcNow(), ct) ?? alert;
        return (View(alert), errors);
    }

    public async Task<AlertView?> GetAsync(string id, CancellationToken ct) =>
        HelpRequestService.IsRequestId(id) && await store.GetAsync(id, ct) is { } alert ? View(alert) : null;

    public string TopicName(string queueId) => policies.Find(queueId)?.DisplayName ?? queueId;

    private AlertView View(CustomerAlert a) => new(a.Id, a.QueueId, (int)a.Threshold.TotalMinutes, a.Channel, a.Status, a.TriggeredAt,
        engine.Snapshot.Queues.TryGetValue(a.QueueId, out var s) && s.Ewt.Seconds is { } e ? Math.Round(e) : null);
}
