using System.Diagnostics.Metrics;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Kpi;

/// <summary>
/// Call-back KPIs (issue 20) on the <c>Ccgw.Callbacks</c> meter: <c>ccgw_callbacks{queue,status}</c>, how many
/// call-backs stand in each live status per queue now, read from the call-back list every few seconds (the list is in
/// storage, not in the core, and its change signal has a single consumer, the scheduler); and
/// <c>ccgw_callback_outcomes_total{queue,outcome}</c>, each outcome as the list records it
/// (<see cref="MeteredCallbackRepository"/>: attempts' results from the dispatcher, which follows the core's events,
/// cancellations, and call-backs completed because the customer reached an agent another way). Labels are bounded:
/// queue, one of five statuses, one of a fixed set of outcomes.
/// </summary>
public sealed partial class CallbackKpis : IEventLoop, IDisposable
{
    public const string MeterName = "Ccgw.Callbacks";

    /// <summary>The statuses the gauge shows: every non-final one (done, cancelled and failed only grow, as the outcomes do).</summary>
    internal static readonly CallbackStatus[] LiveStatuses =
        [CallbackStatus.Scheduled, CallbackStatus.Queued, CallbackStatus.Dialling, CallbackStatus.Connected, CallbackStatus.Interrupted];

    private readonly object _gate = new();
    private readonly ICallbackRepository _list;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger<CallbackKpis> _log;
    private readonly HashSet<string> _queues;
    private readonly Dictionary<(string Queue, string Outcome), long> _outcomes = [];
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private Dictionary<(string Queue, CallbackStatus Status), int> _counts = [];

    /// <param name="list">The call-back list as stored (read only here).</param>
    /// <param name="queues">Queue ids given zero series from the start, so a rate or absence alert has a series to read.</param>
    /// <param name="interval">How often the gauge re-reads the list; 5 s by default (a scrape is typically every 15 s).</param>
    public CallbackKpis(ICallbackRepository list, TimeProvider time, IEnumerable<string> queues, IMeterFactory? meters, ILogger<CallbackKpis> log,
        TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _list = list;
        _time = time;
        _log = log;
        _interval = interval ?? TimeSpan.FromSeconds(5);
        _queues = new HashSet<string>(queues, StringComparer.Ordinal);
        _ownsMeter = meters is null;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("ccgw.callbacks", ObserveCounts, "{callback}",
            "Call-backs per queue in each live status now: scheduled, queued (in the core, waiting for an agent), dialling, connected, interrupted.");
        _meter.CreateObservableCounter("ccgw.callback.outcomes", ObserveOutcomes, "{callback}",
            "Call-back outcomes as recorded: answered, abandoned, busy, no_answer, rejected, failed, not_started, dial_out_refused, interrupted, cancelled, reached_agent, other.");
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshAsync(stoppingToken);
                await Task.Delay(_interval, _time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Re-reads the live call-backs and replaces the gauge's counts in one step.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var live = await _list.ListAsync(statuses: LiveStatuses, limit: 1_000_000, cancellationToken: cancellationToken);
        var counts = new Dictionary<(string Queue, CallbackStatus Status), int>();
        foreach (var c in live)
            counts[(c.QueueId, c.Status)] = counts.GetValueOrDefault((c.QueueId, c.Status)) + 1;
        lock (_gate)
        {
            foreach (var c in live)
                _queues.Add(c.QueueId);
            _counts = counts;
        }
        LogRefreshed(_log, live.Count);
    }

    /// <summary>One outcome recorded for a call-back of <paramref name="queueId"/> (the list's own outcome text).</summary>
    public void RecordOutcome(string queueId, string outcome)
    {
        var key = (queueId, OutcomeName(outcome));
        lock (_gate)
        {
            _queues.Add(queueId);
            _outcomes[key] = _outcomes.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>The figures now (tests; the instruments read the same).</summary>
    public (IReadOnlyDictionary<(string Queue, CallbackStatus Status), int> Counts, IReadOnlyDictionary<(string Queue, string Outcome), long> Outcomes) Read()
    {
        lock (_gate)
            return (new Dictionary<(string, CallbackStatus), int>(_counts), new Dictionary<(string, string), long>(_outcomes));
    }

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }

    /// <summary>
    /// The list's outcome texts as bounded label values (snake_case): a completion by another channel names the
    /// interaction (<c>reachedAgent:&lt;id&gt;</c>), which must not become a label; anything unforeseen is <c>other</c>.
    /// </summary>
    internal static string OutcomeName(string outcome) => outcome switch
    {
        "answered" => "answered",
        "abandoned" => "abandoned",
        "busy" => "busy",
        "noAnswer" => "no_answer",
        "rejected" => "rejected",
        "failed" => "failed",
        "notStarted" => "not_started",
        "dialOutRefused" => "dial_out_refused",
        "interrupted" => "interrupted",
        "cancelled" => "cancelled",
        _ when outcome.StartsWith("reachedAgent", StringComparison.Ordinal) => "reached_agent",
        _ => "other",
    };

    internal static string StatusName(CallbackStatus status) => status switch
    {
        CallbackStatus.Scheduled => "scheduled",
        CallbackStatus.Queued => "queued",
        CallbackStatus.Dialling => "dialling",
        CallbackStatus.Connected => "connected",
        _ => "interrupted",
    };

    private IEnumerable<Measurement<int>> ObserveCounts()
    {
        lock (_gate)
        {
            var result = new List<Measurement<int>>(_queues.Count * LiveStatuses.Length);
            foreach (var q in _queues.Order(StringComparer.Ordinal))
                foreach (var s in LiveStatuses)
                    result.Add(new Measurement<int>(_counts.GetValueOrDefault((q, s)), Tag("queue", q), Tag("status", StatusName(s))));
            return result;
        }
    }

    private IEnumerable<Measurement<long>> ObserveOutcomes()
    {
        lock (_gate)
            return [.. _outcomes.Select(kv => new Measurement<long>(kv.Value, Tag("queue", kv.Key.Queue), Tag("outcome", kv.Key.Outcome)))];
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    [LoggerMessage(EventId = 20400, Level = LogLevel.Trace, Message = "call-back KPIs: {Count} live call-backs counted")]
    private static partial void LogRefreshed(ILogger logger, int count);
}
