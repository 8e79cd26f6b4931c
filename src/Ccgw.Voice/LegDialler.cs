using Ccgw.Media;
using Ccgw.Media.Playout;
using Ccgw.Media.Srtp;
using Ccgw.Media.Transport;
using Ccgw.Sip.Message;
using Ccgw.Sip.Registrar;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Voice;

/// <summary>A registered phone of an agent, ready to be called.</summary>
internal sealed record PhoneTarget(SipUri Uri, SipEndPoint EndPoint);

/// <summary>An outbound call ready to ring: its INVITE built, its media ports open (see <see cref="LegDialler.PrepareCall"/>).</summary>
internal sealed record PreparedCall(OutboundLeg Leg, CallMedia Media);

/// <summary>
/// Places the calls the gateway makes: opens a leg's media (an RTP port pair from the range), builds the INVITE with
/// our SDP offer, finds an agent's registered phone, resolves a trunk's peer, rings until answered, failed or timed
/// out (then CANCEL, §9.1), and checks the SDP answer. Who owns the leg's media at each step is stated per method:
/// a port pair that is opened is always either handed on or freed here.
/// </summary>
internal sealed partial class LegDialler(SipSignalling sip, SipRegistrar registrar, RtpPortAllocator ports, MediaScheduler scheduler,
    SipPeerResolver peers, VoiceSettings settings, TimeProvider time, ILogger log, RtpLegOptions? legOptions = null)
{
    public SipSignalling Sip => sip;

    /// <summary>Binds a port pair and starts receiving; <see cref="RtpPortsExhaustedException"/> when the range is used up.</summary>
    public CallMedia OpenMedia() => CallMedia.Open(ports, scheduler, time, settings.MediaAddress, legOptions);

    /// <summary>Where to send to a trunk's peer now, preferring the address family our listener for its transport has.</summary>
    public Task<SipEndPoint?> ResolveAsync(SipPeer peer, CancellationToken cancellationToken) =>
        peers.ResolveAsync(peer, sip.LocalEndPoint(peer.Transport).AddressFamily, cancellationToken);

    /// <summary>The first registered contact of the agent that we can reach, or null.</summary>
    public async Task<PhoneTarget?> FindPhoneAsync(string agentId, CancellationToken cancellationToken)
    {
        foreach (var binding in await registrar.GetContactsAsync(agentId, cancellationToken))
        {
            if (!SipUri.TryParse(binding.ContactUri, out var uri) || uri is null) continue;
            if (SipSignalling.TryResolve(binding.ReceivedFrom, uri, out var endPoint)) return new PhoneTarget(uri, endPoint);
        }
        return null;
    }

    /// <summary>
    /// Places a call (an agent's phone, or a customer through the trunk) and waits until it is answered with an SDP
    /// answer we accept, fails, or has rung for <paramref name="ringTimeout"/> (then CANCEL, §9.1). Before the INVITE
    /// leaves, <paramref name="route"/> registers the leg for in-dialog requests and <paramref name="claim"/> hands the
    /// leg and its media to the caller (who owns the media from then on, and frees it) and says whether to go on.
    /// Returns null once answered, else the core's reason (busy, noAnswer, rejected, failed, no media ports, offer closed).
    /// </summary>
    public async Task<string?> PlaceCallAsync(SipUri target, SipEndPoint destination, SipNameAddress from, SipNameAddress to,
        TimeSpan ringTimeout, Action<OutboundLeg> route, Func<OutboundLeg, CallMedia, bool> claim, SrtpPolicy srtp = SrtpPolicy.Off) =>
        PrepareCall(target, destination, from, to, srtp) is { } call
            ? await RingAsync(call, ringTimeout, route, claim, sendBeforeReturning: false)
            : "no media ports";

    /// <summary>
    /// The first half of <see cref="PlaceCallAsync"/>: media ports and the INVITE, ready to go; null when no RTP ports
    /// are free. Nothing has left; the caller owns the media until <see cref="RingAsync"/> hands it to its claim.
    /// </summary>
    public PreparedCall? PrepareCall(SipUri target, SipEndPoint destination, SipNameAddress from, SipNameAddress to, SrtpPolicy srtp = SrtpPolicy.Off)
    {
        CallMedia media;
        try
        {
            media = OpenMedia();
        }
        catch (RtpPortsExhaustedException)
        {
            return null;
        }
        // A phone behind NAT answers with its private address in SDP; its RTP comes from the host we signal to.
        media.TrustSignallingHost(destination.Address.Address);
        return new PreparedCall(new OutboundLeg(sip, target, destination, from, to, media.CreateOffer(srtp).ToString()), media);
    }

    /// <summary>
    /// The second half of <see cref="PlaceCallAsync"/>: route, claim and send run without awaiting, so with
    /// <paramref name="sendBeforeReturning"/> a UDP INVITE has left before the first await.
    /// </summary>
    public async Task<string?> RingAsync(PreparedCall call, TimeSpan ringTimeout, Action<OutboundLeg> route,
        Func<OutboundLeg, CallMedia, bool> claim, bool sendBeforeReturning)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(claim);
        var (leg, media) = call;
        route(leg);
        if (!claim(leg, media)) return "offer closed";
        var start = leg.StartAsync(sendBeforeReturning);
        using (var timeout = new CancellationTokenSource(ringTimeout, time))
        await using (timeout.Token.Register(leg.Cancel))
        {
            await start;
        }
        var outcome = await leg.Outcome;
        if (!outcome.Answered) return outcome.FailureReason;
        var failure = "no SDP";
        if (outcome.AnswerSdp is { } sdp && SipSignalling.TryParseSdp(sdp, out var answer) && media.TryAcceptAnswer(answer, out failure)) return null;
        LogAnswerRefused(log, leg.Target.ToString(), failure);
        leg.Hangup();
        return "failed";
    }

    /// <summary>Rings an agent's registered phone (see <see cref="PlaceCallAsync"/>); "no registered phone" when there is none.</summary>
    public async Task<string?> CallAgentAsync(string agentId, SipNameAddress from, Action<OutboundLeg> route,
        Func<OutboundLeg, CallMedia, bool> claim, CancellationToken cancellationToken)
    {
        if (await FindPhoneAsync(agentId, cancellationToken) is not { } target) return "no registered phone";
        // SRTP is per agent (Agents[].Srtp); an answer a required policy refuses fails the leg like any refused answer.
        return await PlaceCallAsync(target.Uri, target.EndPoint, from, sip.OnDomain(agentId), settings.AgentRingTimeout, route, claim,
            settings.AgentSrtp.GetValueOrDefault(agentId, SrtpPolicy.Off));
    }

    [LoggerMessage(EventId = 525, Level = LogLevel.Warning, Message = "The SDP answer of {Target} was refused: {Why}; hung up")]
    private static partial void LogAnswerRefused(ILogger logger, string target, string why);
}
