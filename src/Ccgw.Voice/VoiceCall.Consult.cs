using Ccgw.Core;
using Ccgw.Media.Sdp;
using Ccgw.Media.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>
/// Transfer to an agent, followed from the core's <see cref="InteractionConsultChanged"/> (issue 19). Consult: the
/// caller's bridge is taken down and the caller hears music on hold (as on hold), the target's phone is rung as offers
/// ring agents (<see cref="AgentLeg"/>, <see cref="LegDialler"/>), and once it answers the first agent's leg and the
/// consult leg are bridged so the agents talk. Complete: the first agent's leg gets BYE and the caller is bridged to the
/// target's leg, which becomes the call's agent leg. Cancel: the consult leg gets BYE (CANCEL while it rings) and the
/// caller is bridged to the first agent again. The target not answering (or declining, or hanging up) cancels the
/// consult in the core, which tells the first agent. A blind transfer rings the target only after the hand-over: the
/// first agent's leg gets BYE at once; if the target does not answer, the caller goes back to the queue.
/// </summary>
internal sealed partial class VoiceCall
{
    private AgentLeg? _consult;
    private RtpRelay? _consultBridge;

    // The consult leg's phone answered (its media is claimed before the INVITE leaves, so media alone does not say so).
    private bool _consultAnswered;

    /// <summary>The target's leg of a consult in progress (ringing or talking to the first agent); null otherwise.</summary>
    public bool IsConsulting
    {
        get { lock (_gate) return _consult is not null; }
    }

    /// <summary>The two agents' legs are bridged (the consult's talk phase).</summary>
    public bool AgentsBridged
    {
        get { lock (_gate) return _consultBridge is not null; }
    }

    /// <summary>The core started, completed or cancelled a hand-over of this call. Never throws: a failure is logged.</summary>
    public void OnConsultChanged(InteractionConsultChanged e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var work = e.Phase switch
        {
            ConsultPhase.Started when !e.Blind => StartConsultAsync(e),
            ConsultPhase.Completed => CompleteConsultAsync(e),
            ConsultPhase.Cancelled => CancelConsultAsync(e),
            _ => Task.CompletedTask, // a blind transfer's start: its ring follows the completion
        };
        _ = GuardConsultAsync(work, e);
    }

