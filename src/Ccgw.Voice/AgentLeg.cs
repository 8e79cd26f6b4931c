using Ccgw.Core;
using Ccgw.Media;
using Ccgw.Sip.Message;

namespace Ccgw.Voice;

/// <summary>
/// One agent's phone rung for one offer of the core, as both a customer call (<see cref="VoiceCall"/>) and a call-back
/// (<see cref="CallbackCall"/>) ring agents: the leg and its media once claimed, whether the offer closed under it and
/// whether the core counts the agent as taken. <see cref="Closed"/> and <see cref="Accepted"/> are read and written
/// under the owning call's lock (the same lock <see cref="RingAsync"/> claims under); the media is freed exactly once,
/// by whichever path gets to <see cref="FreeMediaAsync"/> first.
/// </summary>
internal sealed class AgentLeg(Offer offer)
{
    private CallMedia? _media;

    public Offer Offer { get; } = offer;

    public string AgentId => Offer.AgentId;

    public OutboundLeg? Leg { get; private set; }

    /// <summary>The leg's media until it is freed; the bridge is built from it.</summary>
    public CallMedia? Media => Volatile.Read(ref _media);

    /// <summary>The core closed the offer (timed out, withdrawn, rejected elsewhere): the phone must stop ringing.</summary>
    public bool Closed { get; set; }

    /// <summary>The core counts the agent as connected to this call (no open offer any more).</summary>
    public bool Accepted { get; set; }

    /// <summary>
    /// Rings the agent's registered phone (<see cref="LegDialler.CallAgentAsync"/>). The leg and its media are claimed
    /// under <paramref name="gate"/>: from then on this object owns the media, and the INVITE leaves only while the
    /// offer is open and <paramref name="stillWanted"/> holds. Null once answered, else the reason for the core.
    /// </summary>
    public Task<string?> RingAsync(LegDialler dialler, SipNameAddress from, Action<OutboundLeg> route, Lock gate, Func<bool> stillWanted,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dialler);
        ArgumentNullException.ThrowIfNull(stillWanted);
        return dialler.CallAgentAsync(AgentId, from, route, (leg, media) =>
        {
            lock (gate)
            {
                Leg = leg;
                _media = media;
                return !Closed && stillWanted();
            }
        }, cancellationToken);
    }

    /// <summary>Stops a phone that still rings (CANCEL, §9.1); call outside the owner's lock, after setting <see cref="Closed"/>.</summary>
    public void StopRinging() => Leg?.Cancel();

    /// <summary>Ends the agent's side: the agent hung up (nothing to send) or we hang up (BYE, or CANCEL while it rings).</summary>
    public void End(bool agentHungUp)
    {
        if (Leg is not { } leg) return;
        if (agentHungUp) leg.MarkEnded();
        else leg.Hangup();
    }

    /// <summary>Frees the leg's RTP ports (once, whoever calls first).</summary>
    public async Task FreeMediaAsync()
    {
        if (Interlocked.Exchange(ref _media, null) is { } media) await media.DisposeAsync();
    }

    /// <summary>The owning call is going away while this leg rings or talks: hang it up and free its ports.</summary>
    public async Task AbandonAsync()
    {
        Leg?.Hangup();
        await FreeMediaAsync();
    }
}
