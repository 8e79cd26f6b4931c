namespace Ccgw.Core.Routing;

/// <summary>
/// Hand-over of a connected voice interaction from one agent to a named agent (issue 19: transfer to an agent, warm
/// transfer with consult). A consult reserves one voice slot of the target, as an offer does, so routing offers the
/// target nothing else meanwhile; completing it moves the interaction to the target (the first agent goes to wrap-up
/// on their own, holding no slot) and cancelling it releases the target. The voice adapter follows
/// <see cref="InteractionConsultChanged"/>: caller on hold, the target's phone rung, legs bridged or released.
/// </summary>
internal sealed partial class ContactCenterState
{
    private long _transferWrapVersion;

    /// <summary>
    /// <paramref name="fromAgentId"/>, connected to the voice call <paramref name="interactionId"/>, asks to hand it to
    /// <paramref name="targetAgentId"/>. Refused, with a <see cref="CommandResult.Code"/> naming why, when the target is
    /// unknown (<c>unknownAgent</c>), the same agent (<c>sameAgent</c>), not ready (<c>agentNotReady</c>) or without a
    /// free voice slot (<c>agentBusy</c>), or when a consult is already in progress (<c>consultInProgress</c>).
    /// </summary>
    public CommandResult Consult(string fromAgentId, string interactionId, string targetAgentId, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = StartConsult(fromAgentId, interactionId, targetAgentId, blind: false, out _);
        Dispatch();
        Flush();
        return result;
    }

    /// <summary>
    /// Blind transfer to an agent: the checks and reservation of <see cref="Consult"/>, then at once
    /// <see cref="CompleteTransfer"/> without the agents' talk phase (both events carry <c>Blind</c>).
    /// </summary>
    public CommandResult TransferToAgent(string fromAgentId, string interactionId, string targetAgentId, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = StartConsult(fromAgentId, interactionId, targetAgentId, blind: true, out var i);
        if (result.IsOk)
            HandOver(i!, blind: true);
        Dispatch();
        Flush();
        return result;
    }

    /// <summary>
    /// The agent who started the consult hands the interaction over: the target now holds it (connected, its slot was
    /// reserved), the first agent is released into wrap-up (the queue's wrap-up time; none when that is zero) and
    /// history records the move with both agents ("transfer from alice to bob").
    /// </summary>
    public CommandResult CompleteTransfer(string agentId, string interactionId, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = FindConsult(agentId, interactionId, out var i);
        if (result.IsOk)
            HandOver(i!, blind: false);
        Dispatch();
        Flush();
        return result;
    }

    /// <summary>
    /// Ends the consult without a hand-over: the target's reservation is released and the first agent keeps the
    /// interaction. <paramref name="agentId"/> null: the channel cancels it (the target's phone did not answer or
    /// declined), <paramref name="reason"/> says why.
    /// </summary>
    public CommandResult CancelConsult(string? agentId, string interactionId, string? reason, DateTimeOffset now)
    {
        FireTimersUntil(now);
        var result = FindConsult(agentId, interactionId, out var i);
        if (result.IsOk)
            EndConsult(i!, reason ?? "cancelled by " + agentId, failed: agentId is null);
        Dispatch();
        Flush();
        return result;
    }

    private CommandResult StartConsult(string fromAgentId, string interactionId, string targetAgentId, bool blind, out InteractionRecord? interaction)
    {
        interaction = null;
        if (!_live.TryGetValue(interactionId, out var i))
            return CommandResult.NotFound($"unknown interaction '{interactionId}'");
        if (i.Agent is not { } from || from.Id != fromAgentId || i.State != InteractionState.Connected)
            return CommandResult.Invalid($"interaction '{interactionId}' is not connected to {fromAgentId}");
        if (i.Request.Channel != InteractionChannel.Voice)
            return CommandResult.Invalid($"interaction '{interactionId}' is not a voice call ({i.Request.Channel.ToString().ToLowerInvariant()})");
        if (i.Consult is { } running)
            return CommandResult.Invalid($"interaction '{interactionId}' is already in a consult with {running.Target.Id}") with { Code = "consultInProgress" };
        if (!_agents.TryGetValue(targetAgentId, out var target))
            return CommandResult.NotFound($"unknown agent '{targetAgentId}'") with { Code = "unknownAgent" };
        if (ReferenceEquals(target, from))
            return CommandResult.Invalid($"{fromAgentId} cannot hand '{interactionId}' to themselves") with { Code = "sameAgent" };
        if (!target.IsRoutable)
            return CommandResult.Invalid($"agent '{targetAgentId}' is not ready ({target.Shown.ToString().ToLowerInvariant()})") with { Code = "agentNotReady" };
        if (!target.CanTake(i.Slot))
            return CommandResult.Invalid($"agent '{targetAgentId}' has no free voice capacity") with { Code = "agentBusy" };

        // The consult holds the caller (music) itself; a cancel resumes them with the first agent, so hold ends here.
        i.OnHold = false;
        i.Consult = new ConsultRecord(from, target, _now);
        target.Reserved.Add(i);
        target.Load[i.Slot]++;
        target.TotalLoad++;
        Touch(target);
        MarkPresence(from);
        Emit(new InteractionConsultChanged(i.ToView(), from.Id, target.Id, ConsultPhase.Started, blind, null));
        interaction = i;
        return CommandResult.Ok;
    }

