using BenchmarkDotNet.Attributes;
using Prometheus;

namespace Ccgw.Bench.Prometheus;

/// <summary>
/// The same families as <see cref="ExporterBenchmarks"/> held directly in prometheus-net 8.2.1 collectors (a registry
/// instance, no default process metrics): its scrape and recording cost without any System.Diagnostics.Metrics
/// bridge in front, i.e. the least an exporter built on prometheus-net would cost.
/// </summary>
[MemoryDiagnoser]
public class PrometheusNetBenchmarks
{
    private readonly MemoryStream _output = new(64 * 1024);
    private CollectorRegistry _registry = null!;
    private global::Prometheus.Counter _counter = null!;
    private global::Prometheus.Counter.Child _existing = null!;
    private global::Prometheus.Histogram _histogram = null!;

    [GlobalSetup]
    public void Setup()
    {
        _registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(_registry);
        _counter = factory.CreateCounter("ccgw_sip_requests_total", "SIP requests.", new CounterConfiguration { LabelNames = ["method", "status"] });
        _histogram = factory.CreateHistogram("ccgw_call_setup_duration_seconds", "Call setup time.", new HistogramConfiguration
        {
            LabelNames = ["method"],
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });
        for (var method = 0; method < 20; method++)
        {
            for (var status = 0; status < 10; status++)
                _counter.WithLabels("M" + method, (200 + status).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc(method + status);
        }
        _existing = _counter.WithLabels("M3", "204");
        _histogram.WithLabels("M3").Observe(0.2);
    }

    [Benchmark(Description = "prometheus-net: render 200 counter series + 1 histogram")]
    public async Task<long> Render()
    {
        _output.SetLength(0);
        await _registry.CollectAndExportAsTextAsync(_output);
        return _output.Length;
    }

    [Benchmark(Description = "prometheus-net: counter.WithLabels(2).Inc (existing series)")]
    public void CounterIncTwoLabels() => _counter.WithLabels("M3", "204").Inc();

    [Benchmark(Description = "prometheus-net: cached child.Inc")]
    public void CachedChildInc() => _existing.Inc();
}
