using Ccgw.Core.Routing;

namespace Ccgw.Core;

/// <summary>A unit of work for the single writer loop.</summary>
internal abstract class EngineCommand
{
    public abstract void Execute(ContactCenterState state, DateTimeOffset now);

    /// <summary>
    /// Hands the result to the caller. The loop calls it only after publishing the snapshot and events of this
    /// command, so a caller that awaited a change always reads a snapshot that already contains it.
    /// </summary>
    public virtual void Complete()
    {
    }

    public abstract void Cancel();
}

/// <summary>A command whose caller awaits a result. Exceptions from the state machine (caller bugs) go to that caller, not the loop.</summary>
internal sealed class EngineCommand<T>(Func<ContactCenterState, DateTimeOffset, T> apply, CancellationToken cancellationToken) : EngineCommand
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool _hasResult;
    private T? _result;
    private ArgumentException? _rejected;

    public Task<T> Task => _completion.Task;

    public override void Execute(ContactCenterState state, DateTimeOffset now)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            _completion.TrySetCanceled(cancellationToken);
            return;
        }

        try
        {
            _result = apply(state, now);
            _hasResult = true;
        }
        catch (ArgumentException e)
        {
            // Rejected before any change: the caller's mistake, the loop carries on.
            _rejected = e;
        }
        catch (Exception e)
        {
            // A bug in the state machine: tell the caller, then stop the loop rather than route from a broken state.
            _completion.TrySetException(e);
            throw;
        }
    }

    public override void Complete()
    {
        if (_rejected is not null) _completion.TrySetException(_rejected);
        else if (_hasResult) _completion.TrySetResult(_result!);
    }

    public override void Cancel() => _completion.TrySetCanceled();
}

/// <summary>The state machine's next timer fell due: fire everything due by now.</summary>
internal sealed class TickCommand : EngineCommand
{
    public static TickCommand Instance { get; } = new();

    public override void Execute(ContactCenterState state, DateTimeOffset now) => state.AdvanceTo(now);

    public override void Cancel()
    {
    }
}
