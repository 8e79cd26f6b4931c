using System.Net;
using Ccgw.Media.Audio;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Rtp;
using Ccgw.Media.Tests.Playout;
using Ccgw.Media.Transport;
using static Ccgw.Media.Tests.Transport.Datagrams;

namespace Ccgw.Media.Tests.Transport;

public sealed class RtpRelayTests
{
    private static readonly RelayLegFormat CallerPcmu = new(G711Codec.Pcmu, 0, 101);
    private static readonly RelayLegFormat AgentPcma = new(G711Codec.Pcma, 8, 96);

    [Fact]
    public async Task Media_flows_both_ways_with_no_identifier_of_one_leg_on_the_other()
    {
        var allocator = Allocator();
        using var caller = new UdpPeer();
        using var agent = new UdpPeer();
        await using var callerLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        callerLeg.SetRemote(caller.EndPoint); // from the caller's SDP offer
        await using var agentLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        agentLeg.SetRemote(agent.EndPoint); // from the agent's SDP answer
        using var relay = new RtpRelay(callerLeg, CallerPcmu, agentLeg, AgentPcma);
        callerLeg.Start();
        agentLeg.Start();

        var voice = Enumerable.Repeat(G711.MulawSilence, 160).ToArray();
        caller.SendTo(callerLeg.LocalRtpPort, RtpDatagram(0, 1000, 50000, 0xCA11E4, voice, marker: true, csrcs: [0xFEEDFACE]));
        var atAgent = await agent.ReceiveAsync();

        Assert.True(RtpPacket.TryParse(atAgent, out var p));
        Assert.NotEqual(0xCA11E4u, p.Ssrc);
        Assert.Equal(0, p.CsrcCount);
        Assert.Equal(8, p.PayloadType);
        Assert.True(p.Marker);
        Assert.All(p.Payload.ToArray(), b => Assert.Equal(G711.AlawSilence, b));
        Assert.False(atAgent.AsSpan().IndexOf(new byte[] { 0xCA, 0x11, 0xE4 }) >= 0, "caller SSRC leaked");
        Assert.False(atAgent.AsSpan().IndexOf(new byte[] { 0xFE, 0xED, 0xFA, 0xCE }) >= 0, "caller CSRC leaked");
        var agentSideSsrc = p.Ssrc;

        // The agent answers; the caller leg latched onto the caller's real source.
        agent.SendTo(agentLeg.LocalRtpPort, RtpDatagram(8, 7, 90000, 0xA6E17, Enumerable.Repeat(G711.AlawSilence, 160).ToArray()));
        Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var back));
        Assert.Equal(0, back.PayloadType);
        Assert.NotEqual(0xA6E17u, back.Ssrc);
        Assert.NotEqual(agentSideSsrc, back.Ssrc);
        Assert.All(back.Payload.ToArray(), b => Assert.Equal(G711.AlawToMulaw(G711.AlawSilence), b)); // A-law "silence" is +8
    }

    [Fact]
    public async Task Telephone_events_pass_through_with_the_payload_type_of_the_other_leg()
    {
        var allocator = Allocator();
        using var caller = new UdpPeer();
        using var agent = new UdpPeer();
        await using var callerLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        callerLeg.SetRemote(caller.EndPoint); // from the caller's SDP offer
        await using var agentLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        agentLeg.SetRemote(agent.EndPoint);
        using var relay = new RtpRelay(callerLeg, CallerPcmu, agentLeg, AgentPcma);
        callerLeg.Start();
        agentLeg.Start();

        caller.SendTo(callerLeg.LocalRtpPort, RtpDatagram(0, 1, 8000, 1, new byte[160]));
        caller.SendTo(callerLeg.LocalRtpPort, RtpDatagram(101, 2, 8160, 1, Event('7', true, 320)));
        var audio = await agent.ReceiveAsync();
        var dtmf = await agent.ReceiveAsync();

        Assert.True(RtpPacket.TryParse(audio, out var a));
        Assert.True(RtpPacket.TryParse(dtmf, out var d));
        Assert.Equal(96, d.PayloadType);
        Assert.Equal((ushort)(a.SequenceNumber + 1), d.SequenceNumber);
        Assert.Equal(a.Timestamp + 160, d.Timestamp);
        Assert.True(TelephoneEvent.TryParse(d.Payload, out var e));
        Assert.Equal((7, true, 320), (e.Event, e.End, (int)e.Duration));
    }

    [Fact]
    public async Task Packets_from_a_stranger_after_latching_are_not_relayed()
    {
        var allocator = Allocator();
        using var caller = new UdpPeer();
        using var stranger = new UdpPeer();
        using var agent = new UdpPeer();
        await using var callerLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        callerLeg.SetRemote(caller.EndPoint); // from the caller's SDP offer
        await using var agentLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System);
        agentLeg.SetRemote(agent.EndPoint);
        using var relay = new RtpRelay(callerLeg, CallerPcmu, agentLeg, CallerPcmu);
        callerLeg.Start();
        agentLeg.Start();

        caller.SendTo(callerLeg.LocalRtpPort, RtpDatagram(0, 1, 160, 1, Enumerable.Repeat((byte)0x11, 160).ToArray()));
        await agent.ReceiveAsync();
        stranger.SendTo(callerLeg.LocalRtpPort, RtpDatagram(0, 2, 320, 1, Enumerable.Repeat((byte)0x66, 160).ToArray()));
        caller.SendTo(callerLeg.LocalRtpPort, RtpDatagram(0, 3, 480, 1, Enumerable.Repeat((byte)0x22, 160).ToArray()));

        Assert.True(RtpPacket.TryParse(await agent.ReceiveAsync(), out var next));
        Assert.Equal(0x22, next.Payload[0]);
        Assert.Equal(1, callerLeg.Latch.Rejected);
    }

    [Fact]
    public void Source_restart_continues_sequence_and_timestamp_without_a_jump()
    {
        var sink = new CapturingSink();
        var direction = new RtpRelay.Direction(CallerPcmu, CallerPcmu with { Ssrc = 77, NextSequence = 500, NextTimestamp = 16000 }, sink);
        direction.Forward(RtpDatagram(0, 10, 1000, 1, new byte[160]));
        direction.Forward(RtpDatagram(0, 11, 1160, 1, new byte[160]));
        direction.Forward(RtpDatagram(0, 40000, 999999, 2, new byte[160])); // the peer restarted with a new SSRC
        direction.Forward(RtpDatagram(13, 40001, 1000159, 2, new byte[1])); // comfort noise: not negotiated, dropped

        Assert.Equal(new ushort[] { 500, 501, 502 }, sink.Packets.Select(p => p.Sequence));
        Assert.Equal(new uint[] { 16000, 16160, 16320 }, sink.Packets.Select(p => p.Timestamp));
        Assert.Equal([true, false, true], sink.Packets.Select(p => p.Marker));
        Assert.All(sink.Packets, p => Assert.Equal(77u, p.Ssrc));
        Assert.Equal(1, direction.Dropped);
    }
}
