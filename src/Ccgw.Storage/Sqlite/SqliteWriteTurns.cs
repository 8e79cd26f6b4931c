namespace Ccgw.Storage.Sqlite;

/// <summary>
/// Turns at SQLite's write lock for this process's writers, strictly first come, first served. SQLite itself is not
/// fair: a writer that finds the lock taken sleeps in its busy handler (1, 2, 5 … 100 ms) and tries again, while the
/// help-request intake begins its next batch microseconds after each commit, so under a saturating intake the
/// scheduler's, the voice adapter's and supervisors' writes could wait out the whole busy_timeout. Every writer takes
/// a turn here first and holds it until its transaction has ended; one that asks while another writes waits in line,
/// and the intake, asking again after its commit, goes behind whoever came meanwhile. Writers in other processes
/// (none in normal operation) still meet SQLite's busy handler.
/// One exception to first come, first served: a batch writer (<see cref="TakeBatchAsync"/>, the intake, whose one turn
/// commits up to a few hundred customers' requests) never waits behind more than <see cref="OthersPerBatchTurn"/>
/// others. Strict order would let a crowd of single-row writers (every call being dialled marks its row) push the
/// intake to one turn in dozens, and with it every customer waiting for a 202.
/// </summary>
public sealed class SqliteWriteTurns
{
    /// <summary>Most turns other writers take while a batch writer waits.</summary>
    public const int OthersPerBatchTurn = 4;

    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private bool _held;
    private int _othersSinceBatch;
    private long _waited;

    /// <summary>Turns that had to wait for another writer (for tests and metrics).</summary>
    public long Waited => Interlocked.Read(ref _waited);

    /// <summary>Waits for this caller's turn; dispose the result once the transaction has committed or rolled back.</summary>
    public ValueTask<Turn> TakeAsync(CancellationToken cancellationToken) => TakeAsync(batch: false, cancellationToken);

    /// <summary>A batch writer's turn: in line like any other, but never behind more than <see cref="OthersPerBatchTurn"/> others.</summary>
    public ValueTask<Turn> TakeBatchAsync(CancellationToken cancellationToken) => TakeAsync(batch: true, cancellationToken);

    private async ValueTask<Turn> TakeAsync(bool batch, CancellationToken cancellationToken)
    {
        LinkedListNode<Waiter> node;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                Granted(batch);
                return new Turn(this);
            }
            node = _waiting.AddLast(new Waiter(batch));
        }
        Interlocked.Increment(ref _waited);
        await using (cancellationToken.Register(() => Abandon(node, cancellationToken)))
        {
            await node.Value.Ready.Task;
        }
        return new Turn(this);
    }

    /// <summary>A cancelled wait leaves the line; one already handed the turn keeps it (its caller releases it).</summary>
    private void Abandon(LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (node.List is null) return;
            _waiting.Remove(node);
        }
        node.Value.Ready.TrySetCanceled(cancellationToken);
    }

    private void Release()
    {
        Waiter? next = null;
        lock (_gate)
        {
            var chosen = _waiting.First;
            if (chosen is not null && !chosen.Value.Batch && _othersSinceBatch >= OthersPerBatchTurn)
                for (var n = chosen.Next; n is not null; n = n.Next)
                    if (n.Value.Batch)
                    {
                        chosen = n;
                        break;
                    }
            if (chosen is not null)
            {
                _waiting.Remove(chosen);
                next = chosen.Value;
                Granted(next.Batch);
            }
            else
            {
                _held = false;
            }
        }
        next?.Ready.TrySetResult();
    }

    private void Granted(bool batch) => _othersSinceBatch = batch ? 0 : _othersSinceBatch + 1;

    private sealed record Waiter(bool Batch)
    {
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The caller's turn; disposing it hands the lock to the next writer in line.</summary>
    public sealed class Turn : IDisposable
    {
        private SqliteWriteTurns? _owner;

        internal Turn(SqliteWriteTurns owner) => _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Release();
    }
}
