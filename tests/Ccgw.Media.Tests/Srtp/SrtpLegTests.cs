using System.Net;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Sdp;
using Ccgw.Media.Srtp;
using Ccgw.Media.Tests.Transport;
using Ccgw.Testing;
using static Ccgw.Media.Tests.Transport.Datagrams;

namespace Ccgw.Media.Tests.Srtp;

/// <summary>An agent leg with SDES-SRTP, over loopback: the offer's key, the answer's key, a bridge to a plain caller leg.</summary>
public sealed class SrtpLegTests
{
    private static SessionDescription CallerOffer(UdpPeer peer) => SessionDescription.Parse(
        $"v=0\r\no=sipp 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {peer.EndPoint.Port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");

    private static SessionDescription PhoneAnswer(UdpPeer phone, string profile, SdpCrypto? crypto) => SessionDescription.Parse(
        $"v=0\r\no=phone 5 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {phone.EndPoint.Port} {profile} 0\r\na=rtpmap:0 PCMU/8000\r\n" +
        (crypto is null ? "" : $"a=crypto:{crypto}\r\n"));

    private static SdpCrypto OfferedCrypto(SessionDescription offer)
    {
        Assert.Equal(SdpCryptoStatus.Ok, SdpCrypto.TryParse(offer.Media[0].GetAttribute("crypto"), out var crypto, out _));
        return crypto!;
    }

    [Fact]
    public async Task Bridged_call_is_srtp_towards_the_phone_and_plain_towards_the_caller_both_ways_intact()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var ports = Allocator();
        using var caller = new UdpPeer();
        using var phone = new UdpPeer();
        await using var callerMedia = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        await using var agentMedia = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        Assert.True(callerMedia.TryAnswer(CallerOffer(caller), out _, out _));
        var offer = agentMedia.CreateOffer(SrtpPolicy.Required);
        Assert.Equal("RTP/SAVP", offer.Media[0].Protocol);
        var gatewayKey = OfferedCrypto(offer);
        var phoneKey = SdpCrypto.Generate(gatewayKey.Tag);
        Assert.True(agentMedia.TryAcceptAnswer(PhoneAnswer(phone, "RTP/SAVP", phoneKey), out var failure), failure);
        Assert.True(agentMedia.IsSecure);
        Assert.False(callerMedia.IsSecure);
        using var relay = callerMedia.BridgeTo(agentMedia);
        using var phoneReceives = gatewayKey.CreateContext();
        using var phoneSends = phoneKey.CreateContext();

        // Caller → phone: plain in, SRTP out; the phone's context (the gateway's offered key) authenticates and decrypts.
        var voice = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        caller.SendTo(callerMedia.LocalRtpPort, RtpDatagram(0, 5, 100, 0xCA11, voice));
        var wire = await phone.ReceiveAsync();
        Assert.Equal(12 + 160 + SrtpContext.TagLength, wire.Length);
        Assert.NotEqual(voice, wire.AsSpan(12, 160).ToArray()); // not plain on the wire
        Assert.Equal(SrtpVerdict.Ok, phoneReceives.Unprotect(wire, wire.Length, out var plainLength));
        Assert.True(RtpPacket.TryParse(wire.AsSpan(0, plainLength), out var atPhone));
        Assert.Equal(voice, atPhone.Payload.ToArray());

        // A plain (or forged) packet from the phone's address is dropped; the SRTP one reaches the caller intact.
        var reply = Enumerable.Range(0, 160).Select(i => (byte)(255 - i)).ToArray();
        phone.SendTo(agentMedia.LocalRtpPort, RtpDatagram(0, 70, 1000, 0xB0B, new byte[160]));
        var packet = new byte[12 + 160 + SrtpContext.TagLength];
        RtpDatagram(0, 71, 1160, 0xB0B, reply).CopyTo(packet, 0);
        Assert.True(phoneSends.TryProtect(packet, 172, out var protectedLength));
        phone.SendTo(agentMedia.LocalRtpPort, packet[..protectedLength]);
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var atCaller));
        Assert.Equal(reply, atCaller.Payload.ToArray());
        Assert.Equal(1, agentMedia.Leg.PacketsInvalid);
    }

    [Fact]
    public async Task Required_refuses_an_answer_without_a_key_and_optional_falls_back_to_plain()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var ports = Allocator();
        using var phone = new UdpPeer();
        await using var required = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        _ = required.CreateOffer(SrtpPolicy.Required);
        Assert.False(required.TryAcceptAnswer(PhoneAnswer(phone, "RTP/AVP", null), out var why));
        Assert.Contains("SRTP required", why, StringComparison.Ordinal);
        Assert.Contains("no a=crypto", why, StringComparison.Ordinal);
        Assert.Null(required.Audio);

        await using var wrongTag = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        var tag = OfferedCrypto(wrongTag.CreateOffer(SrtpPolicy.Required)).Tag;
        Assert.False(wrongTag.TryAcceptAnswer(PhoneAnswer(phone, "RTP/SAVP", SdpCrypto.Generate(tag + 1)), out var tagWhy));
        Assert.Contains("tag", tagWhy, StringComparison.Ordinal);

        await using var optional = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        var offer = optional.CreateOffer(SrtpPolicy.Optional);
        Assert.Equal("RTP/AVP", offer.Media[0].Protocol);
        Assert.True(offer.Media[0].HasAttribute("crypto"));
        Assert.True(optional.TryAcceptAnswer(PhoneAnswer(phone, "RTP/AVP", null), out _));
        Assert.False(optional.IsSecure);

        await using var optionalKeyed = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        var keyedTag = OfferedCrypto(optionalKeyed.CreateOffer(SrtpPolicy.Optional)).Tag;
        Assert.True(optionalKeyed.TryAcceptAnswer(PhoneAnswer(phone, "RTP/AVP", SdpCrypto.Generate(keyedTag)), out _));
        Assert.True(optionalKeyed.IsSecure);

        await using var off = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        Assert.False(off.CreateOffer(SrtpPolicy.Off).Media[0].HasAttribute("crypto"));
    }
}
