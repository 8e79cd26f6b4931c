using Ccgw.Core.Routing;

namespace Ccgw.Core;

/// <summary>A unit of work for the single writer loop.</summary>
internal abstract class EngineCommand
{
    public abstract void Execute(ContactCenterState state, DateTimeOffset now);

    public abstract void Cancel();
}

/// <summary>A command whose caller awaits a result. Exceptions from the state machine (caller bugs) go to that caller, not the loop.</summary>
internal sealed class EngineCommand<T>(Func<ContactCenterState, DateTimeOffset, T> apply, CancellationToken cancellationToken) : EngineCommand
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
            _completion.TrySetResult(apply(state, now));
        }
        catch (ArgumentException e)
        {
            // Rejected before any change: the caller's mistake, the loop carries on.
            _completion.TrySetException(e);
        }
        catch (Exception e)
        {
            // A bug in the state machine: tell the caller, then stop the loop rather than route from a broken state.
            _completion.TrySetException(e);
            throw;
        }
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
