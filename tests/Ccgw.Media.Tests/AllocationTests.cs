using Ccgw.Media.Audio;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Transport;
using Ccgw.Testing;

namespace Ccgw.Media.Tests;

/// <summary>
/// "No allocation per packet" (ARCHITECTURE.md, hot paths) as an executable contract: each path runs warm for
/// many packets on this thread and must not allocate at all. Exact, so not a timing assertion.
/// </summary>
public sealed class AllocationTests
{
    private static long AllocatedBy(Action perPacket, int packets = 1000)
    {
        for (var i = 0; i < 100; i++) perPacket(); // JIT and first-use paths out of the way
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < packets; i++) perPacket();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Rtp_parse_and_write_do_not_allocate()
    {
        var buffer = new byte[172];
        var payload = new byte[160];
        ushort seq = 0;
        Assert.Equal(0, AllocatedBy(() =>
        {
            RtpWriter.Write(buffer, new RtpHeader(0, seq++, 0, 1), payload);
            RtpPacket.TryParse(buffer, out _);
        }));
    }

    [Fact]
    public void G711_frame_coding_does_not_allocate()
    {
        var samples = new short[160];
        var encoded = new byte[160];
        Assert.Equal(0, AllocatedBy(() =>
        {
            G711.Encode(G711Codec.Pcmu, samples, encoded);
            G711.Decode(G711Codec.Pcmu, encoded, samples);
            G711.Transcode(G711Codec.Pcmu, G711Codec.Pcma, encoded, encoded);
        }));
    }

    [Fact]
    public void Dtmf_receiver_does_not_allocate()
    {
        var receiver = new DtmfReceiver();
        var payload = new byte[4];
        new TelephoneEvent(5, false, 10, 160).Write(payload);
        uint ts = 0;
        Assert.Equal(0, AllocatedBy(() => receiver.TryAccept(1, ts += 800, payload, out _)));
    }

    [Fact]
    public void Relay_rewrite_does_not_allocate()
    {
        var format = new RelayLegFormat(G711Codec.Pcmu, 0, 101);
        var direction = new RtpRelay.Direction(format, format with { Codec = G711Codec.Pcma, PayloadType = 8 }, new DiscardingSink());
        var template = new byte[172];
        RtpWriter.Write(template, new RtpHeader(0, 1, 160, 9), new byte[160]);
        var packet = new byte[172];
        Assert.Equal(0, AllocatedBy(() =>
        {
            template.CopyTo(packet);
            direction.Forward(packet);
        }));
    }

    [Fact]
    public async Task Srtp_leg_send_does_not_allocate()
    {
        // The relay's (and the scheduler's) sink on an SRTP agent leg: copy, protect, send to the latched peer.
        using var peer = new Transport.UdpPeer();
        await using var leg = new RtpLeg(Transport.Datagrams.Allocator().Allocate(), new ManualTimeProvider());
        leg.SetRemote(peer.EndPoint);
        var key = Ccgw.Media.Sdp.SdpCrypto.Generate();
        leg.UseSrtp(key.CreateContext(), key.CreateContext());
        var packet = new byte[172];
        var payload = new byte[160];
        ushort seq = 0;
        Assert.Equal(0, AllocatedBy(() =>
        {
            RtpWriter.Write(packet, new RtpHeader(0, seq++, 160, 9), payload);
            leg.Send(packet);
        }));
        Assert.True(leg.PacketsSent >= 1000);
    }

    [Fact]
    public void Scheduler_tick_does_not_allocate_per_packet()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false);
        var prompt = new AudioPrompt("a", G711Codec.Pcmu, new byte[160 * 10]);
        for (var i = 0; i < 50; i++) _ = scheduler.CreateStream(new DiscardingSink(), new RtpStreamFormat(G711Codec.Pcmu, 0)).PlayAsync(new PromptSource(prompt, loop: true));
        Assert.Equal(0, BytesAllocatedByTicks(scheduler, clock));
    }

    [Fact]
    public void Scheduler_tick_with_sub_slots_does_not_allocate_per_packet()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false, subSlots: 4);
        var prompt = new AudioPrompt("a", G711Codec.Pcmu, new byte[160 * 10]);
        for (var i = 0; i < 50; i++) _ = scheduler.CreateStream(new DiscardingSink(), new RtpStreamFormat(G711Codec.Pcmu, 0)).PlayAsync(new PromptSource(prompt, loop: true));
        Assert.Equal(0, BytesAllocatedByTicks(scheduler, clock, TimeSpan.FromMilliseconds(5)));
    }

    [Fact]
    public void Scheduler_tick_does_not_allocate_per_packet_while_the_lateness_histogram_is_listened_to()
    {
        var clock = new ManualTimeProvider();
        using var meters = new Playout.MediaSchedulerMetricsTests.ScopedMeterFactory();
        double sum = 0;
        long count = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            sum += value;
            count++;
        });
        listener.Start();
        using var scheduler = new MediaScheduler(clock, 3, startTimer: false, meters);
        var prompt = new AudioPrompt("a", G711Codec.Pcmu, new byte[160 * 10]);
        for (var i = 0; i < 50; i++) _ = scheduler.CreateStream(new DiscardingSink(), new RtpStreamFormat(G711Codec.Pcmu, 0)).PlayAsync(new PromptSource(prompt, loop: true));
        Assert.Equal(0, BytesAllocatedByTicks(scheduler, clock));
        Assert.Equal(50 * 110, count); // every packet was measured
    }

    /// <summary>
    /// Bytes allocated by 100 ticks after 10 of warm-up. Advancing the manual clock allocates in the test double itself,
    /// so only Tick() is measured.
    /// </summary>
    private static long BytesAllocatedByTicks(MediaScheduler scheduler, ManualTimeProvider clock, TimeSpan? slot = null)
    {
        var step = slot ?? TimeSpan.FromMilliseconds(20);
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(step);
            scheduler.Tick();
        }
        long allocated = 0;
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(step);
            var before = GC.GetAllocatedBytesForCurrentThread();
            scheduler.Tick();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return allocated;
    }

    private sealed class DiscardingSink : IRtpSink
    {
        public void Send(ReadOnlySpan<byte> packet)
        {
        }
    }
}
