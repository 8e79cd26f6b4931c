using System.Globalization;
using System.Net;
using Ccgw.Media.Audio;

namespace Ccgw.Media.Sdp;

/// <summary>The gateway's own media address for one leg: what goes into o= and c= (topology hiding) and m=.</summary>
public sealed record LocalMedia(IPAddress Address, int RtpPort, ulong SessionId, ulong SessionVersion);

/// <summary>What both sides agreed for one audio stream.</summary>
/// <param name="PayloadType">The audio payload type number, as the offer numbered it (RFC 3264 §6.1).</param>
/// <param name="TelephoneEventPayloadType">The RFC 4733 payload type, or null when the peer cannot send events in RTP.</param>
/// <param name="Remote">Where to send RTP until symmetric RTP latches; null when the peer put the call on hold with 0.0.0.0.</param>
/// <param name="Direction">Our direction for this stream.</param>
/// <param name="RemotePacketTimeMs">The peer's a=ptime (20 when absent); ccgw always sends 20 ms frames.</param>
public sealed record NegotiatedAudio(
    G711Codec Codec, byte PayloadType, byte? TelephoneEventPayloadType, IPEndPoint? Remote, MediaDirection Direction, int RemotePacketTimeMs);

/// <summary>
/// RFC 3264 offer/answer for the audio subset ccgw speaks: PCMU, PCMA (RFC 3551) and telephone-event
/// (RFC 4733, events 0-15, 8000 Hz). One audio stream is accepted; every other m= line is refused with port 0.
/// </summary>
public static class SdpOfferAnswer
{
    public const byte DefaultTelephoneEventPayloadType = 101;
    private const string Profile = "RTP/AVP";

    /// <summary>The SRTP profile (RFC 3711 §12): offered only towards agents whose <c>Srtp</c> is required.</summary>
    public const string SecureProfile = "RTP/SAVP";

    /// <summary>Builds our answer to <paramref name="offer"/>; false with a reason when nothing is acceptable (SIP answers 488).</summary>
    public static bool TryAnswer(
        SessionDescription offer, LocalMedia local, out SessionDescription answer, out NegotiatedAudio audio, out string failure,
        MediaDirection wanted = MediaDirection.SendReceive)
    {
        var media = new List<MediaDescription>(offer.Media.Count);
        NegotiatedAudio? chosen = null;
        foreach (var offered in offer.Media)
        {
            if (chosen is null && TryChoose(offer, offered, wanted, out var candidate))
            {
                chosen = candidate;
                media.Add(AudioSection(local.RtpPort, candidate.Codec, candidate.PayloadType, candidate.TelephoneEventPayloadType, candidate.Direction));
            }
            else
            {
                media.Add(new MediaDescription { Media = offered.Media, Port = 0, Protocol = offered.Protocol, Formats = offered.Formats.Take(1).ToArray() });
            }
        }
        if (chosen is null)
        {
            answer = null!;
            audio = null!;
            failure = offer.Media.Any(m => m.Media == "audio" && m.Port != 0)
                ? "no common audio codec (ccgw offers PCMU and PCMA over RTP/AVP)"
                : "no active audio stream in the offer";
            return false;
        }
        answer = Session(local, media);
        audio = chosen;
        failure = "";
        return true;
    }

    /// <summary>Our offer (for an outgoing leg, e.g. to an agent): PCMU, PCMA and telephone-event 101.</summary>
    /// <remarks>
    /// With <paramref name="crypto"/> the section carries our SDES key (RFC 4568): over RTP/SAVP when
    /// <paramref name="secureProfile"/> (SRTP or nothing), else over RTP/AVP as the best-effort offer many PBXs make,
    /// which a phone without SRTP answers plainly.
    /// </remarks>
    public static SessionDescription CreateOffer(
        LocalMedia local, MediaDirection direction = MediaDirection.SendReceive, SdpCrypto? crypto = null, bool secureProfile = false)
    {
        var te = DefaultTelephoneEventPayloadType.ToString(CultureInfo.InvariantCulture);
        var section = new MediaDescription
        {
            Media = "audio",
            Port = local.RtpPort,
            Protocol = crypto is not null && secureProfile ? SecureProfile : Profile,
            Formats = ["0", "8", te],
            Attributes =
            [
                new("rtpmap", "0 PCMU/8000"), new("rtpmap", "8 PCMA/8000"),
                new("rtpmap", te + " telephone-event/8000"), new("fmtp", te + " 0-15"),
                new("ptime", "20"), new(DirectionName(direction), null),
                .. crypto is null ? Array.Empty<SdpAttribute>() : [crypto.ToAttribute()],
            ],
        };
        return Session(local, [section]);
    }

    /// <summary>Reads the answer to an offer made by <see cref="CreateOffer"/>.</summary>
    public static bool TryAcceptAnswer(SessionDescription answer, out NegotiatedAudio audio, out string failure) =>
        TryAcceptAnswer(answer, out audio, out _, out failure);

    /// <summary>
    /// Reads the answer to an offer made by <see cref="CreateOffer"/>, also over RTP/SAVP, and returns the audio
    /// section chosen (where the caller reads the phone's <c>a=crypto</c>, see <see cref="SdpCrypto.Select"/>).
    /// </summary>
    public static bool TryAcceptAnswer(SessionDescription answer, out NegotiatedAudio audio, out MediaDescription? section, out string failure)
    {
        foreach (var m in answer.Media)
        {
            // TryChoose turns the direction the answerer wrote (its view) into ours.
            if (TryChoose(answer, m, MediaDirection.SendReceive, out var chosen, allowSecure: true))
            {
                audio = chosen;
                section = m;
                failure = "";
                return true;
            }
        }
        section = null;
        audio = null!;
        failure = "the answer accepted no PCMU/PCMA audio stream";
        return false;
    }

