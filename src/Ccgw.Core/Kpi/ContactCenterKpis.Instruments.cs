using System.Diagnostics.Metrics;

namespace Ccgw.Core.Kpi;

/// <summary>
/// The <c>Ccgw.Kpi</c> meter: observable instruments read the state under the same lock the event loop writes it
/// with, so one scrape never shows a call answered but still waiting; the two time histograms are recorded by the loop
/// as events arrive. Names follow docs/observability.md's mapping (unit suffix, <c>_total</c> on counters).
/// </summary>
public sealed partial class ContactCenterKpis
{
    public const string MeterName = "Ccgw.Kpi";

    /// <summary>Answer-time buckets, seconds: around the usual 10-60 s service level thresholds, up to 10 minutes.</summary>
    internal static readonly double[] AnswerTimeBuckets = [1, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

    /// <summary>Handle-time buckets, seconds: half a minute to an hour.</summary>
    internal static readonly double[] HandleTimeBuckets = [30, 60, 120, 180, 240, 300, 450, 600, 900, 1200, 1800, 3600];

    private readonly Instruments _instruments;

    private void RecordAnswerTime(string queueId, InteractionChannel channel, TimeSpan waited) =>
        _instruments.AnswerTime.Record(Math.Max(0, waited.TotalSeconds), Tag("queue", queueId), Tag("channel", ChannelName(channel)));

    private void RecordHandleTime(string queueId, InteractionChannel channel, TimeSpan handled) =>
        _instruments.HandleTime.Record(Math.Max(0, handled.TotalSeconds), Tag("queue", queueId), Tag("channel", ChannelName(channel)));

    /// <summary>Label values: lower case, snake_case for two words (Prometheus' habit).</summary>
    internal static string ChannelName(InteractionChannel channel) => channel switch
    {
        InteractionChannel.Voice => "voice",
        InteractionChannel.Im => "im",
        InteractionChannel.Callback => "callback",
        _ => "web",
    };

    internal static string StateName(AgentState state) => state switch
    {
        AgentState.Offline => "offline",
        AgentState.Ready => "ready",
        AgentState.NotReady => "not_ready",
        AgentState.Busy => "busy",
        _ => "wrap_up",
    };

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    private Instruments CreateInstruments(IMeterFactory? meters)
    {
        var meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        var instruments = new Instruments(meter, meters is null,
            meter.CreateHistogram("ccgw.queue.answer_time", "s",
                "Time from arrival in the centre to an agent's answer, per queue and channel (the queue answering).",
                tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = AnswerTimeBuckets }),
            meter.CreateHistogram("ccgw.queue.handle_time", "s",
                "Time from an agent's answer to the end of wrap-up (talk, hold and after-call work), per queue and channel.",
                tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = HandleTimeBuckets }));

