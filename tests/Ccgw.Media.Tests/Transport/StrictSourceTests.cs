using System.Diagnostics.Metrics;
using System.Net;
using Ccgw.Media.Audio;
using Ccgw.Media.Rtp;
using Ccgw.Media.Transport;
using Ccgw.Testing;
using static Ccgw.Media.Tests.Playout.MediaSchedulerMetricsTests;
using static Ccgw.Media.Tests.Transport.Datagrams;

namespace Ccgw.Media.Tests.Transport;

/// <summary>
/// Strict-source latching over real loopback UDP (issue 16): only the peer signalled in SDP gets media into a leg.
/// 127.0.0.1 is the signalled host; 127.0.0.2 (also loopback on Linux) plays a foreign host.
/// </summary>
public sealed class StrictSourceTests
{
    private static readonly IPAddress ForeignHost = IPAddress.Parse("127.0.0.2");
    private static readonly RelayLegFormat Pcmu = new(G711Codec.Pcmu, 0, 101);
    private const byte Voice = 0x11;
    private const byte Injected = 0x66;
    private const byte Last = 0x7E;

    private static byte[] Audio(ushort seq, byte fill) => RtpDatagram(0, seq, seq * 160u, 0xCA11, Enumerable.Repeat(fill, 160).ToArray());

    [Fact]
    public async Task An_injector_on_another_port_gets_none_of_its_payload_into_a_bridged_call()
    {
        var allocator = Allocator();
        using var meters = new ScopedMeterFactory();
        var drops = new RtpDropMetrics(meters);
        var options = new RtpLegOptions { DropMetrics = drops };
        using var caller = new UdpPeer();
        using var agent = new UdpPeer();
        using var sameHost = new UdpPeer();              // the caller's host, another port
        using var foreign = new UdpPeer(address: ForeignHost); // another host altogether
        await using var callerLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System, options);
        await using var agentLeg = new RtpLeg(allocator.Allocate(), TimeProvider.System, options);
        callerLeg.SetRemote(caller.EndPoint);
        agentLeg.SetRemote(agent.EndPoint);
        using var relay = new RtpRelay(callerLeg, Pcmu, agentLeg, Pcmu);
        callerLeg.Start();
        agentLeg.Start();

        // The foreign injector is first, before the caller has sent anything: it must not latch the leg.
        foreign.SendTo(callerLeg.LocalRtpPort, Audio(500, Injected));
        ushort seq = 1;
        caller.SendTo(callerLeg.LocalRtpPort, Audio(seq++, Voice));
        for (var i = 0; i < 10; i++)
        {
            foreign.SendTo(callerLeg.LocalRtpPort, Audio((ushort)(600 + i), Injected));
            sameHost.SendTo(callerLeg.LocalRtpPort, Audio((ushort)(700 + i), Injected));
            caller.SendTo(callerLeg.LocalRtpPort, Audio(seq++, Voice));
        }
        caller.SendTo(callerLeg.LocalRtpPort, Audio(seq++, Last));

