using System.Buffers;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Ccgw.Prometheus;

namespace Ccgw.Bench.Prometheus;

/// <summary>Scrape cost for a realistic family size, and the per-measurement cost on the hot path.</summary>
[MemoryDiagnoser]
public class ExporterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private Meter _meter = null!;
    private PrometheusExporter _exporter = null!;
    private Counter<long> _counter = null!;
    private Histogram<double> _histogram = null!;
    private KeyValuePair<string, object?> _method;
    private KeyValuePair<string, object?> _status;

    [GlobalSetup]
    public void Setup()
    {
        _meter = new Meter("Ccgw.Bench");
        _exporter = new PrometheusExporter("Ccgw.Bench", new PrometheusExporterOptions { IncludeProcessMetrics = false });
        _counter = _meter.CreateCounter<long>("ccgw.sip.requests", "{request}", "SIP requests.");
        _histogram = _meter.CreateHistogram<double>("ccgw.call.setup.duration", "s", "Call setup time.");
        // 200 counter series: 20 methods x 10 status codes.
        for (var method = 0; method < 20; method++)
        {
            for (var status = 0; status < 10; status++)
                _counter.Add(method + status, new("method", "M" + method), new("status", 200 + status));
        }
        _method = new("method", "M3");
        _status = new("status", 204);
        _histogram.Record(0.2, _method);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Benchmark(Description = "render 200 counter series + 1 histogram")]
    public int Render()
    {
        _output.ResetWrittenCount();
        _exporter.Write(_output);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "counter.Add, no tags")]
    public void CounterAddNoTags() => _counter.Add(1);

    [Benchmark(Description = "counter.Add, 2 tags (existing series)")]
    public void CounterAddTwoTags() => _counter.Add(1, _method, _status);

    [Benchmark(Description = "histogram.Record, 1 tag")]
    public void HistogramRecord() => _histogram.Record(0.042, _method);
}