    private async Task GuardConsultAsync(Task work, InteractionConsultChanged e)
    {
        try
        {
            await work;
        }
#pragma warning disable CA1031 // A hand-over that fails must not take the gateway down; the call goes on and ends on BYE.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConsultFailed(_log, Key, e.Phase, e.TargetAgentId, ex);
        }
    }

    private async Task StartConsultAsync(InteractionConsultChanged e)
    {
        AgentLeg consult;
        AgentLeg first;
        RtpRelay? bridge;
        bool wasHeld;
        CancellationToken life;
        lock (_gate)
        {
            if (_phase != VoiceCallPhase.Connected || _consult is not null || _attempt is not { Leg: not null, Media: not null } connected) return;
            first = connected;
            consult = NewConsultLeg(e);
            _consult = consult;
            _consultAnswered = false;
            bridge = _bridge;
            _bridge = null;
            wasHeld = _held;
            _held = false; // the core ended hold as the consult began; the consult keeps the caller's music
            life = _life.Token;
        }
        bridge?.Dispose();
        if (!wasHeld) StartHoldMusic(life);
        // A caller on hold had the first agent's phone at a=sendonly: it must send again to talk to the target.
        if (wasHeld) await ReInviteAgentAsync(first, MediaDirection.SendReceive);
        LogConsultRinging(_log, Key, e.FromAgentId, e.TargetAgentId);
        await RingConsultAsync(consult, e, life);
    }

    private AgentLeg NewConsultLeg(InteractionConsultChanged e)
    {
        var now = _parts.Time.GetUtcNow();
        return new AgentLeg(new Offer(e.Interaction.Id + "/consult-" + e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            e.Interaction.Id, e.TargetAgentId, e.Interaction.QueueId, InteractionChannel.Voice, now, now, 0, e.Interaction));
    }

    /// <summary>Rings the target; once answered, bridges it to the first agent (consult) or to the caller (handed over).</summary>
    private async Task RingConsultAsync(AgentLeg consult, InteractionConsultChanged e, CancellationToken life)
    {
        string? failure;
        try
        {
            var dialler = _parts.Dialler;
            failure = await consult.RingAsync(dialler, dialler.Sip.OnDomain(e.FromAgentId, "Consult from " + e.FromAgentId),
                leg => _parts.Registry.RouteAgentLeg(leg, this), _gate,
                () => _phase == VoiceCallPhase.Connected && (_consult == consult || _attempt == consult), life);
        }
        catch (OperationCanceledException) when (life.IsCancellationRequested)
        {
            await consult.AbandonAsync();
            return;
        }

        if (failure is not null)
        {
            await ConsultLegFailedAsync(consult, e, failure);
            return;
        }

        RtpRelay? agents = null;
        var callerBridged = false;
        var wanted = true;
        lock (_gate)
        {
            if (_consult == consult || _attempt == consult)
                _consultAnswered = true;
            if (_phase != VoiceCallPhase.Connected || consult.Media is not { } media)
                wanted = false;
            else if (_consult == consult && _attempt?.Media is { } firstMedia)
                agents = _consultBridge = firstMedia.BridgeTo(media);
            else if (_attempt == consult)
                callerBridged = true; // completed (or blind) while it rang: the caller talks to the target now
            else
                wanted = false;
        }
        if (!wanted)
        {
            consult.End(agentHungUp: false);
            await consult.FreeMediaAsync();
            return;
        }
        if (callerBridged) await BridgeCallerToAgentAsync(consult);
        LogConsultAnswered(_log, Key, e.TargetAgentId, agents is not null);
    }

    /// <summary>The target's phone did not answer, was busy or declined.</summary>
    private async Task ConsultLegFailedAsync(AgentLeg consult, InteractionConsultChanged e, string failure)
    {
        await consult.FreeMediaAsync();
        bool handedOver;
        string? queue;
        lock (_gate)
        {
            handedOver = _attempt == consult;
            queue = _queueId;
            if (handedOver)
            {
                // Blind: the first agent is gone; the caller waits in the queue again, hearing the music meanwhile.
                _attempt = null;
                if (_phase == VoiceCallPhase.Connected) _phase = VoiceCallPhase.Queued;
            }
        }
        LogConsultNotAnswered(_log, Key, e.TargetAgentId, failure, handedOver);
        var engine = _parts.Engine;
        if (handedOver)
        {
            if (queue is not null) await engine.TransferAsync(e.Interaction.Id, queue);
            return;
        }
        // The core ends the consult and tells the first agent; its Cancelled event resumes the caller here.
        await engine.CancelConsultAsync(null, e.Interaction.Id, $"{e.TargetAgentId}'s phone did not take the consult ({failure})");
    }

    /// <summary>The target hung up during the consult: the consult ends, the first agent keeps the caller.</summary>
    private async Task OnConsultByeAsync()
    {
        AgentLeg? consult;
        string? id;
        lock (_gate)
        {
            consult = _consult;
            id = _interactionId;
        }
        consult?.End(agentHungUp: true);
        if (id is not null)
            await _parts.Engine.CancelConsultAsync(null, id, consult?.AgentId + " hung up the consult");
    }

    private async Task CompleteConsultAsync(InteractionConsultChanged e)
    {
        AgentLeg? consult;
        AgentLeg? first;
        RtpRelay? agents;
        RtpRelay? caller;
        bool answered;
        CancellationToken life;
        lock (_gate)
        {
            if (_phase != VoiceCallPhase.Connected) return;
            first = _attempt;
            consult = _consult ?? (e.Blind ? NewConsultLeg(e) : null);
            if (consult is null) return;
            answered = _consult == consult && _consultAnswered;
            _consult = null;
            _attempt = consult;
            agents = _consultBridge;
            _consultBridge = null;
            caller = _bridge;
            _bridge = null;
            _held = false;
            life = _life.Token;
        }
        agents?.Dispose();
        caller?.Dispose();
        // The first agent leaves the call: BYE to their phone, their ports freed.
        if (first is not null)
        {
            first.End(agentHungUp: false);
            await first.FreeMediaAsync();
        }
        LogConsultCompleted(_log, Key, e.FromAgentId, e.TargetAgentId, e.Blind);
        if (e.Blind)
        {
            StartHoldMusic(life);
            await RingConsultAsync(consult, e, life);
        }
        else if (answered)
        {
            await BridgeCallerToAgentAsync(consult);
        }
        // else: the target's phone still rings; RingConsultAsync bridges the caller when it answers.
    }

    private async Task CancelConsultAsync(InteractionConsultChanged e)
    {
        AgentLeg? consult;
        RtpRelay? agents;
        lock (_gate)
        {
            consult = _consult;
            _consult = null;
            agents = _consultBridge;
            _consultBridge = null;
        }
        if (consult is null) return;
        agents?.Dispose();
        consult.Closed = true;
        consult.End(agentHungUp: false); // BYE, or CANCEL while it rings (a leg the target hung up sends nothing)
        await consult.FreeMediaAsync();
        LogConsultCancelled(_log, Key, e.TargetAgentId, e.Reason);
        AgentLeg? first;
        lock (_gate) first = _phase == VoiceCallPhase.Connected ? _attempt : null;
        if (first is not null) await BridgeCallerToAgentAsync(first);
    }

    /// <summary>Stops the music and bridges the caller to <paramref name="agent"/>'s leg, if the call still wants it.</summary>
    private async Task BridgeCallerToAgentAsync(AgentLeg agent)
    {
        await StopHoldMusicAsync();
        lock (_gate)
        {
            if (_phase == VoiceCallPhase.Connected && _attempt == agent && _bridge is null && !_held && agent.Media is { } media)
                _bridge = _callerMedia.BridgeTo(media);
        }
    }

    /// <summary>The call is ending: the consult leg, if any, gets BYE (or CANCEL) and its ports are freed.</summary>
    private async Task EndConsultLegAsync()
    {
        AgentLeg? consult;
        RtpRelay? agents;
        lock (_gate)
        {
            consult = _consult;
            _consult = null;
            agents = _consultBridge;
            _consultBridge = null;
        }
        agents?.Dispose();
        if (consult is null) return;
        consult.Closed = true;
        consult.End(agentHungUp: false);
        await consult.FreeMediaAsync();
    }

    [LoggerMessage(EventId = 19600, Level = LogLevel.Information, Message = "Call {Call}: {From} consults {Target}: the caller hears music on hold, {Target}'s phone rings")]
    private static partial void LogConsultRinging(ILogger logger, string call, string from, string target);

    [LoggerMessage(EventId = 19601, Level = LogLevel.Information, Message = "Call {Call}: {Target} answered the consult (agents bridged: {AgentsBridged})")]
    private static partial void LogConsultAnswered(ILogger logger, string call, string target, bool agentsBridged);

    [LoggerMessage(EventId = 19602, Level = LogLevel.Information, Message = "Call {Call}: {Target}'s phone did not take the consult ({Reason}); after a blind transfer: {Blind}")]
    private static partial void LogConsultNotAnswered(ILogger logger, string call, string target, string reason, bool blind);

    [LoggerMessage(EventId = 19603, Level = LogLevel.Information, Message = "Call {Call}: {From} handed the caller to {Target} (blind: {Blind}); {From}'s phone gets BYE")]
    private static partial void LogConsultCompleted(ILogger logger, string call, string from, string target, bool blind);

    [LoggerMessage(EventId = 19604, Level = LogLevel.Information, Message = "Call {Call}: the consult with {Target} ended ({Reason}); the caller is back with the first agent")]
    private static partial void LogConsultCancelled(ILogger logger, string call, string target, string? reason);

    [LoggerMessage(EventId = 19605, Level = LogLevel.Error, Message = "Call {Call}: the consult step {Phase} with {Target} failed; the call goes on")]
    private static partial void LogConsultFailed(ILogger logger, string call, ConsultPhase phase, string target, Exception exception);
}
