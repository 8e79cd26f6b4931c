namespace Ccgw.Mqtt;

/// <summary>
/// Counts open, accepted connections per user name and tells one reader which users changed.
/// Changes are kept as a set of dirty names (bounded by the number of users) plus a one-slot
/// signal, so the broker never blocks on a slow reader and no transition is lost: the reader
/// always sees the latest count of every user that changed since it last looked.
/// </summary>
internal sealed class UserConnectionTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Opened(string user) => Change(user, +1);

    public void Closed(string user) => Change(user, -1);

    private void Change(string user, int delta)
    {
        lock (_gate)
        {
            var count = _counts.GetValueOrDefault(user) + delta;
            if (count <= 0) _counts.Remove(user);
            else _counts[user] = count;
            // Only 0 <-> 1 transitions matter to the reader.
            if ((delta > 0 && count == 1) || (delta < 0 && count == 0)) _dirty.Add(user);
            else return;
            if (_signal.CurrentCount == 0) _signal.Release();
        }
    }

    public async ValueTask<IReadOnlyList<MqttUserConnections>> WaitForChangesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_dirty.Count > 0)
                {
                    var changes = _dirty.Select(u => new MqttUserConnections(u, _counts.GetValueOrDefault(u))).ToArray();
                    _dirty.Clear();
                    return changes;
                }
            }
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public int Count(string user)
    {
        lock (_gate) return _counts.GetValueOrDefault(user);
    }
}

/// <summary>How many accepted connections a user has open now (0: the last one closed).</summary>
public readonly record struct MqttUserConnections(string UserName, int Connections);
