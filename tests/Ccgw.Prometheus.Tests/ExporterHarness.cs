using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text;

namespace Ccgw.Prometheus.Tests;

/// <summary>A private meter plus an exporter that sees only that meter, so parallel tests never share series.</summary>
internal sealed class ExporterHarness : IDisposable
{
    public ExporterHarness(int maxSeries = 1000, bool processMetrics = false)
    {
        Meter = new Meter("Ccgw.Test." + Guid.NewGuid().ToString("N"));
        var meter = Meter;
        Exporter = new PrometheusExporter(m => ReferenceEquals(m, meter),
            new PrometheusExporterOptions { MaxSeriesPerMetric = maxSeries, IncludeProcessMetrics = processMetrics });
    }

    public Meter Meter { get; }

    public PrometheusExporter Exporter { get; }

    public string Render()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Exporter.Write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void Dispose()
    {
        Exporter.Dispose();
        Meter.Dispose();
    }
}
