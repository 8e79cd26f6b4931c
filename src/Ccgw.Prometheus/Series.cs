namespace Ccgw.Prometheus;

/// <summary>A summed series (Counter, UpDownCounter): lock-free adds.</summary>
internal sealed class SumSeries(LabelSet labels)
{
    private double _value;

    public LabelSet Labels { get; } = labels;

    public double Value => Volatile.Read(ref _value);

    public void Add(double delta)
    {
        var current = Volatile.Read(ref _value);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _value, current + delta, current);
            // Compare bit patterns: NaN != NaN would otherwise spin forever once the sum became NaN.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current)) return;
            current = seen;
        }
    }
}

/// <summary>A last-value series (Gauge and every observable instrument).</summary>
internal sealed class LastValueSeries(LabelSet labels)
{
    private double _value;
    private long _generation;

    public LabelSet Labels { get; } = labels;

    public double Value => Volatile.Read(ref _value);

    /// <summary>The collection in which an observable instrument last reported this series.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public void Set(double value, long generation = 0)
    {
        Volatile.Write(ref _value, value);
        Interlocked.Exchange(ref _generation, generation);
    }
}

/// <summary>
/// A histogram series. A small lock (rather than per-field atomics) keeps bucket counts, count and sum
/// mutually consistent in every scrape, so <c>_count</c> always equals the <c>+Inf</c> bucket.
/// </summary>
internal sealed class HistogramSeries(LabelSet labels, double[] bounds)
{
    private readonly object _gate = new();
    private readonly long[] _counts = new long[bounds.Length + 1];
    private double _sum;

    public LabelSet Labels { get; } = labels;

    public void Record(double value)
    {
        var bucket = BucketOf(value);
        lock (_gate)
        {
            _counts[bucket]++;
            _sum += value;
        }
    }

    /// <summary>Copies per-bucket (non-cumulative) counts into <paramref name="counts"/> and returns the sum.</summary>
    public double CopyTo(Span<long> counts)
    {
        lock (_gate)
        {
            _counts.CopyTo(counts);
            return _sum;
        }
    }

    private int BucketOf(double value)
    {
        // Like client_golang, NaN lands in the +Inf bucket.
        if (double.IsNaN(value)) return bounds.Length;
        var index = Array.BinarySearch(bounds, value);
        // Exact hit: bounds are inclusive ("le"). Otherwise the complement is the first larger bound.
        return index >= 0 ? index : ~index;
    }
}
