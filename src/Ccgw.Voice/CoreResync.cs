using Ccgw.Core;

namespace Ccgw.Voice;

/// <summary>What a call does after the gateway missed some of the core's events (see <see cref="EventFollower"/>).</summary>
[Flags]
internal enum ResyncActions
{
    None = 0,

    /// <summary>The core ended the interaction (console hang-up, supervisor) or forgot it: hang up.</summary>
    HangUp = 1,

    /// <summary>The offer our agent's phone rings for was closed (timed out, withdrawn): stop ringing.</summary>
    StopRinging = 2,

    /// <summary>
    /// The core offered the interaction to an agent whose phone we never rang: reject that offer, so the core offers it
    /// again (an event we will see) instead of letting it time out and mark the agent not ready.
    /// </summary>
    RejectUnseenOffer = 4,
}

/// <summary>Compares a call's own view with the core's after a gap in the event stream; the call then acts on the result.</summary>
internal static class CoreResync
{
    /// <summary>
    /// Asks the core where interaction <paramref name="interactionId"/> stands and acts on the difference: hangs up, stops
    /// ringing for <paramref name="ringing"/> (an offer not yet accepted), and/or rejects an offer we never saw.
    /// </summary>
    public static async Task CatchUpAsync(RoutingEngine engine, string interactionId, Offer? ringing, string? connectedAgent,
        Func<Task> hangUp, Action<Offer> stopRinging, CancellationToken cancellationToken)
    {
        var core = (await engine.GetInteractionAsync(interactionId, cancellationToken))?.Interaction;
        var actions = Decide(core, ringing?.AgentId, connectedAgent);
        if (actions.HasFlag(ResyncActions.HangUp))
        {
            await hangUp();
            return;
        }
        if (actions.HasFlag(ResyncActions.StopRinging)) stopRinging(ringing!);
        if (actions.HasFlag(ResyncActions.RejectUnseenOffer))
            await engine.RejectOfferAsync(core!.AgentId!, interactionId, "gateway missed the offer", cancellationToken);
    }

    /// <param name="core">The interaction as the core has it now; null when the core no longer knows it.</param>
    /// <param name="ringingAgent">The agent whose phone rings for an offer not yet accepted, if any.</param>
    /// <param name="connectedAgent">The agent on the call (accepted or bridged), if any.</param>
    public static ResyncActions Decide(InteractionView? core, string? ringingAgent, string? connectedAgent)
    {
        if (core is null || core.State is InteractionState.WrapUp or InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed)
            return ResyncActions.HangUp;
        var actions = ResyncActions.None;
        var stillOurs = core.State is InteractionState.Offered or InteractionState.Connected && core.AgentId == ringingAgent;
        if (ringingAgent is not null && !stillOurs)
            actions |= ResyncActions.StopRinging;
        if (core.State == InteractionState.Offered && core.AgentId != ringingAgent && core.AgentId != connectedAgent)
            actions |= ResyncActions.RejectUnseenOffer;
        return actions;
    }
}
