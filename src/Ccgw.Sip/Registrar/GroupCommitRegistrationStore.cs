using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Registrar;

/// <summary>When the registrar's 200 OK is sent relative to storage (<c>Sip:Registrar:Persistence</c>).</summary>
public enum RegistrarPersistence
{
    /// <summary>After the binding is committed to storage (in a group with the REGISTERs around it). The default.</summary>
    Durable,

    /// <summary>Right after the in-memory update; storage follows in the next group. A crash loses the last group.</summary>
    WriteBehind,
}

/// <summary>The durable side of <see cref="GroupCommitRegistrationStore"/>: the storage engine's binding table.</summary>
public interface IBindingPersistence
{
    /// <summary>Bindings not yet expired at <paramref name="now"/>, for every address of record, in each one's order.</summary>
    ValueTask<IReadOnlyList<SipBinding>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Each address's bindings become exactly the list given (empty: none), all in one transaction.</summary>
    ValueTask WriteGroupAsync(IReadOnlyCollection<KeyValuePair<string, IReadOnlyList<SipBinding>>> changes, CancellationToken cancellationToken);
}

/// <summary>
/// Registrar bindings served from memory and written to storage in groups, as Kamailio's usrloc serves lookups from
/// memory, and as a database groups commits: one writer task takes every address changed since its last transaction
/// and writes them in one (one fsync for the group, not one per REGISTER). A group is what arrived while the previous
/// one was being committed, so a lone REGISTER is written at once and a burst shares a transaction without a timer;
/// an address changed twice in that time is written once, with its latest bindings. Lookups for routing never touch
/// storage. The table is loaded once from storage (<see cref="LoadAsync"/>, or at first use), so a restart (or a
/// standby's takeover, which is a start) serves the bindings that were durable. A group that fails to commit stays
/// pending (an address changed since keeps its newer list) and is tried again after <see cref="RetryDelay"/>: memory
/// and storage converge; durable waiters of the failed group see the error (the phone gets 500 and registers again).
/// </summary>
public sealed class GroupCommitRegistrationStore : IRegistrationStore, IAsyncDisposable
{
    private readonly IBindingPersistence _storage;
    private readonly RegistrarPersistence _mode;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, IReadOnlyList<SipBinding>> _bindings = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();

    // Guarded by _gate: the addresses changed since the writer last took them, and the completion their waiters share.
    private Dictionary<string, IReadOnlyList<SipBinding>> _pending = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<string, IReadOnlyList<SipBinding>> _spare = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _pendingDone = NewCompletion();
    private Task? _load;
    private Task? _writer;
    private bool _closing;
    private long _groups;
    private long _written;

    public GroupCommitRegistrationStore(IBindingPersistence storage, RegistrarPersistence mode, TimeProvider time, ILogger log)
    {
        _storage = storage;
        _mode = mode;
        _time = time;
        _log = log;
    }

    public RegistrarPersistence Mode => _mode;

    /// <summary>Wait before a failed group is tried again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Transactions committed so far (each carrying one or more addresses).</summary>
    public long GroupsWritten => Interlocked.Read(ref _groups);

    /// <summary>Address changes committed so far (an address changed twice within one group counts once).</summary>
    public long AddressesWritten => Interlocked.Read(ref _written);

