namespace Ccgw.Storage.Sqlite;

/// <summary>
/// Turns at SQLite's write lock for this process's writers, strictly first come, first served. SQLite itself is not
/// fair: a writer that finds the lock taken sleeps in its busy handler (1, 2, 5 … 100 ms) and tries again, while the
/// help-request intake begins its next batch microseconds after each commit, so under a saturating intake the
/// scheduler's, the voice adapter's and supervisors' writes could wait out the whole busy_timeout. Every writer takes
/// a turn here first and holds it until its transaction has ended; one that asks while another writes waits in line,
/// and the intake, asking again after its commit, goes behind whoever came meanwhile. Writers in other processes
/// (none in normal operation) still meet SQLite's busy handler.
/// </summary>
public sealed class SqliteWriteTurns
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private bool _held;
    private long _waited;

    /// <summary>Turns that had to wait for another writer (for tests and metrics).</summary>
    public long Waited => Interlocked.Read(ref _waited);

    /// <summary>Waits for this caller's turn; dispose the result once the transaction has committed or rolled back.</summary>
    public async ValueTask<Turn> TakeAsync(CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                return new Turn(this);
            }
            node = _waiting.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        Interlocked.Increment(ref _waited);
        await using (cancellationToken.Register(() => Abandon(node, cancellationToken)))
        {
            await node.Value.Task;
        }
        return new Turn(this);
    }

    /// <summary>A cancelled wait leaves the line; one already handed the turn keeps it (its caller releases it).</summary>
    private void Abandon(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (node.List is null) return;
            _waiting.Remove(node);
        }
        node.Value.TrySetCanceled(cancellationToken);
    }

    private void Release()
    {
        TaskCompletionSource? next = null;
        lock (_gate)
        {
            if (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                next = first.Value;
            }
            else
            {
                _held = false;
            }
        }
        next?.TrySetResult();
    }

    /// <summary>The caller's turn; disposing it hands the lock to the next writer in line.</summary>
    public sealed class Turn : IDisposable
    {
        private SqliteWriteTurns? _owner;

        internal Turn(SqliteWriteTurns owner) => _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Release();
    }
}
