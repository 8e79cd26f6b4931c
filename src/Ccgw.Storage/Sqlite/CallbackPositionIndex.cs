using Ccgw.Core.Repositories;

namespace Ccgw.Storage.Sqlite;

/// <summary>
/// Where a call-back stands among its queue's due ones: priority (higher first), then original start, then rowid
/// (insertion order) — the order of the position query it replaces. Times are the stored text, compared ordinally as
/// SQLite compares them, so the index agrees with SQL even on text that is not canonical.
/// </summary>
internal readonly record struct PositionKey(int Priority, string OriginalStartedAt, long RowId) : IComparable<PositionKey>
{
    public int CompareTo(PositionKey other)
    {
        if (Priority != other.Priority) return other.Priority.CompareTo(Priority);
        var started = string.CompareOrdinal(OriginalStartedAt, other.OriginalStartedAt);
        return started != 0 ? started : RowId.CompareTo(other.RowId);
    }

    public static bool operator <(PositionKey left, PositionKey right) => left.CompareTo(right) < 0;

    public static bool operator >(PositionKey left, PositionKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(PositionKey left, PositionKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(PositionKey left, PositionKey right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// The call-backs that count for positions (status scheduled or queued), per queue, kept by the help request writer so
/// that a position costs a binary search instead of a count over the queue's whole due backlog (which grew with every
/// accepted request). It answers what
/// <c>count(*) WHERE queue_id = q AND scheduled_at &lt;= now AND status IN (Scheduled, Queued) AND key &lt; k</c> would.
/// The owner keeps it exact: it is loaded from SQLite, changed with the owner's own writes, and brought level with
/// other connections' commits by re-reading the rows the change log (<c>callback_changes</c>) names, or loaded again
/// when that log cannot say (see <see cref="SqliteHelpRequestStore"/>).
/// Not thread-safe: one writer owns it.
/// </summary>
internal sealed class CallbackPositionIndex
{
    private readonly Dictionary<string, QueueEntries> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);

    /// <summary>
    /// Replaces the contents with <paramref name="rows"/> (id, queue, scheduled time, key) in one go: a sort per queue
    /// rather than an insert per row.
    /// </summary>
    public void Load(IEnumerable<(string Id, string QueueId, string ScheduledAt, PositionKey Key)> rows, string now)
    {
        _queues.Clear();
        _byId.Clear();
        var byQueue = new Dictionary<string, List<Entry>>(StringComparer.Ordinal);
        foreach (var (id, queueId, scheduledAt, key) in rows)
        {
            var entry = new Entry(queueId, scheduledAt, key);
            _byId[id] = entry;
            if (!byQueue.TryGetValue(queueId, out var list)) byQueue.Add(queueId, list = []);
            list.Add(entry);
        }
        foreach (var (queueId, entries) in byQueue) _queues.Add(queueId, new QueueEntries(entries, now));
    }

    /// <summary>Adds the call-back, or moves it if it is already in (a merged request changes its time).</summary>
    public void Set(string id, string queueId, string scheduledAt, PositionKey key)
    {
        Remove(id);
        var entry = new Entry(queueId, scheduledAt, key);
        _byId.Add(id, entry);
        if (!_queues.TryGetValue(queueId, out var queue)) _queues.Add(queueId, queue = new QueueEntries());
        queue.Add(entry);
    }

    /// <summary>The call-back no longer counts (it left scheduled/queued); nothing happens if it was not in.</summary>
    public void Remove(string id)
    {
        if (_byId.Remove(id, out var entry)) _queues[entry.QueueId].Remove(entry);
    }

    /// <summary>
    /// 1-based place of <paramref name="callback"/> (row <paramref name="rowId"/>) among its queue's due call-backs served
    /// before it; 0 while it is not due yet. The same answer as <see cref="SqliteHelpRequestStore.PositionAsync"/>.
    /// </summary>
    public int Position(CallbackRequest callback, long rowId, DateTimeOffset now) => callback.ScheduledAt > now ? 0
        : 1 + CountAhead(callback.QueueId, new PositionKey(callback.Priority, StoredTime.Write(callback.OriginalStartedAt), rowId), StoredTime.Write(now));

    /// <summary>How many of the queue's call-backs due at <paramref name="now"/> (stored text) come before <paramref name="key"/>.</summary>
    public int CountAhead(string queueId, PositionKey key, string now) =>
        _queues.TryGetValue(queueId, out var queue) ? queue.CountAhead(key, now) : 0;

    private sealed record Entry(string QueueId, string ScheduledAt, PositionKey Key);

    /// <summary>
    /// One queue: the call-backs due by <see cref="_dueBy"/> sorted by key (a count is a binary search), and the later
    /// ones by time, moved over as the clock passes them. New "now" requests sort last, so inserts append.
    /// </summary>
    private sealed class QueueEntries
    {
        private static readonly Comparer<Entry> ByKey = Comparer<Entry>.Create((a, b) => a.Key.CompareTo(b.Key));

        private static readonly Comparer<Entry> ByTime = Comparer<Entry>.Create((a, b) =>
        {
            var time = string.CompareOrdinal(a.ScheduledAt, b.ScheduledAt);
            return time != 0 ? time : a.Key.CompareTo(b.Key);
        });

        private readonly List<Entry> _due;
        private readonly SortedSet<Entry> _later;

        // Every entry due by this time is in _due, every later one in _later. Null until the first count.
        private string? _dueBy;

        public QueueEntries()
        {
            _due = [];
            _later = new SortedSet<Entry>(ByTime);
        }

        public QueueEntries(List<Entry> entries, string now)
        {
            _due = entries.FindAll(e => string.CompareOrdinal(e.ScheduledAt, now) <= 0);
            _due.Sort(ByKey);
            _later = new SortedSet<Entry>(entries.Where(e => string.CompareOrdinal(e.ScheduledAt, now) > 0), ByTime);
            _dueBy = now;
        }

        public void Add(Entry entry)
        {
            if (_dueBy is not null && string.CompareOrdinal(entry.ScheduledAt, _dueBy) <= 0) Insert(entry);
            else _later.Add(entry);
        }

        public void Remove(Entry entry)
        {
            if (_later.Remove(entry)) return;
            var i = _due.BinarySearch(entry, ByKey);
            if (i >= 0) _due.RemoveAt(i);
        }

        public int CountAhead(PositionKey key, string now)
        {
            MoveTo(now);
            var i = _due.BinarySearch(new Entry("", "", key), ByKey);
            return i >= 0 ? i : ~i;
        }

        private void MoveTo(string now)
        {
            if (_dueBy is not null && string.CompareOrdinal(now, _dueBy) < 0)
            {
                // The clock went back (a step of the system clock): entries due only after the new now go back to later.
                foreach (var entry in _due)
                    if (string.CompareOrdinal(entry.ScheduledAt, now) > 0) _later.Add(entry);
                _due.RemoveAll(e => string.CompareOrdinal(e.ScheduledAt, now) > 0);
            }
            _dueBy = now;
            while (_later.Count > 0 && string.CompareOrdinal(_later.Min!.ScheduledAt, now) <= 0)
            {
                var first = _later.Min!;
                _later.Remove(first);
                Insert(first);
            }
        }

        private void Insert(Entry entry)
        {
            // Appending is the common case (a new request has the latest original start).
            if (_due.Count == 0 || ByKey.Compare(_due[^1], entry) < 0)
            {
                _due.Add(entry);
                return;
            }
            var i = _due.BinarySearch(entry, ByKey);
            _due.Insert(i >= 0 ? i : ~i, entry);
        }
    }
}
