using System.Net;
using Ccgw.Media.Audio;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Sdp;
using Ccgw.Media.Tests.Transport;
using Ccgw.Media.Transport;
using Ccgw.Testing;
using static Ccgw.Media.Tests.Transport.Datagrams;

namespace Ccgw.Media.Tests;

/// <summary>The voice adapter's view, end to end over loopback: answer, play a demo prompt, collect digits, bridge.</summary>
public sealed class CallMediaTests
{
    private static SessionDescription OfferFrom(UdpPeer peer, string codecs = "0 101") => SessionDescription.Parse(
        $"v=0\r\no=sipp 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {peer.EndPoint.Port} RTP/AVP {codecs}\r\n" +
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n");

    [Fact]
    public async Task Answered_call_hears_a_demo_prompt_at_50_packets_per_second_and_its_digits_are_collected()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        using var caller = new UdpPeer();
        await using var media = CallMedia.Open(Allocator(), scheduler, clock, IPAddress.Parse("192.0.2.10"));

        Assert.True(media.TryAnswer(OfferFrom(caller), out var answer, out _));
        Assert.Contains($"m=audio {media.LocalRtpPort} RTP/AVP 0 101", answer.ToString());
        var prompt = await WavReader.LoadAsync(Path.Combine(AppContext.BaseDirectory, "prompts", "welcome.wav"), G711Codec.Pcmu);
        var played = media.PlayAsync(prompt);
        clock.Advance(TimeSpan.FromSeconds(1));

        var sequences = new List<ushort>();
        for (var i = 0; i < 50; i++)
        {
            Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var p));
            sequences.Add(p.SequenceNumber);
        }
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (ushort)(sequences[0] + i)), sequences);
        Assert.False(played.IsCompleted); // welcome.wav is longer than a second

        caller.SendTo(media.LocalRtpPort, RtpDatagram(101, 1, 800, 9, Event('2', true, 480)));
        caller.SendTo(media.LocalRtpPort, RtpDatagram(101, 2, 800, 9, Event('2', true, 480)));
        Assert.True(media.AcceptSipInfo("application/dtmf-relay", "Signal=#\r\nDuration=160\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var first = await media.Digits.ReadAsync(timeout.Token);
        var second = await media.Digits.ReadAsync(timeout.Token);
        Assert.Equal(['#', '2'], new[] { first, second }.Order()); // INFO and RTP travel separately; both arrive once

        media.StopPlayback();
        Assert.Equal(PlaybackOutcome.Interrupted, await played);
    }

    [Fact]
    public async Task Hanging_up_sends_an_rtcp_bye_for_our_stream_to_the_peer_rtcp_port()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var port = FreePorts.UdpPair();
        using var caller = new UdpPeer(port);
        using var callerRtcp = new UdpPeer(port + 1);
        var media = CallMedia.Open(Allocator(), scheduler, clock, IPAddress.Loopback);
        Assert.True(media.TryAnswer(OfferFrom(caller), out _, out _));
        _ = media.PlayAsync(new AudioPrompt("p", G711Codec.Pcmu, new byte[160]));
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var rtp));
        var ssrc = rtp.Ssrc;

        await media.DisposeAsync();

        var rtcp = await callerRtcp.ReceiveAsync();
        Assert.True(RtcpCompoundReader.IsValid(rtcp));
        var reader = new RtcpCompoundReader(rtcp);
        Assert.True(reader.TryRead(out var rr));
        Assert.Equal(RtcpPacketType.ReceiverReport, rr.Type);
        Assert.True(reader.TryRead(out var bye));
        Assert.Equal(RtcpPacketType.Goodbye, bye.Type);
        Assert.Equal(ssrc, bye.GetByeSource(0));
    }

    [Fact]
    public async Task Sender_reports_ride_on_the_scheduler_every_few_seconds_with_the_stream_counters()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var port = FreePorts.UdpPair();
        using var caller = new UdpPeer(port);
        using var callerRtcp = new UdpPeer(port + 1);
        await using var media = CallMedia.Open(Allocator(), scheduler, clock, IPAddress.Loopback);
        Assert.True(media.TryAnswer(OfferFrom(caller), out _, out _));
        _ = media.PlayOnHoldAsync(new AudioPrompt("moh", G711Codec.Pcmu, new byte[1600]), CancellationToken.None);

        clock.Advance(TimeSpan.FromSeconds(7.5)); // the randomised interval is 2.5-7.5 s

        var rtcp = await callerRtcp.ReceiveAsync();
        Assert.True(RtcpCompoundReader.IsValid(rtcp));
        var reader = new RtcpCompoundReader(rtcp);
        Assert.True(reader.TryRead(out var sr));
        Assert.Equal(RtcpPacketType.SenderReport, sr.Type);
        Assert.InRange(sr.SenderInfo.PacketCount, 125u, 375u);
        Assert.Equal(sr.SenderInfo.PacketCount * 160, sr.SenderInfo.OctetCount);
        Assert.Equal(RtpLeg.NtpTimestamp(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero)) >> 32, (sr.SenderInfo.NtpTimestamp >> 32) - (ulong)(sr.SenderInfo.PacketCount / 50));
    }

    [Fact]
    public void Ntp_timestamp_counts_seconds_since_1900_with_a_binary_fraction()
    {
        Assert.Equal(0ul, RtpLeg.NtpTimestamp(new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal((2208988800ul << 32) | 0x80000000ul, RtpLeg.NtpTimestamp(DateTimeOffset.UnixEpoch.AddMilliseconds(500)));
    }

    [Fact]
    public async Task Offer_without_g711_is_refused_for_a_488()
    {
        using var scheduler = new MediaScheduler(new ManualTimeProvider());
        using var caller = new UdpPeer();
        await using var media = CallMedia.Open(Allocator(), scheduler, TimeProvider.System, IPAddress.Loopback);
        Assert.False(media.TryAnswer(OfferFrom(caller, "18"), out _, out var failure));
        Assert.Contains("codec", failure);
    }

    [Fact]
    public async Task Bridged_legs_relay_the_caller_to_the_agent_continuing_the_prompt_stream()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        var ports = Allocator();
        using var caller = new UdpPeer();
        using var agent = new UdpPeer();
        await using var callerMedia = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        await using var agentMedia = CallMedia.Open(ports, scheduler, clock, IPAddress.Loopback);
        Assert.True(callerMedia.TryAnswer(OfferFrom(caller), out _, out _));
        var agentOffer = agentMedia.CreateOffer();
        Assert.Contains("a=rtpmap:101 telephone-event/8000", agentOffer.ToString());
        var agentAnswer = SessionDescription.Parse(
            $"v=0\r\no=bob 5 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {agent.EndPoint.Port} RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n");
        Assert.True(agentMedia.TryAcceptAnswer(agentAnswer, out _));

        _ = callerMedia.PlayAsync(new AudioPrompt("hold", G711Codec.Pcmu, new byte[160 * 10]));
        clock.Advance(TimeSpan.FromMilliseconds(40));
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var p1));
        var promptSsrc = p1.Ssrc;
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var p2));
        var promptLastSequence = p2.SequenceNumber;

        using var relay = callerMedia.BridgeTo(agentMedia);
        caller.SendTo(callerMedia.LocalRtpPort, RtpDatagram(0, 5, 100, 0xCA11, new byte[160]));
        Assert.True(RtpPacket.TryParse(await agent.ReceiveAsync(), out var atAgent));
        Assert.Equal(8, atAgent.PayloadType);
        Assert.NotEqual(0xCA11u, atAgent.Ssrc);

        agent.SendTo(agentMedia.LocalRtpPort, RtpDatagram(8, 77, 1000, 0xB0B, new byte[160]));
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var atCaller));
        Assert.Equal(promptSsrc, atCaller.Ssrc); // the caller's stream simply continues
        Assert.Equal((ushort)(promptLastSequence + 1), atCaller.SequenceNumber);
        Assert.Equal(0, atCaller.PayloadType);

        Assert.Throws<InvalidOperationException>(() => { _ = callerMedia.PlayAsync(new AudioPrompt("x", G711Codec.Pcmu, new byte[160])); });
        relay.Dispose(); // unbridge: the caller goes back to IVR (e.g. the agent hung up)
        _ = callerMedia.PlayAsync(new AudioPrompt("back", G711Codec.Pcmu, new byte[160]));
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var again));
        Assert.Equal(0, again.PayloadType);
    }
}