    /// <summary>Loads the table from storage and starts the writer; later calls return the same load.</summary>
    public Task LoadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // A failed load (storage down at start) is tried again by the next caller rather than remembered.
            if (_load is null || _load.IsFaulted || _load.IsCanceled) _load = LoadCoreAsync(cancellationToken);
            return _load;
        }
    }

    public ValueTask<IReadOnlyList<SipBinding>> GetBindingsAsync(string aor, CancellationToken cancellationToken)
    {
        if (_load is not { IsCompletedSuccessfully: true }) return GetAfterLoadAsync(aor, cancellationToken);
        return ValueTask.FromResult(_bindings.TryGetValue(aor, out var b) ? b : (IReadOnlyList<SipBinding>)[]);
    }

    public ValueTask ReplaceBindingsAsync(string aor, IReadOnlyList<SipBinding> bindings, CancellationToken cancellationToken)
    {
        if (_load is not { IsCompletedSuccessfully: true }) return ReplaceAfterLoadAsync(aor, bindings, cancellationToken);
        Task durable;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (bindings.Count == 0) _bindings.TryRemove(aor, out _);
            else _bindings[aor] = bindings;
            var wasIdle = _pending.Count == 0;
            _pending[aor] = bindings;
            durable = _pendingDone.Task;
            if (wasIdle) _wake.Release();
        }
        return _mode == RegistrarPersistence.Durable ? new ValueTask(durable) : ValueTask.CompletedTask;
    }

    /// <summary>Writes what is pending (one last group) and stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? writer;
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
            writer = _writer;
        }
        // Cuts a retry's wait short; the closing pass below still writes what is pending, once.
        await _stopping.CancelAsync();
        _wake.Release();
        if (writer is not null) await writer;
        _stopping.Dispose();
    }

    private async ValueTask<IReadOnlyList<SipBinding>> GetAfterLoadAsync(string aor, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return _bindings.TryGetValue(aor, out var b) ? b : [];
    }

    private async ValueTask ReplaceAfterLoadAsync(string aor, IReadOnlyList<SipBinding> bindings, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        await ReplaceBindingsAsync(aor, bindings, cancellationToken);
    }

    private async Task LoadCoreAsync(CancellationToken cancellationToken)
    {
        var rows = await _storage.ListActiveAsync(_time.GetUtcNow(), cancellationToken);
        foreach (var group in rows.GroupBy(b => b.Aor, StringComparer.OrdinalIgnoreCase))
            _bindings[group.Key] = group.ToArray();
        RegistrarLog.BindingsLoaded(_log, rows.Count, _bindings.Count);
        lock (_gate) _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            await _wake.WaitAsync(CancellationToken.None);
            Dictionary<string, IReadOnlyList<SipBinding>> group;
            TaskCompletionSource done;
            bool closing;
            lock (_gate)
            {
                closing = _closing;
                if (_pending.Count == 0)
                {
                    if (closing) return;
                    continue;
                }
                group = _pending;
                _pending = _spare;
                _spare = group;
                done = _pendingDone;
                _pendingDone = NewCompletion();
            }
            try
            {
                // Not cancelled at stop: the last group is written in full, as a durable 200 OK promised.
                await _storage.WriteGroupAsync(group, CancellationToken.None);
                Interlocked.Increment(ref _groups);
                Interlocked.Add(ref _written, group.Count);
                group.Clear();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                RegistrarLog.GroupWriteFailed(_log, e, group.Count, closing);
                // Durable waiters answer 500 with it; with write-behind nobody waits, and a fault nobody reads is noise.
                if (_mode == RegistrarPersistence.Durable) done.TrySetException(e);
                else done.TrySetResult();
                if (closing)
                {
                    group.Clear();
                    return;
                }
                lock (_gate)
                {
                    // Newer lists of the same addresses win; the rest go back in line.
                    foreach (var (aor, bindings) in group) _pending.TryAdd(aor, bindings);
                    group.Clear();
                }
                await DelayBeforeRetryAsync();
                _wake.Release();
            }
        }
    }

    private async Task DelayBeforeRetryAsync()
    {
        try
        {
            await Task.Delay(RetryDelay, _time, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the closing pass writes what is pending once more.
        }
    }

    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The registrar's log lines (event ids 21200-21209).</summary>
internal static partial class RegistrarLog
{
    [LoggerMessage(EventId = 21200, Level = LogLevel.Information, Message = "Registrar loaded {Bindings} live bindings of {Addresses} addresses from storage")]
    public static partial void BindingsLoaded(ILogger log, int bindings, int addresses);

    [LoggerMessage(EventId = 21201, Level = LogLevel.Error, Message = "Writing {Addresses} registrar bindings to storage failed (stopping: {Stopping}); they stay in memory and, unless stopping, are written again")]
    public static partial void GroupWriteFailed(ILogger log, Exception exception, int addresses, bool stopping);
}
