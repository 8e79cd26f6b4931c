namespace Ccgw.Mqtt;

/// <summary>
/// Subscriptions indexed by topic filter level (a trie). Matching a topic walks only the branches
/// its levels select plus the '+' and '#' branches, and looks levels up as spans, so it allocates
/// nothing. Not thread-safe: the broker calls it under its own lock.
/// </summary>
internal sealed class TopicTree<TValue>
    where TValue : notnull
{
    private readonly Node _root = new();

    public int Count { get; private set; }

    public void Add(string filter, TValue value)
    {
        var node = _root;
        foreach (var level in new LevelEnumerator(filter))
        {
            if (level is "#")
            {
                (node.MultiLevel ??= []).Add(value);
                Count++;
                return;
            }
            node = level is "+"
                ? node.SingleLevel ??= new Node()
                : GetOrAddChild(node, level);
        }
        (node.Exact ??= []).Add(value);
        Count++;
    }

    /// <summary>Removes the first entry for <paramref name="filter"/> that <paramref name="predicate"/> selects.</summary>
    public bool Remove(string filter, Func<TValue, bool> predicate)
    {
        if (!Remove(_root, filter.AsSpan(), predicate)) return false;
        Count--;
        return true;
    }

    /// <summary>Appends every value whose filter matches <paramref name="topic"/> (a valid topic name).</summary>
    public void Match(ReadOnlySpan<char> topic, List<TValue> results) =>
        Collect(_root, topic, done: false, dollarTopic: topic.Length > 0 && topic[0] == '$', firstLevel: true, results);

    private static Node GetOrAddChild(Node node, ReadOnlySpan<char> level)
    {
        node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
        var lookup = node.Children.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(level, out var child))
        {
            child = new Node();
            lookup[level] = child;
        }
        return child;
    }

    private static void Collect(Node node, ReadOnlySpan<char> rest, bool done, bool dollarTopic, bool firstLevel, List<TValue> results)
    {
        // Wildcards at the first level never match topics starting with '$' [MQTT-4.7.2-1].
        var wildcardsAllowed = !(firstLevel && dollarTopic);
        if (node.MultiLevel is { } multi && wildcardsAllowed) results.AddRange(multi);
        if (done)
        {
            if (node.Exact is { } exact) results.AddRange(exact);
            return;
        }
        var slash = rest.IndexOf('/');
        var level = slash < 0 ? rest : rest[..slash];
        var next = slash < 0 ? ReadOnlySpan<char>.Empty : rest[(slash + 1)..];
        var nextDone = slash < 0;
        if (node.Children is { } children &&
            children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out var child))
            Collect(child, next, nextDone, dollarTopic, firstLevel: false, results);
        if (node.SingleLevel is { } single && wildcardsAllowed)
            Collect(single, next, nextDone, dollarTopic, firstLevel: false, results);
    }

    private static bool Remove(Node node, ReadOnlySpan<char> filter, Func<TValue, bool> predicate)
    {
        var slash = filter.IndexOf('/');
        var level = slash < 0 ? filter : filter[..slash];
        if (level is "#") return RemoveFrom(node.MultiLevel, predicate);
        Node? child;
        if (level is "+")
        {
            child = node.SingleLevel;
        }
        else if (node.Children is null || !node.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out child))
        {
            return false;
        }
        if (child is null) return false;
        var removed = slash < 0 ? RemoveFrom(child.Exact, predicate) : Remove(child, filter[(slash + 1)..], predicate);
        if (removed && child.IsEmpty)
        {
            if (level is "+") node.SingleLevel = null;
            else node.Children!.GetAlternateLookup<ReadOnlySpan<char>>().Remove(level);
        }
        return removed;
    }

    private static bool RemoveFrom(List<TValue>? list, Func<TValue, bool> predicate)
    {
        if (list is null) return false;
        var index = list.FindIndex(v => predicate(v));
        if (index < 0) return false;
        list.RemoveAt(index);
        return true;
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Children;
        public Node? SingleLevel;
        public List<TValue>? MultiLevel;
        public List<TValue>? Exact;

        public bool IsEmpty =>
            (Children is null || Children.Count == 0) && SingleLevel is null &&
            (MultiLevel is null || MultiLevel.Count == 0) && (Exact is null || Exact.Count == 0);
    }

    /// <summary>Splits a filter into levels without allocating.</summary>
    private ref struct LevelEnumerator(string text)
    {
        private ReadOnlySpan<char> _rest = text;
        private bool _finished;

        public ReadOnlySpan<char> Current { get; private set; }

        public readonly LevelEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_finished) return false;
            var slash = _rest.IndexOf('/');
            if (slash < 0)
            {
                Current = _rest;
                _finished = true;
                return true;
            }
            Current = _rest[..slash];
            _rest = _rest[(slash + 1)..];
            return true;
        }
    }
}