    private static bool TryChoose(SessionDescription sdp, MediaDescription m, MediaDirection wanted, out NegotiatedAudio audio, bool allowSecure = false)
    {
        audio = null!;
        // RTP/SAVP only in an answer to our own offer: an inbound SAVP offer (the trunk side) stays refused, as the
        // trunk leg does not do SRTP.
        var profileOk = string.Equals(m.Protocol, Profile, StringComparison.OrdinalIgnoreCase)
            || (allowSecure && string.Equals(m.Protocol, SecureProfile, StringComparison.OrdinalIgnoreCase));
        if (m.Media != "audio" || m.Port == 0 || !profileOk) return false;
        G711Codec? codec = null;
        byte codecPt = 0;
        byte? tePt = null;
        foreach (var format in m.Formats)
        {
            if (!byte.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) || pt > 127) continue;
            var map = RtpMap(m, pt);
            if (codec is null && Classify(pt, map) is { } c)
            {
                codec = c;
                codecPt = pt;
            }
            else if (tePt is null && map is { } te && IsTelephoneEvent(te))
            {
                tePt = pt;
            }
        }
        if (codec is null) return false;

        var connection = sdp.ConnectionFor(m);
        IPEndPoint? remote = null;
        var peerDirection = m.GetDirection(sdp);
        if (connection is not null && IPAddress.TryParse(connection.Address, out var address))
        {
            if (address.Equals(IPAddress.Any)) peerDirection = Restrict(peerDirection, MediaDirection.SendOnly); // RFC 2543 hold
            else remote = new IPEndPoint(address, m.Port);
        }
        var ptime = int.TryParse(m.GetAttribute("ptime"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 20;
        audio = new NegotiatedAudio(codec.Value, codecPt, tePt, remote, Restrict(Reverse(peerDirection), wanted), ptime);
        return true;
    }

    private static string? RtpMap(MediaDescription m, byte pt)
    {
        var prefix = pt.ToString(CultureInfo.InvariantCulture) + " ";
        foreach (var a in m.Attributes)
        {
            if (a.Name == "rtpmap" && a.Value is { } v && v.StartsWith(prefix, StringComparison.Ordinal)) return v[prefix.Length..].Trim();
        }
        return null;
    }

    private static G711Codec? Classify(byte pt, string? rtpmap)
    {
        if (rtpmap is null)
        {
            return pt switch
            {
                0 => G711Codec.Pcmu,
                8 => G711Codec.Pcma,
                _ => null,
            };
        }
        if (rtpmap.Equals("PCMU/8000", StringComparison.OrdinalIgnoreCase) || rtpmap.Equals("PCMU/8000/1", StringComparison.OrdinalIgnoreCase)) return G711Codec.Pcmu;
        if (rtpmap.Equals("PCMA/8000", StringComparison.OrdinalIgnoreCase) || rtpmap.Equals("PCMA/8000/1", StringComparison.OrdinalIgnoreCase)) return G711Codec.Pcma;
        return null;
    }

    private static bool IsTelephoneEvent(string rtpmap) =>
        rtpmap.Equals("telephone-event/8000", StringComparison.OrdinalIgnoreCase)
        || rtpmap.Equals("telephone-event/8000/1", StringComparison.OrdinalIgnoreCase);

    private static MediaDescription AudioSection(int port, G711Codec codec, byte pt, byte? te, MediaDirection direction)
    {
        var ptText = pt.ToString(CultureInfo.InvariantCulture);
        var formats = new List<string> { ptText };
        var attributes = new List<SdpAttribute> { new("rtpmap", $"{ptText} {(codec == G711Codec.Pcmu ? "PCMU" : "PCMA")}/8000") };
        if (te is { } t)
        {
            var teText = t.ToString(CultureInfo.InvariantCulture);
            formats.Add(teText);
            attributes.Add(new("rtpmap", teText + " telephone-event/8000"));
            attributes.Add(new("fmtp", teText + " 0-15"));
        }
        attributes.Add(new("ptime", "20"));
        attributes.Add(new(DirectionName(direction), null));
        return new MediaDescription { Media = "audio", Port = port, Protocol = Profile, Formats = formats, Attributes = attributes };
    }

    private static SessionDescription Session(LocalMedia local, IReadOnlyList<MediaDescription> media)
    {
        var type = local.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        var address = local.Address.ToString();
        return new SessionDescription
        {
            Origin = new SdpOrigin("ccgw", local.SessionId, local.SessionVersion, type, address),
            SessionName = "ccgw",
            Connection = new SdpConnection(type, address),
            Media = media,
        };
    }

    internal static MediaDirection Reverse(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => MediaDirection.ReceiveOnly,
        MediaDirection.ReceiveOnly => MediaDirection.SendOnly,
        _ => d,
    };

    /// <summary>The directions allowed by both: e.g. sendrecv restricted to recvonly is recvonly, sendonly and recvonly is inactive.</summary>
    internal static MediaDirection Restrict(MediaDirection a, MediaDirection b)
    {
        var send = CanSend(a) && CanSend(b);
        var receive = CanReceive(a) && CanReceive(b);
        return (send, receive) switch
        {
            (true, true) => MediaDirection.SendReceive,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.ReceiveOnly,
            _ => MediaDirection.Inactive,
        };
    }

    private static bool CanSend(MediaDirection d) => d is MediaDirection.SendReceive or MediaDirection.SendOnly;
    private static bool CanReceive(MediaDirection d) => d is MediaDirection.SendReceive or MediaDirection.ReceiveOnly;

    internal static string DirectionName(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.ReceiveOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => "sendrecv",
    };
}
