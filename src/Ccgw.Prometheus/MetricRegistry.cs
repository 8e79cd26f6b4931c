using System.Buffers;
using System.Diagnostics.Metrics;

namespace Ccgw.Prometheus;

/// <summary>
/// Maps instruments to families by exported name. Instruments that map to the same name and shape
/// (e.g. the same instrument in two Meter instances) share a family; a clashing shape is refused and counted,
/// because two TYPE lines for one name would invalidate the whole scrape.
/// </summary>
internal sealed class MetricRegistry(int maxSeriesPerMetric)
{
    private readonly byte[] _droppedHeader = ExpositionText.Header(
        "ccgw_exporter_series_dropped_total", "Measurements dropped because the metric reached its series limit.", MetricKind.Counter);

    private readonly byte[] _conflictHeader = ExpositionText.Header(
        "ccgw_exporter_instrument_conflicts_total", "Instruments not exported because another instrument of a different shape has the same Prometheus name.", MetricKind.Counter);

    private readonly byte[] _observationErrorHeader = ExpositionText.Header(
        "ccgw_exporter_observation_errors_total", "Scrapes in which at least one observable instrument callback threw.", MetricKind.Counter);

    private readonly object _gate = new();
    private readonly Dictionary<string, MetricFamily> _byName = new(StringComparer.Ordinal);
    private MetricFamily[] _sorted = [];
    private long _conflicts;
    private long _observationErrors;

    /// <summary>Families ordered by name, safe to enumerate without the lock.</summary>
    public MetricFamily[] Families => Volatile.Read(ref _sorted);

    public MetricFamily? Attach(Instrument instrument)
    {
        var descriptor = FamilyDescriptor.For(instrument);
        if (descriptor is null) return null;
        lock (_gate)
        {
            if (_byName.TryGetValue(descriptor.Name, out var family))
            {
                if (!family.Descriptor.IsCompatibleWith(descriptor))
                {
                    _conflicts++;
                    return null;
                }
            }
            else
            {
                family = MetricFamily.Create(descriptor, maxSeriesPerMetric);
                _byName.Add(descriptor.Name, family);
                Publish();
            }
            family.Instruments++;
            return family;
        }
    }

    public void Detach(MetricFamily family)
    {
        lock (_gate)
        {
            if (--family.Instruments > 0) return;
            _byName.Remove(family.Descriptor.Name);
            Publish();
        }
    }

    public void CountObservationError() => Interlocked.Increment(ref _observationErrors);

    /// <summary>Self-metrics, written only when non-zero so a healthy exporter adds no noise.</summary>
    public void WriteSelfMetrics(IBufferWriter<byte> writer, MetricFamily[] families)
    {
        var wroteHeader = false;
        foreach (var family in families)
        {
            var dropped = family.DroppedSeries;
            if (dropped == 0) continue;
            if (!wroteHeader) writer.Write(_droppedHeader);
            wroteHeader = true;
            ExpositionText.WriteAscii(writer, $"ccgw_exporter_series_dropped_total{{metric=\"{family.Descriptor.Name}\"}} ");
            ExpositionText.WriteDouble(writer, dropped);
            writer.Write("\n"u8);
        }
        WriteTotal(writer, _conflictHeader, "ccgw_exporter_instrument_conflicts_total"u8, Interlocked.Read(ref _conflicts));
        WriteTotal(writer, _observationErrorHeader, "ccgw_exporter_observation_errors_total"u8, Interlocked.Read(ref _observationErrors));
    }

    private static void WriteTotal(IBufferWriter<byte> writer, byte[] header, ReadOnlySpan<byte> name, long value)
    {
        if (value == 0) return;
        writer.Write(header);
        ExpositionText.WriteSample(writer, name, [], value);
    }

    private void Publish() =>
        Volatile.Write(ref _sorted, [.. _byName.Values.OrderBy(f => f.Descriptor.Name, StringComparer.Ordinal)]);
}
