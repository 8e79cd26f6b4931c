namespace Ccgw.Prometheus;

/// <summary>Tuning for <see cref="PrometheusExporter"/>.</summary>
public sealed class PrometheusExporterOptions
{
    /// <summary>
    /// Distinct label sets kept per metric family. Measurements that would create more are dropped and
    /// counted in <c>ccgw_exporter_series_dropped_total{metric="..."}</c>, so one badly tagged instrument
    /// (e.g. a Call-ID used as a tag) cannot exhaust memory or the scraper.
    /// </summary>
    public int MaxSeriesPerMetric { get; init; } = 1000;

    /// <summary>Adds the <c>process_*</c> and <c>dotnet_*</c> families (see docs/observability.md).</summary>
    public bool IncludeProcessMetrics { get; init; } = true;
}
