using System.Diagnostics.Metrics;
using Ccgw.Core.Kpi;
using Ccgw.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Kpi;

/// <summary>The KPI loop fed by the real engine: counts follow the core's events and agree with its own queue figures.</summary>
public sealed class ContactCenterKpisTests
{
    private static readonly ServiceLevelTarget TwentySeconds = new(TimeSpan.FromSeconds(20), 0.8);

    private readonly ManualTimeProvider _time = new();

    [Fact]
    public async Task Answered_and_abandoned_move_the_counters_and_the_service_level_and_agree_with_the_core()
    {
        var (engine, kpis) = Build([Agent("a")], [Queue("sales", sl: TwentySeconds)]);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var following = kpis.RunAsync(CancellationToken.None);

        await engine.SetAgentStateAsync("a", AgentStateRequest.Ready);
        var answered = await engine.SubmitInteractionAsync(Call("sales"));           // offered to a at once
        await engine.AcceptOfferAsync("a", answered.InteractionId);                   // answered after 0 s: within
        var late = await engine.SubmitInteractionAsync(Call("sales"));               // a is busy: waits
        _time.Advance(TimeSpan.FromSeconds(30));
        await engine.AbandonInteractionAsync(late.InteractionId);                     // abandoned after 30 s > 20 s
        var early = await engine.SubmitInteractionAsync(Call("sales"));
        _time.Advance(TimeSpan.FromSeconds(5));
        await engine.AbandonInteractionAsync(early.InteractionId);                    // abandoned within 5 s
        var stats = (await engine.GetSnapshotAsync()).Queues["sales"];

        await stop.CancelAsync();
        await loop;
        await following; // ends once every event the engine published was applied
        var sales = kpis.Read(_time.GetUtcNow()).For("sales", InteractionChannel.Voice);

        Assert.Equal(3, sales.Offered);
        Assert.Equal(1, sales.Answered);
        Assert.Equal(2, sales.Abandoned);
        Assert.Equal(stats.Answered, sales.Answered);
        Assert.Equal(stats.Abandoned, sales.Abandoned);
        Assert.Equal(new ServiceLevelFigures(1, 1, 1), sales.ServiceLevel);
        Assert.Equal(0.5, sales.ServiceLevel.Ratio);
        Assert.Equal(0, sales.Waiting);
        Assert.Equal(0, kpis.Read(_time.GetUtcNow()).For("sales", InteractionChannel.Im).Offered);

        // Fifteen minutes on, the window is empty; the totals stay.
        _time.Advance(TimeSpan.FromMinutes(15));
        var later = kpis.Read(_time.GetUtcNow()).For("sales", InteractionChannel.Voice);
        Assert.Null(later.ServiceLevel.Ratio);
        Assert.Equal(3, later.Offered);
        Assert.Equal(2, later.Abandoned);
    }

    [Fact]
    public async Task Waiting_and_longest_wait_are_per_queue_and_channel_and_agents_are_counted_by_state()
    {
        var (engine, kpis) = Build([Agent("a"), Agent("b")], [Queue("sales")]);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var following = kpis.RunAsync(CancellationToken.None);

        await engine.SetAgentStateAsync("a", AgentStateRequest.NotReady, "lunch");
        await engine.SubmitInteractionAsync(Call("sales"));
        _time.Advance(TimeSpan.FromSeconds(12));
        await engine.SubmitInteractionAsync(Call("sales", InteractionChannel.Im));
        _time.Advance(TimeSpan.FromSeconds(3));
        await engine.GetSnapshotAsync();

        await stop.CancelAsync();
        await loop;
        await following;
        var reading = kpis.Read(_time.GetUtcNow());
        Assert.Equal(1, reading.For("sales", InteractionChannel.Voice).Waiting);
        Assert.Equal(15, reading.For("sales", InteractionChannel.Voice).LongestWaitSeconds, 3);
        Assert.Equal(1, reading.For("sales", InteractionChannel.Im).Waiting);
        Assert.Equal(3, reading.For("sales", InteractionChannel.Im).LongestWaitSeconds, 3);
        Assert.Equal(1, reading.Agents[AgentState.NotReady]);
        Assert.Equal(1, reading.Agents[AgentState.Offline]);
        Assert.Equal(0, reading.Agents[AgentState.Ready]);
    }

