using System.Buffers;
using System.Diagnostics.Metrics;
using System.Numerics;

namespace Ccgw.Prometheus;

/// <summary>
/// Aggregates measurements of selected <see cref="Meter"/>s in memory and renders them in the Prometheus
/// text exposition format 0.0.4. Recording is lock-free for counters and gauges and may run concurrently
/// with rendering; scrapes are serialised.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The HTTP Content-Type of the rendered text.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Func<Meter, bool> _meterFilter;
    private readonly MetricRegistry _registry;
    private readonly ProcessMetrics? _processMetrics;
    private readonly MeterListener _listener;
    private readonly object _scrapeGate = new();
    private bool _disposed;

    /// <summary>Exports meters named <paramref name="meterNamePrefix"/> or <c>prefix.*</c> (e.g. "Ccgw" matches "Ccgw.Sip").</summary>
    public PrometheusExporter(string meterNamePrefix, PrometheusExporterOptions? options = null)
        : this(MeterNamePrefixFilter(meterNamePrefix), options)
    {
    }

    /// <summary>Exports every meter for which <paramref name="meterFilter"/> returns true.</summary>
    public PrometheusExporter(Func<Meter, bool> meterFilter, PrometheusExporterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(meterFilter);
        options ??= new PrometheusExporterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSeriesPerMetric, 1, nameof(options));
        _meterFilter = meterFilter;
        _registry = new MetricRegistry(options.MaxSeriesPerMetric);
        _processMetrics = options.IncludeProcessMetrics ? new ProcessMetrics() : null;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<byte>(OnMeasurement);
        _listener.SetMeasurementEventCallback<short>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<float>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<decimal>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Renders the current state of every exported family.</summary>
    public void Write(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_scrapeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var families = _registry.Families;
            foreach (var family in families) family.BeginCollection();
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                // A throwing callback must not cost the whole scrape; it is visible as a self-metric instead.
                _registry.CountObservationError();
            }
            foreach (var family in families) family.Write(destination);
            _registry.WriteSelfMetrics(destination, families);
            _processMetrics?.Write(destination);
        }
    }

    /// <summary>Renders into memory, then copies to <paramref name="destination"/> asynchronously.</summary>
    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var buffer = new PooledBufferWriter();
        Write(buffer);
        await destination.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    public void Dispose()
    {
        lock (_scrapeGate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _listener.Dispose();
    }

    private static Func<Meter, bool> MeterNamePrefixFilter(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return meter => meter.Name.StartsWith(prefix, StringComparison.Ordinal)
            && (meter.Name.Length == prefix.Length || meter.Name[prefix.Length] == '.');
    }

    private static void OnMeasurement<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct, INumberBase<T> =>
        ((MetricFamily)state!).Record(double.CreateSaturating(value), tags);

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterFilter(instrument.Meter)) return;
        if (_registry.Attach(instrument) is { } family) listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is MetricFamily family) _registry.Detach(family);
    }
}
