using System.Diagnostics.Metrics;
using System.Globalization;

namespace Ccgw.Prometheus;

/// <summary>Everything that identifies an exported family; instruments with equal descriptors share one family.</summary>
internal sealed record FamilyDescriptor(string Name, string Help, MetricKind Kind, Aggregation Aggregation, double UnitDivisor, double[] Bounds)
{
    /// <summary>Prometheus' own defaults, used for time histograms (values exported in seconds).</summary>
    public static double[] DefaultSecondsBounds => [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>OpenTelemetry's default explicit bounds, used for every other unit.</summary>
    public static double[] DefaultBounds => [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    public bool IsCompatibleWith(FamilyDescriptor other) =>
        Kind == other.Kind && Aggregation == other.Aggregation && UnitDivisor.Equals(other.UnitDivisor)
        && Bounds.AsSpan().SequenceEqual(other.Bounds);

    /// <summary>The descriptor for a supported instrument, or null for instrument types we do not export.</summary>
    public static FamilyDescriptor? For(Instrument instrument)
    {
        if (!TryClassify(instrument, out var kind, out var aggregation)) return null;
        var unit = UnitMapping.For(instrument.Unit, kind);
        var name = MetricNaming.FamilyName(instrument.Name, unit, kind);
        // promtool lints families without HELP; the instrument name is the most useful fallback.
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        var bounds = kind == MetricKind.Histogram ? HistogramBounds(instrument, unit) : [];
        return new FamilyDescriptor(name, help, kind, aggregation, unit.Divisor, bounds);
    }

    private static bool TryClassify(Instrument instrument, out MetricKind kind, out Aggregation aggregation)
    {
        (kind, aggregation) = (MetricKind.Gauge, Aggregation.LastValue);
        var type = instrument.GetType();
        if (!type.IsGenericType) return false;
        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>)) (kind, aggregation) = (MetricKind.Counter, Aggregation.Sum);
        else if (definition == typeof(UpDownCounter<>)) (kind, aggregation) = (MetricKind.Gauge, Aggregation.Sum);
        else if (definition == typeof(Gauge<>)) (kind, aggregation) = (MetricKind.Gauge, Aggregation.LastValue);
        else if (definition == typeof(Histogram<>)) (kind, aggregation) = (MetricKind.Histogram, Aggregation.Histogram);
        else if (definition == typeof(ObservableCounter<>)) (kind, aggregation) = (MetricKind.Counter, Aggregation.Observed);
        else if (definition == typeof(ObservableUpDownCounter<>)) (kind, aggregation) = (MetricKind.Gauge, Aggregation.Observed);
        else if (definition == typeof(ObservableGauge<>)) (kind, aggregation) = (MetricKind.Gauge, Aggregation.Observed);
        else return false;
        return true;
    }

    private static double[] HistogramBounds(Instrument instrument, UnitMapping unit)
    {
        var advised = instrument switch
        {
            Instrument<byte> i => Advised(i),
            Instrument<short> i => Advised(i),
            Instrument<int> i => Advised(i),
            Instrument<long> i => Advised(i),
            Instrument<float> i => Advised(i),
            Instrument<double> i => Advised(i),
            Instrument<decimal> i => Advised(i),
            _ => null,
        };
        var usable = advised?
            .Select(b => b / unit.Divisor)
            .Where(double.IsFinite)
            .Distinct()
            .Order()
            .ToArray();
        if (usable is { Length: > 0 }) return usable;
        return unit.IsTime ? DefaultSecondsBounds : DefaultBounds;
    }

    private static IEnumerable<double>? Advised<T>(Instrument<T> instrument)
        where T : struct =>
        instrument.Advice?.HistogramBucketBoundaries?.Select(b => Convert.ToDouble(b, CultureInfo.InvariantCulture));
}
