using System.Collections.Concurrent;

namespace Ccgw.Prometheus;

/// <summary>
/// The series of one metric family keyed by tag set, bounded to a maximum count. Lookups of existing
/// series allocate nothing; creation (and the cap check) is serialised by a lock.
/// </summary>
internal sealed class SeriesTable<TSeries>
    where TSeries : class
{
    private const int StackKeyChars = 256;

    private readonly ConcurrentDictionary<string, TSeries> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TSeries>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Func<LabelSet, TSeries> _create;
    private readonly MetricKind _kind;
    private readonly int _maxSeries;
    private readonly object _gate = new();
    private TSeries[] _ordered = [];
    private long _dropped;

    public SeriesTable(MetricKind kind, int maxSeries, Func<LabelSet, TSeries> create)
    {
        _kind = kind;
        _maxSeries = maxSeries;
        _create = create;
        _lookup = _byKey.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Series in creation order; a stable snapshot safe to enumerate while recording continues.</summary>
    public TSeries[] Snapshot => Volatile.Read(ref _ordered);

    /// <summary>Measurements refused because the family already had the maximum number of series.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The series for <paramref name="tags"/>, or null when creating it would exceed the cap.</summary>
    public TSeries? GetOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty) return GetOrAdd(ReadOnlySpan<char>.Empty, tags);

        Span<char> stack = stackalloc char[StackKeyChars];
        return SeriesKey.TryWrite(tags, stack, out var length)
            ? GetOrAdd(stack[..length], tags)
            : GetOrAdd(SeriesKey.Build(tags), tags); // long tag values: rare enough to allocate the key
    }

    /// <summary>Forgets series matching <paramref name="isStale"/> (observable instruments that stopped reporting them).</summary>
    public void RemoveWhere(Func<TSeries, bool> isStale)
    {
        lock (_gate)
        {
            var ordered = _ordered;
            if (!ordered.Any(isStale)) return;
            foreach (var pair in _byKey)
            {
                if (isStale(pair.Value)) _byKey.TryRemove(pair.Key, out _);
            }
            Volatile.Write(ref _ordered, ordered.Where(s => !isStale(s)).ToArray());
        }
    }

    private TSeries? GetOrAdd(ReadOnlySpan<char> key, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_lookup.TryGetValue(key, out var existing)) return existing;
        lock (_gate)
        {
            if (_lookup.TryGetValue(key, out existing)) return existing;
            if (_ordered.Length >= _maxSeries)
            {
                Interlocked.Increment(ref _dropped);
                return null;
            }
            var created = _create(LabelSet.From(tags, _kind));
            _byKey[key.ToString()] = created;
            Volatile.Write(ref _ordered, [.. _ordered, created]);
            return created;
        }
    }
}