    [Fact]
    public async Task A_transfer_counts_out_of_the_queue_it_leaves_and_as_offered_in_the_one_it_enters()
    {
        var (engine, kpis) = Build([Agent("a", "sales:5,billing:5")], [Queue("sales"), Queue("billing", "billing:1")]);
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var following = kpis.RunAsync(CancellationToken.None);

        await engine.SetAgentStateAsync("a", AgentStateRequest.Ready);
        var call = await engine.SubmitInteractionAsync(Call("sales"));
        await engine.AcceptOfferAsync("a", call.InteractionId);
        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.True((await engine.TransferAsync(call.InteractionId, "billing")).IsOk);

        await stop.CancelAsync();
        await loop;
        await following;
        var reading = kpis.Read(_time.GetUtcNow());
        var sales = reading.For("sales", InteractionChannel.Voice);
        var billing = reading.For("billing", InteractionChannel.Voice);
        Assert.Equal((1, 1, 1), (sales.Offered, sales.Answered, sales.Transferred));
        Assert.Equal((1, 0), (billing.Offered, billing.Transferred));
    }

    [Fact]
    public async Task Answer_and_handle_times_are_recorded_in_seconds_with_queue_and_channel_only()
    {
        using var meters = new TestMeterFactory();
        var (engine, kpis) = Build([Agent("a")], [Queue("sales", wrapUp: TimeSpan.FromSeconds(10))], meters);
        var recorded = new List<(string Name, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Owns(instrument.Meter) && instrument is Histogram<double>) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (recorded)
                recorded.Add((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
        });
        listener.Start();
        using var stop = new CancellationTokenSource();
        var loop = engine.RunAsync(stop.Token);
        var following = kpis.RunAsync(CancellationToken.None);

        var call = await engine.SubmitInteractionAsync(Call("sales"));
        _time.Advance(TimeSpan.FromSeconds(7));
        await engine.SetAgentStateAsync("a", AgentStateRequest.Ready);
        await engine.AcceptOfferAsync("a", call.InteractionId);
        _time.Advance(TimeSpan.FromSeconds(60));
        await engine.EndInteractionAsync(call.InteractionId);                 // wrap-up of 10 s
        _time.Advance(TimeSpan.FromSeconds(10));
        await engine.GetSnapshotAsync();

        await stop.CancelAsync();
        await loop;
        await following;
        lock (recorded)
        {
            Assert.Equal([("ccgw.queue.answer_time", 7.0, "queue=sales,channel=voice"), ("ccgw.queue.handle_time", 70.0, "queue=sales,channel=voice")],
                recorded);
        }
    }

    private (RoutingEngine Engine, ContactCenterKpis Kpis) Build(AgentDefinition[] agents, QueueDefinition[] queues, IMeterFactory? meters = null)
    {
        var engine = new RoutingEngine(new ContactCenterDefinition(agents, queues, new RoutingOptions()), _time);
        var kpis = new ContactCenterKpis(engine, _time, new KpiOptions(KpiOptions.DefaultServiceLevelWindow, queues), meters,
            NullLogger<ContactCenterKpis>.Instance);
        return (engine, kpis);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (_meters) _meters.Add(meter);
            return meter;
        }

        /// <summary>Only this test's meters: other tests' engines record into meters of the same name in parallel.</summary>
        public bool Owns(Meter meter)
        {
            lock (_meters) return _meters.Contains(meter);
        }

        public void Dispose()
        {
            foreach (var m in _meters) m.Dispose();
        }
    }
}
