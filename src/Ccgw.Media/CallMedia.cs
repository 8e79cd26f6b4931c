using System.Net;
using System.Threading.Channels;
using Ccgw.Media.Audio;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Media.Sdp;
using Ccgw.Media.Srtp;
using Ccgw.Media.Transport;

namespace Ccgw.Media;

/// <summary>
/// The media of one call leg, as the voice adapter sees it: a port pair, SDP negotiation, prompt playback through
/// the shared scheduler, digits from RFC 4733 and SIP INFO in one reader, and bridging to another leg.
/// Lifecycle: <see cref="Open"/> on INVITE, <see cref="TryAnswer"/> (or <see cref="CreateOffer"/> +
/// <see cref="TryAcceptAnswer"/>), play and collect, <see cref="BridgeTo"/>, <see cref="DisposeAsync"/> on BYE.
/// </summary>
public sealed class CallMedia : IAsyncDisposable
{
    private readonly MediaScheduler _scheduler;
    private readonly RtpLeg _leg;
    private readonly IPAddress _publicAddress;
    private readonly ulong _sessionId;
    private readonly Channel<char> _digits = Channel.CreateUnbounded<char>(new UnboundedChannelOptions { SingleReader = true });
    private ulong _sessionVersion;
    private RtpOutputStream? _output;
    private RtpRelay? _relay;
    private uint? _byeSsrc;
    private SrtpPolicy _srtpPolicy;
    private SdpCrypto? _offeredCrypto;

    private CallMedia(MediaScheduler scheduler, RtpLeg leg, IPAddress publicAddress)
    {
        _scheduler = scheduler;
        _leg = leg;
        _publicAddress = publicAddress;
        _sessionId = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
    }

    /// <summary>Binds a port pair and starts receiving. <paramref name="publicAddress"/> is what SDP advertises (the gateway's).</summary>
    /// <exception cref="RtpPortsExhaustedException">No pair left: answer the INVITE with 503.</exception>
    public static CallMedia Open(RtpPortAllocator ports, MediaScheduler scheduler, TimeProvider time, IPAddress publicAddress, RtpLegOptions? options = null)
    {
        var leg = new RtpLeg(ports.Allocate(), time, options);
        var media = new CallMedia(scheduler, leg, publicAddress);
        leg.Start();
        return media;
    }

    public int LocalRtpPort => _leg.LocalRtpPort;
    public NegotiatedAudio? Audio { get; private set; }
    /// <summary>Digits in arrival order, from RTP events and from <see cref="AcceptSipInfo"/>.</summary>
    public ChannelReader<char> Digits => _digits.Reader;
    public RtpLeg Leg => _leg;

    /// <summary>
    /// Whether the peer is expected to send RTP now: negotiated and not on hold towards us (our direction sendrecv or
    /// recvonly). An inactivity timeout applies only then, as Asterisk's rtptimeout leaves held calls alone.
    /// </summary>
    public bool ExpectsMedia => Audio is { Direction: MediaDirection.SendReceive or MediaDirection.ReceiveOnly };

    /// <summary>The peer's SIP host: its first RTP packet may latch even where its SDP names a private address (NAT; <see cref="SymmetricLatch"/>).</summary>
    public void TrustSignallingHost(IPAddress host) => _leg.Latch.TrustSignallingHost(host);

    /// <summary>Answers an offer (incoming call or re-INVITE). False: send 488 with <paramref name="failure"/> as the reason.</summary>
    public bool TryAnswer(SessionDescription offer, out SessionDescription answer, out string failure)
    {
        if (!SdpOfferAnswer.TryAnswer(offer, NextLocal(), out answer, out var audio, out failure)) return false;
        Apply(audio);
        return true;
    }

    /// <summary>Our offer for an outgoing leg (the agent's INVITE).</summary>
    public SessionDescription CreateOffer() => SdpOfferAnswer.CreateOffer(NextLocal());

    /// <summary>
    /// Our offer with SDES-SRTP per <paramref name="policy"/>: a fresh random key for this leg (RFC 4568 §6.1), over
    /// RTP/SAVP when required, RTP/AVP when optional. <see cref="TryAcceptAnswer"/> then keys the leg from the answer.
    /// </summary>
    public SessionDescription CreateOffer(SrtpPolicy policy)
    {
        if (policy == SrtpPolicy.Off) return CreateOffer();
        _srtpPolicy = policy;
        _offeredCrypto ??= SdpCrypto.Generate();
        return SdpOfferAnswer.CreateOffer(NextLocal(), crypto: _offeredCrypto, secureProfile: policy == SrtpPolicy.Required);
    }

    /// <summary>
    /// A new offer in this leg's session (the next o= version) with <paramref name="direction"/> for a re-INVITE:
    /// sendonly to put the peer on hold (RFC 3264 §8.4, RFC 6337 §5), sendrecv to resume. It keeps the SRTP key and
    /// profile this leg was offered with; <see cref="TryAcceptAnswer"/> applies the answer (and the held direction).
    /// </summary>
    public SessionDescription CreateReOffer(MediaDirection direction) =>
        SdpOfferAnswer.CreateOffer(NextLocal(), direction, _offeredCrypto, secureProfile: _offeredCrypto is not null && _srtpPolicy == SrtpPolicy.Required);

    /// <summary>Whether this leg's RTP is protected with SRTP.</summary>
    public bool IsSecure => _leg.IsSecure;