        meter.CreateObservableCounter("ccgw.queue.offered", () => PerChannel(c => c.Offered), "{interaction}",
            "Interactions that entered the queue: arrivals, overflows and transfers into it.");
        meter.CreateObservableCounter("ccgw.queue.answered", () => PerChannel(c => c.Answered), "{interaction}",
            "Interactions an agent answered while in the queue.");
        meter.CreateObservableCounter("ccgw.queue.abandoned", () => PerChannel(c => c.Abandoned), "{interaction}",
            "Interactions whose customer left while waiting in the queue (queued or ringing an agent).");
        meter.CreateObservableCounter("ccgw.queue.transferred", () => PerChannel(c => c.Transferred), "{interaction}",
            "Interactions transferred out of the queue by a console transfer.");
        meter.CreateObservableGauge("ccgw.queue.waiting", ObserveWaiting, "{interaction}",
            "Interactions waiting in the queue now (queued or ringing an agent).");
        meter.CreateObservableGauge("ccgw.queue.longest_wait", ObserveLongestWait, "s",
            "How long the queue's longest-waiting interaction has waited since arrival; 0 when nobody waits.");
        meter.CreateObservableGauge("ccgw.queue.estimated_wait", ObserveEstimatedWait, "s",
            "The queue's estimated wait for a new arrival (docs/ewt.md); absent while no agent able to serve it is staffed.");
        meter.CreateObservableGauge("ccgw.queue.service_level", ObserveServiceLevel, "1",
            "Answered within the queue's threshold / (answered + abandoned after the threshold) over the sliding window; absent when nothing counted.");
        meter.CreateObservableGauge("ccgw.queue.service_level_target", ObserveTarget, "1",
            "The queue's configured service level target (Queues[].ServiceLevel.Target).");
        meter.CreateObservableGauge("ccgw.queue.service_level_threshold", ObserveThreshold, "s",
            "The queue's configured service level threshold (Queues[].ServiceLevel.Seconds).");
        meter.CreateObservableGauge("ccgw.im.chats_active", ObserveChats, "{chat}",
            "IM chats connected to an agent now, per queue.");
        meter.CreateObservableGauge("ccgw.agents", ObserveAgents, "{agent}",
            "Agents by the state routing uses (offline, ready, not_ready, busy, wrap_up).");
        meter.CreateObservableGauge("ccgw.agent.occupancy", ObserveOccupancy, "1",
            "Agents busy or in wrap-up / agents ready, busy or in wrap-up, now; absent while none is.");
        return instruments;
    }

    private List<Measurement<long>> PerChannel(Func<ChannelKpi, long> value)
    {
        lock (_gate)
        {
            var list = new List<Measurement<long>>(_queues.Count * Channels.Length);
            foreach (var q in _queues.Values)
            {
                foreach (var channel in Channels)
                    list.Add(new Measurement<long>(value(q.For(channel)), Tag("channel", ChannelName(channel)), Tag("queue", q.Id)));
            }

            return list;
        }
    }

    private List<Measurement<int>> ObserveWaiting()
    {
        lock (_gate)
        {
            TallyWaiting();
            var list = new List<Measurement<int>>(_queues.Count * Channels.Length);
            foreach (var q in _queues.Values)
            {
                foreach (var channel in Channels)
                    list.Add(new Measurement<int>(q.For(channel).WaitingNow, Tag("channel", ChannelName(channel)), Tag("queue", q.Id)));
            }

            return list;
        }
    }

    private List<Measurement<double>> ObserveLongestWait()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            TallyWaiting();
            var list = new List<Measurement<double>>(_queues.Count * Channels.Length);
            foreach (var q in _queues.Values)
            {
                foreach (var channel in Channels)
                    list.Add(new Measurement<double>(Math.Round(LongestWaitSeconds(q.For(channel), now), 3), Tag("channel", ChannelName(channel)), Tag("queue", q.Id)));
            }

            return list;
        }
    }

    private List<Measurement<double>> ObserveEstimatedWait()
    {
        lock (_gate)
        {
            var list = new List<Measurement<double>>(_queues.Count);
            foreach (var q in _queues.Values)
            {
                if (q.EstimatedWaitSeconds is { } seconds)
                    list.Add(new Measurement<double>(seconds, Tag("queue", q.Id)));
            }

            return list;
        }
    }

    private List<Measurement<double>> ObserveServiceLevel()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var list = new List<Measurement<double>>();
            foreach (var q in _queues.Values)
            {
                if (q.Target is null)
                    continue; // without a threshold "answered within" means nothing
                foreach (var channel in Channels)
                {
                    if (q.For(channel).Window.Read(now).Ratio is { } ratio)
                        list.Add(new Measurement<double>(ratio, Tag("channel", ChannelName(channel)), Tag("queue", q.Id)));
                }
            }

            return list;
        }
    }

    private List<Measurement<double>> ObserveTarget()
    {
        lock (_gate)
            return [.. _queues.Values.Where(q => q.Target is not null).Select(q => new Measurement<double>(q.Target!.Target, Tag("queue", q.Id)))];
    }

    private List<Measurement<double>> ObserveThreshold()
    {
        lock (_gate)
            return [.. _queues.Values.Where(q => q.Target is not null).Select(q => new Measurement<double>(q.Target!.Threshold.TotalSeconds, Tag("queue", q.Id)))];
    }

    private List<Measurement<int>> ObserveChats()
    {
        lock (_gate)
        {
            var list = new List<Measurement<int>>(_queues.Count);
            foreach (var q in _queues.Values)
            {
                var n = 0;
                foreach (var t in _live.Values)
                {
                    if (t.Channel == InteractionChannel.Im && t.State == InteractionState.Connected && string.Equals(t.QueueId, q.Id, StringComparison.Ordinal))
                        n++;
                }

                list.Add(new Measurement<int>(n, Tag("queue", q.Id)));
            }

            return list;
        }
    }

    private List<Measurement<int>> ObserveAgents()
    {
        var counts = AgentCounts();
        var list = new List<Measurement<int>>(counts.Length);
        foreach (var state in Enum.GetValues<AgentState>())
            list.Add(new Measurement<int>(counts[(int)state], Tag("state", StateName(state))));
        return list;
    }

    private IEnumerable<Measurement<double>> ObserveOccupancy()
    {
        var counts = AgentCounts();
        var working = counts[(int)AgentState.Busy] + counts[(int)AgentState.WrapUp];
        var staffed = working + counts[(int)AgentState.Ready];
        return staffed == 0 ? [] : [new Measurement<double>((double)working / staffed)];
    }

    private int[] AgentCounts()
    {
        var counts = new int[Enum.GetValues<AgentState>().Length];
        lock (_gate)
        {
            foreach (var s in _agents.Values)
                counts[(int)s]++;
        }

        return counts;
    }

    private sealed class Instruments(Meter meter, bool ownsMeter, Histogram<double> answerTime, Histogram<double> handleTime) : IDisposable
    {
        public Histogram<double> AnswerTime { get; } = answerTime;

        public Histogram<double> HandleTime { get; } = handleTime;

        public void Dispose()
        {
            // A factory's meters are disposed with the factory; only one made here is ours to dispose.
            if (ownsMeter)
                meter.Dispose();
        }
    }
}
