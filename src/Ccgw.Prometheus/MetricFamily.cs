using System.Buffers;
using System.Text;

namespace Ccgw.Prometheus;

/// <summary>One exported family: its header, its series and how measurements fold into them.</summary>
internal abstract class MetricFamily
{
    private readonly byte[] _header;

    protected MetricFamily(FamilyDescriptor descriptor)
    {
        Descriptor = descriptor;
        _header = ExpositionText.Header(descriptor.Name, descriptor.Help, descriptor.Kind);
        NameUtf8 = Encoding.UTF8.GetBytes(descriptor.Name);
    }

    public FamilyDescriptor Descriptor { get; }

    /// <summary>Instruments currently feeding this family; guarded by the registry.</summary>
    public int Instruments { get; set; }

    public abstract long DroppedSeries { get; }

    protected byte[] NameUtf8 { get; }

    public static MetricFamily Create(FamilyDescriptor descriptor, int maxSeries) => descriptor.Aggregation switch
    {
        Aggregation.Sum => new SumFamily(descriptor, maxSeries),
        Aggregation.LastValue => new LastValueFamily(descriptor, maxSeries),
        Aggregation.Observed => new ObservedFamily(descriptor, maxSeries),
        Aggregation.Histogram => new HistogramFamily(descriptor, maxSeries),
        _ => throw new ArgumentOutOfRangeException(nameof(descriptor)),
    };

    /// <summary>Records one measurement, already in the instrument's unit (conversion happens here).</summary>
    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called before observable callbacks run for a scrape.</summary>
    public virtual void BeginCollection()
    {
    }

    public void Write(IBufferWriter<byte> writer)
    {
        writer.Write(_header);
        WriteSeries(writer);
    }

    protected abstract void WriteSeries(IBufferWriter<byte> writer);

    protected double ToExportUnit(double value) => Descriptor.UnitDivisor == 1 ? value : value / Descriptor.UnitDivisor;
}

internal sealed class SumFamily(FamilyDescriptor descriptor, int maxSeries) : MetricFamily(descriptor)
{
    private readonly SeriesTable<SumSeries> _series = new(descriptor.Kind, maxSeries, labels => new SumSeries(labels));

    public override long DroppedSeries => _series.Dropped;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // One NaN or infinite delta would poison the sum for the life of the process, and a negative one would
        // break a counter's monotonicity (rate() would see a reset), so such measurements are ignored.
        if (!double.IsFinite(value) || (Descriptor.Kind == MetricKind.Counter && value < 0)) return;
        _series.GetOrAdd(tags)?.Add(ToExportUnit(value));
    }

    protected override void WriteSeries(IBufferWriter<byte> writer)
    {
        foreach (var series in _series.Snapshot)
            ExpositionText.WriteSample(writer, NameUtf8, series.Labels.Utf8, series.Value);
    }
}

internal sealed class LastValueFamily(FamilyDescriptor descriptor, int maxSeries) : MetricFamily(descriptor)
{
    private readonly SeriesTable<LastValueSeries> _series = new(descriptor.Kind, maxSeries, labels => new LastValueSeries(labels));

    public override long DroppedSeries => _series.Dropped;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(tags)?.Set(ToExportUnit(value));

    protected override void WriteSeries(IBufferWriter<byte> writer)
    {
        foreach (var series in _series.Snapshot)
            ExpositionText.WriteSample(writer, NameUtf8, series.Labels.Utf8, series.Value);
    }
}

/// <summary>
/// Observable instruments report absolute values during each scrape. Series not reported in the current
/// scrape are dropped, so e.g. a gauge per active trunk disappears with the trunk.
/// </summary>
internal sealed class ObservedFamily(FamilyDescriptor descriptor, int maxSeries) : MetricFamily(descriptor)
{
    private readonly SeriesTable<LastValueSeries> _series = new(descriptor.Kind, maxSeries, labels => new LastValueSeries(labels));
    private long _generation;

    public override long DroppedSeries => _series.Dropped;

    public override void BeginCollection() => Interlocked.Increment(ref _generation);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(tags)?.Set(ToExportUnit(value), Interlocked.Read(ref _generation));

    protected override void WriteSeries(IBufferWriter<byte> writer)
    {
        var current = Interlocked.Read(ref _generation);
        _series.RemoveWhere(s => s.Generation != current);
        foreach (var series in _series.Snapshot)
            ExpositionText.WriteSample(writer, NameUtf8, series.Labels.Utf8, series.Value);
    }
}

internal sealed class HistogramFamily : MetricFamily
{
    private const int MaxStackBuckets = 128;

    private readonly SeriesTable<HistogramSeries> _series;
    private readonly double[] _bounds;
    private readonly byte[][] _boundTexts;
    private readonly byte[] _bucketName;
    private readonly byte[] _sumName;
    private readonly byte[] _countName;

    public HistogramFamily(FamilyDescriptor descriptor, int maxSeries)
        : base(descriptor)
    {
        _bounds = descriptor.Bounds;
        _series = new(descriptor.Kind, maxSeries, labels => new HistogramSeries(labels, _bounds));
        _boundTexts = [.. _bounds.Select(ExpositionText.BoundText), ExpositionText.BoundText(double.PositiveInfinity)];
        _bucketName = Encoding.UTF8.GetBytes(descriptor.Name + "_bucket");
        _sumName = Encoding.UTF8.GetBytes(descriptor.Name + "_sum");
        _countName = Encoding.UTF8.GetBytes(descriptor.Name + "_count");
    }

    public override long DroppedSeries => _series.Dropped;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(tags)?.Record(ToExportUnit(value));

    protected override void WriteSeries(IBufferWriter<byte> writer)
    {
        var bucketCount = _bounds.Length + 1;
        long[]? rented = null;
        var counts = bucketCount <= MaxStackBuckets
            ? stackalloc long[bucketCount]
            : (rented = ArrayPool<long>.Shared.Rent(bucketCount)).AsSpan(0, bucketCount);
        try
        {
            foreach (var series in _series.Snapshot)
            {
                var sum = series.CopyTo(counts);
                var labels = series.Labels.Utf8;
                long cumulative = 0;
                for (var i = 0; i < bucketCount; i++)
                {
                    cumulative += counts[i];
                    ExpositionText.WriteBucket(writer, _bucketName, labels, _boundTexts[i], cumulative);
                }
                ExpositionText.WriteSample(writer, _sumName, labels, sum);
                ExpositionText.WriteSample(writer, _countName, labels, cumulative);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<long>.Shared.Return(rented);
        }
    }
}