    public bool TryAcceptAnswer(SessionDescription answer, out string failure)
    {
        if (!SdpOfferAnswer.TryAcceptAnswer(answer, out var audio, out var section, out failure)) return false;
        if (_offeredCrypto is { } ours && !_leg.IsSecure)
        {
            var theirs = SdpCrypto.Select(section!, out var why);
            if (theirs is { } answered && answered.Tag != ours.Tag)
            {
                why = $"the answer's a=crypto tag {answered.Tag} was not offered";
                theirs = null;
            }
            var savp = string.Equals(section!.Protocol, SdpOfferAnswer.SecureProfile, StringComparison.OrdinalIgnoreCase);
            if (theirs is null && (_srtpPolicy == SrtpPolicy.Required || savp))
            {
                failure = $"SRTP required but the answer has no usable a=crypto ({why})";
                return false;
            }
            if (theirs is not null) _leg.UseSrtp(ours.CreateContext(), theirs.CreateContext());
        }
        Apply(audio);
        return true;
    }

    /// <summary>Queues a prompt; completes when played or interrupted (e.g. by <see cref="StopPlayback"/> on a digit).</summary>
    public Task<PlaybackOutcome> PlayAsync(AudioPrompt prompt, CancellationToken cancellationToken = default) =>
        Output().PlayAsync(new PromptSource(prompt), cancellationToken);

    /// <summary>Music on hold: loops until <paramref name="cancellationToken"/> fires or playback is stopped.</summary>
    public Task<PlaybackOutcome> PlayOnHoldAsync(AudioPrompt music, CancellationToken cancellationToken) =>
        Output().PlayAsync(new PromptSource(music, loop: true), cancellationToken);

    /// <summary>Sends a digit as RFC 4733 events (requires telephone-event in the negotiation).</summary>
    public Task<PlaybackOutcome> SendDigitAsync(char digit, CancellationToken cancellationToken = default) =>
        Output().PlayAsync(new DtmfToneSource(digit), cancellationToken);

    public void StopPlayback() => _output?.StopPlayback();

    /// <summary>Feeds a SIP INFO body; true if it was a DTMF digit (then answer the INFO with 200).</summary>
    public bool AcceptSipInfo(string? contentType, string body)
    {
        if (!SipInfoDtmf.TryParse(contentType, body, out var digit)) return false;
        _digits.Writer.TryWrite(digit);
        return true;
    }

    /// <summary>
    /// Relays media between this leg and <paramref name="other"/>; both legs' own playback stops and the peers see
    /// streams continue from where the gateway's prompts left off. Dispose the result (or either leg) to unbridge.
    /// </summary>
    public RtpRelay BridgeTo(CallMedia other)
    {
        var mine = Audio ?? throw new InvalidOperationException("This leg has not negotiated audio yet.");
        var theirs = other.Audio ?? throw new InvalidOperationException("The other leg has not negotiated audio yet.");
        if (_relay is not null || other._relay is not null) throw new InvalidOperationException("A leg is already bridged.");
        var relay = new RtpRelay(_leg, RelayFormat(mine, EndOutput()), other._leg, RelayFormat(theirs, other.EndOutput()));
        relay.Disposed += () =>
        {
            _relay = null;
            other._relay = null;
        };
        _relay = relay;
        other._relay = relay;
        return relay;
    }

    public async ValueTask DisposeAsync()
    {
        // The SSRC this peer knows us by: the prompt stream's, which a relay continues.
        if (_output is { } output) _leg.SendRtcpBye(output.Ssrc);
        else if (_byeSsrc is { } ssrc) _leg.SendRtcpBye(ssrc);
        _relay?.Dispose();
        _output?.Dispose();
        _digits.Writer.TryComplete();
        await _leg.DisposeAsync();
    }

    private void Apply(NegotiatedAudio audio)
    {
        var previous = Audio;
        Audio = audio;
        _leg.SetRemote(audio.Remote);
        if (audio.TelephoneEventPayloadType is { } te) _leg.DetectDtmf(te, d => _digits.Writer.TryWrite(d));
        else _leg.StopDtmfDetection();
        // A codec change (re-INVITE) needs a new stream; the same codec keeps SSRC and numbering.
        if (previous is not null && (previous.Codec != audio.Codec || previous.PayloadType != audio.PayloadType || previous.TelephoneEventPayloadType != audio.TelephoneEventPayloadType))
        {
            _output?.Dispose();
            _output = null;
        }
    }

    private RtpOutputStream Output()
    {
        var audio = Audio ?? throw new InvalidOperationException("Negotiate audio before playing.");
        // While bridged the relay owns this peer's stream; a second sender would interleave two SSRCs.
        if (_relay is not null) throw new InvalidOperationException("The leg is bridged; dispose the relay before playing.");
        return _output ??= _scheduler.CreateStream(_leg, new RtpStreamFormat(audio.Codec, audio.PayloadType, audio.TelephoneEventPayloadType));
    }

    private RtpOutputStream? EndOutput()
    {
        var output = _output;
        _output = null;
        output?.Dispose();
        if (output is not null) _byeSsrc = output.Ssrc;
        return output;
    }

    private static RelayLegFormat RelayFormat(NegotiatedAudio audio, RtpOutputStream? continueFrom)
    {
        var format = new RelayLegFormat(audio.Codec, audio.PayloadType, audio.TelephoneEventPayloadType);
        if (continueFrom is null) return format;
        var (sequence, timestamp) = continueFrom.NextPosition;
        return format with { Ssrc = continueFrom.Ssrc, NextSequence = sequence, NextTimestamp = timestamp };
    }

    private LocalMedia NextLocal() => new(_publicAddress, _leg.LocalRtpPort, _sessionId, ++_sessionVersion);
}
