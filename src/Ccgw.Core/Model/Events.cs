namespace Ccgw.Core;

/// <summary>
/// Something the core applied. <see cref="Sequence"/> increases by one per event for the engine's lifetime, so a subscriber
/// can detect gaps; <see cref="At"/> is the core's clock when it happened.
/// </summary>
public abstract record CoreEvent
{
    public long Sequence { get; init; }

    public DateTimeOffset At { get; init; }
}

/// <summary>An agent's presence changed (state, reason, load or lost devices).</summary>
public sealed record AgentStateChanged(AgentPresence Presence, AgentState PreviousState) : CoreEvent;

/// <summary>An interaction moved in its lifecycle (<see cref="From"/> is null on arrival) or changed queue (overflow).</summary>
public sealed record InteractionStateChanged(InteractionView Interaction, InteractionState? From, string? Reason) : CoreEvent;

/// <summary>
/// The agent holding a connected voice interaction put it on hold or resumed it (console "hold"/"resume"). The voice
/// adapter follows it (music on hold for the caller, a re-INVITE to the agent's phone); routing is unchanged.
/// </summary>
public sealed record InteractionHoldChanged(InteractionView Interaction, string AgentId, bool Held) : CoreEvent;

/// <summary>
/// A hand-over of a connected voice interaction from one agent to another (issue 19, console "consult",
/// "completeTransfer", "cancelConsult", "transfer" to an agent). <see cref="ConsultPhase.Started"/>: the target is
/// reserved (the voice adapter holds the caller and rings the target's phone); <see cref="ConsultPhase.Completed"/>: the
/// interaction now belongs to the target and the first agent is in wrap-up; <see cref="ConsultPhase.Cancelled"/>: the
/// reservation is released and the first agent keeps the caller. <see cref="Blind"/>: started and completed in one
/// command, without the agents' talk phase. <see cref="Reason"/> says why a consult was cancelled.
/// </summary>
public sealed record InteractionConsultChanged(InteractionView Interaction, string FromAgentId, string TargetAgentId, ConsultPhase Phase,
    bool Blind, string? Reason) : CoreEvent
{
    /// <summary>Cancelled by the channel (the target's phone did not answer, declined or hung up), not by an agent or the call's end.</summary>
    public bool Failed { get; init; }
}

/// <summary>An offer was made: the adapter should ring / present it to the agent.</summary>
public sealed record OfferMade(Offer Offer) : CoreEvent;

/// <summary>An offer closed: accepted, rejected, timed out or withdrawn (the adapter should stop ringing unless accepted).</summary>
public sealed record OfferClosed(Offer Offer, OfferOutcome Outcome) : CoreEvent;

/// <summary>A queue's figures changed; emitted at most once per queue per applied command.</summary>
public sealed record QueueStatsChanged(QueueStats Stats) : CoreEvent;
