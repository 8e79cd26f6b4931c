namespace Ccgw.Core.Callbacks;

/// <summary>
/// Which queues' call-back lists changed since the reader last looked. Writers call <see cref="Changed"/> (or
/// <see cref="ChangedAnywhere"/>) after a write committed; one reader waits with <see cref="WhenChangedAsync"/> and takes
/// the accumulated changes with <see cref="Take"/>. Signals before the reader takes them collapse into one set, so a
/// burst of writes costs the reader one read per queue however many rows changed, and a signal is never lost.
/// Protocol-neutral: it knows queue ids only.
/// </summary>
public sealed class CallbackListChanges
{
    private readonly object _gate = new();
    private readonly HashSet<string> _queues = new(StringComparer.Ordinal);
    private bool _anywhere;
    private TaskCompletionSource? _waiter;

    /// <summary>A call-back of <paramref name="queueId"/> was added or changed.</summary>
    public void Changed(string queueId)
    {
        ArgumentNullException.ThrowIfNull(queueId);
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _queues.Add(queueId);
            wake = TakeWaiter();
        }
        wake?.TrySetResult();
    }

    /// <summary>
    /// A call-back changed but the writer does not know its queue (writes by id return no row): every queue counts as
    /// changed. Cheaper than reading the row back on the write path; the reader finds out what really changed.
    /// </summary>
    public void ChangedAnywhere()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _anywhere = true;
            wake = TakeWaiter();
        }
        wake?.TrySetResult();
    }

    /// <summary>Completes once something changed that has not been taken yet (at once if it already has).</summary>
    public async Task WhenChangedAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_anywhere || _queues.Count > 0) return;
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }
        await wait.WaitAsync(cancellationToken);
    }

    /// <summary>Returns the changes so far and forgets them; later signals start a new set.</summary>
    public CallbackListChange Take()
    {
        lock (_gate)
        {
            var taken = new CallbackListChange(_anywhere, new HashSet<string>(_queues, StringComparer.Ordinal));
            _anywhere = false;
            _queues.Clear();
            return taken;
        }
    }

    private TaskCompletionSource? TakeWaiter()
    {
        var waiter = _waiter;
        _waiter = null;
        return waiter;
    }
}

/// <summary>Queues whose call-back lists changed; <see cref="Anywhere"/>: possibly any queue.</summary>
public sealed record CallbackListChange(bool Anywhere, IReadOnlySet<string> Queues)
{
    public bool Includes(string queueId) => Anywhere || Queues.Contains(queueId);
}