        var heard = new List<byte>();
        while (true)
        {
            Assert.True(RtpPacket.TryParse(await agent.ReceiveAsync(), out var p));
            heard.Add(p.Payload[0]);
            if (p.Payload[0] == Last) break;
        }
        Assert.Equal([.. Enumerable.Repeat(Voice, 11), Last], heard);
        Assert.Equal(21, callerLeg.Latch.Rejected);
        Assert.Equal(21, drops.Source);
        Assert.Equal(21, ObserveDrops(meters, "source"));
        Assert.Equal(caller.EndPoint, callerLeg.Latch.TargetEndPoint);
    }

    [Fact]
    public async Task The_signalled_peer_from_a_nat_rewritten_port_latches_within_the_window()
    {
        var clock = new ManualTimeProvider();
        using var signalled = new UdpPeer(); // what the SDP says; the NAT sends from elsewhere
        using var natted = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), clock, new RtpLegOptions { LatchWindow = TimeSpan.FromSeconds(10) });
        leg.SetRemote(signalled.EndPoint);
        var digits = DigitsOf(leg);
        leg.Start();

        clock.Advance(TimeSpan.FromSeconds(9));
        natted.SendTo(leg.LocalRtpPort, RtpDatagram(101, 1, 800, 7, Event('4', true, 160)));

        Assert.Equal('4', await digits.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(natted.EndPoint, leg.Latch.TargetEndPoint);
    }

    [Fact]
    public async Task After_the_window_only_the_signalled_port_latches()
    {
        var clock = new ManualTimeProvider();
        using var signalled = new UdpPeer();
        using var natted = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), clock, new RtpLegOptions { LatchWindow = TimeSpan.FromSeconds(10) });
        leg.SetRemote(signalled.EndPoint);
        var digits = DigitsOf(leg);
        leg.Start();

        clock.Advance(TimeSpan.FromSeconds(10));
        natted.SendTo(leg.LocalRtpPort, RtpDatagram(101, 1, 800, 7, Event('4', true, 160)));
        signalled.SendTo(leg.LocalRtpPort, RtpDatagram(101, 2, 1600, 7, Event('5', true, 160)));

        Assert.Equal('5', await digits.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, leg.Latch.Rejected);
        Assert.Equal(signalled.EndPoint, leg.Latch.TargetEndPoint);
    }

    [Fact]
    public async Task A_mid_call_source_change_from_a_foreign_host_is_refused_but_the_peer_host_may_move()
    {
        var clock = new ManualTimeProvider();
        using var caller = new UdpPeer();
        using var foreign = new UdpPeer(address: ForeignHost);
        using var rebound = new UdpPeer(); // the caller's host after a NAT rebinding
        await using var leg = new RtpLeg(Allocator().Allocate(), clock, new RtpLegOptions { RelatchAfter = TimeSpan.FromSeconds(2) });
        leg.SetRemote(caller.EndPoint);
        var digits = DigitsOf(leg);
        leg.Start();

        caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, 1, 800, 7, Event('1', true, 160)));
        Assert.Equal('1', await digits.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));

        clock.Advance(TimeSpan.FromSeconds(30)); // the caller went quiet for far longer than RelatchAfter
        foreign.SendTo(leg.LocalRtpPort, RtpDatagram(101, 2, 1600, 8, Event('6', true, 160)));
        rebound.SendTo(leg.LocalRtpPort, RtpDatagram(101, 3, 2400, 7, Event('7', true, 160)));

        Assert.Equal('7', await digits.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, leg.Latch.Rejected);
        Assert.Equal(1, leg.Latch.Relatches);
        Assert.Equal(rebound.EndPoint, leg.Latch.TargetEndPoint);
    }

    [Fact]
    public async Task Before_the_sdp_is_applied_nothing_latches()
    {
        using var caller = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), TimeProvider.System);
        var digits = DigitsOf(leg);
        leg.Start();
        caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, 1, 800, 7, Event('1', true, 160)));
        // Polling a counter set by the receive loop: bounded by the test timeout, no fixed sleep.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (leg.Latch.Rejected == 0) await Task.Delay(5, timeout.Token);
        leg.SetRemote(caller.EndPoint);
        caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, 2, 1600, 7, Event('2', true, 160)));

        Assert.Equal('2', await digits.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, leg.Latch.Rejected);
    }

    private static System.Threading.Channels.Channel<char> DigitsOf(RtpLeg leg)
    {
        var digits = System.Threading.Channels.Channel.CreateUnbounded<char>();
        leg.DetectDtmf(101, d => digits.Writer.TryWrite(d));
        return digits;
    }

    private static long ObserveDrops(ScopedMeterFactory scope, string reason)
    {
        long value = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Name == "ccgw.media.rtp_dropped_packets") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason" && (string?)tag.Value == reason) value = measurement;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
