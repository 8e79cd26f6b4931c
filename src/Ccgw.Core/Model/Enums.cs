namespace Ccgw.Core;

/// <summary>The media an interaction uses; decides which capacity slot of an agent it occupies.</summary>
public enum InteractionChannel
{
    Voice,
    Im,
    Callback,

    /// <summary>Web help requests; they occupy the call-back slot (an agent calls or writes back).</summary>
    Web,
}

/// <summary>The agent state shown to consoles; it is exactly the state routing uses.</summary>
public enum AgentState
{
    Offline,
    Ready,
    NotReady,
    Busy,
    WrapUp,
}

/// <summary>What an agent (or an admin) asks for; the shown <see cref="AgentState"/> is derived from it and the agent's load.</summary>
public enum AgentStateRequest
{
    Ready,
    NotReady,
    Offline,
}

/// <summary>Lifecycle: Queued → Offered → Connected → WrapUp → Ended, or Abandoned / Failed from any live state.</summary>
public enum InteractionState
{
    Queued,
    Offered,
    Connected,
    WrapUp,
    Ended,
    Abandoned,
    Failed,
}

/// <summary>How an open offer was closed.</summary>
public enum OfferOutcome
{
    Accepted,
    Rejected,
    TimedOut,

    /// <summary>Closed by the core: the agent went not-ready/offline or the customer left while it rang.</summary>
    Withdrawn,
}

/// <summary>Where a hand-over between agents stands (<see cref="InteractionConsultChanged"/>).</summary>
public enum ConsultPhase
{
    Started,
    Completed,
    Cancelled,
}

/// <summary>Outcome of an engine command that does not create anything.</summary>
public enum CommandStatus
{
    Ok,
    NotFound,

    /// <summary>The command does not apply in the current state (e.g. accepting an offer that already timed out).</summary>
    InvalidState,
}

/// <summary>Result of an engine command; <see cref="Error"/> explains a non-Ok status for logs and API problems.</summary>
public readonly record struct CommandResult(CommandStatus Status, string? Error = null)
{
    public static CommandResult Ok { get; } = new(CommandStatus.Ok);

    public bool IsOk => Status == CommandStatus.Ok;

    /// <summary>A short machine-readable reason for a refusal where callers tell several apart (e.g. "agentBusy"); else null.</summary>
    public string? Code { get; init; }

    internal static CommandResult NotFound(string what) => new(CommandStatus.NotFound, what);

    internal static CommandResult Invalid(string why) => new(CommandStatus.InvalidState, why);
}