    private CommandResult FindConsult(string? agentId, string interactionId, out InteractionRecord? interaction)
    {
        interaction = null;
        if (!_live.TryGetValue(interactionId, out var i))
            return CommandResult.NotFound($"unknown interaction '{interactionId}'");
        if (i.Consult is not { } consult)
            return CommandResult.Invalid($"interaction '{interactionId}' is not in a consult") with { Code = "noConsult" };
        if (agentId is not null && consult.From.Id != agentId)
            return CommandResult.Invalid($"the consult of '{interactionId}' was started by {consult.From.Id}, not {agentId}");
        interaction = i;
        return CommandResult.Ok;
    }

    private void HandOver(InteractionRecord i, bool blind)
    {
        var consult = i.Consult!;
        var (from, target) = (consult.From, consult.Target);
        ReleaseReservation(i, target);
        i.Consult = null;
        // The first agent's part counts as handle time of the queue, as a finished interaction's would.
        if (i.HeldSince is { } held)
            i.Queue.HandleTime[i.Slot].Add(_now - held);
        Release(i, from);
        if (from.TotalLoad == 0)
            from.IdleSince = _now;
        var wrap = i.Queue.Definition.WrapUp ?? _options.DefaultWrapUp;
        if (wrap > TimeSpan.Zero)
        {
            var version = ++_transferWrapVersion;
            from.TransferWrapUps[i.Id] = version;
            _timers.Schedule(_now + wrap, new TimerEntry(TimerKind.TransferWrapUpEnd, null, from, version, i.Id));
        }

        i.Agent = target;
        i.HeldSince = _now;
        target.Work.Add(i);
        target.Load[i.Slot]++;
        target.TotalLoad++;
        SetState(i, InteractionState.Connected, $"transfer from {from.Id} to {target.Id}");
        Emit(new InteractionConsultChanged(i.ToView(), from.Id, target.Id, ConsultPhase.Completed, blind, null));
        Touch(from);
        Touch(target);
    }

    /// <summary>Cancels the consult of <paramref name="i"/>: the target's slot is free again, the first agent keeps it.</summary>
    private void EndConsult(InteractionRecord i, string reason, bool failed = false)
    {
        var consult = i.Consult!;
        i.Consult = null;
        ReleaseReservation(i, consult.Target);
        consult.Target.IdleSince = _now;
        Emit(new InteractionConsultChanged(i.ToView(), consult.From.Id, consult.Target.Id, ConsultPhase.Cancelled, false, reason) { Failed = failed });
        Touch(consult.Target);
        MarkPresence(consult.From);
    }

    private static void ReleaseReservation(InteractionRecord i, AgentRecord target)
    {
        target.Reserved.Remove(i);
        target.Load[i.Slot]--;
        target.TotalLoad--;
    }

    /// <summary>Ends the agent's wrap-ups of handed-over interactions (one, or all when null); how many ended.</summary>
    private int EndTransferWrapUps(AgentRecord a, string? interactionId)
    {
        var ended = 0;
        foreach (var handed in a.TransferWrapUps.Keys.Where(k => interactionId is null || k == interactionId).ToList())
        {
            a.TransferWrapUps.Remove(handed);
            ended++;
        }

        if (ended > 0)
            Touch(a);
        return ended;
    }
}
