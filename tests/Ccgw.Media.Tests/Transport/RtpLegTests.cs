using System.Net;
using Ccgw.Media.Audio;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Transport;
using Ccgw.Testing;
using static Ccgw.Media.Tests.Transport.Datagrams;

namespace Ccgw.Media.Tests.Transport;

/// <summary>Component tests over real loopback UDP: the gateway side is an <see cref="RtpLeg"/>, the caller a plain socket.</summary>
public sealed class RtpLegTests
{
    [Fact]
    public async Task Prompt_goes_to_the_address_the_caller_really_sends_from()
    {
        var clock = new ManualTimeProvider();
        using var scheduler = new MediaScheduler(clock);
        using var caller = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), clock);
        leg.SetRemote(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 9)); // the SDP lies (NAT): nothing listens there
        leg.Start();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        leg.DetectDtmf(101, _ => received.TrySetResult());

        // A telephone-event is a convenient way to know the leg has seen (and latched onto) the caller.
        caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, 1, 800, 0xC0FFEE, Event('1', false, 160)));
        await received.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var stream = scheduler.CreateStream(leg, new RtpStreamFormat(G711Codec.Pcmu, 0));
        _ = stream.PlayAsync(new PromptSource(new AudioPrompt("p", G711Codec.Pcmu, new byte[480])));
        clock.Advance(TimeSpan.FromMilliseconds(60));

        for (var i = 0; i < 3; i++)
        {
            var datagram = await caller.ReceiveAsync();
            Assert.True(RtpPacket.TryParse(datagram, out var p));
            Assert.Equal(stream.Ssrc, p.Ssrc);
            Assert.Equal(160, p.PayloadLength);
        }
        Assert.Equal(3, leg.PacketsSent);
    }

    [Fact]
    public async Task Scheduler_on_the_system_clock_delivers_a_prompt_in_order()
    {
        using var scheduler = new MediaScheduler(TimeProvider.System);
        using var caller = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), TimeProvider.System);
        leg.SetRemote(caller.EndPoint);
        leg.Start();
        var stream = scheduler.CreateStream(leg, new RtpStreamFormat(G711Codec.Pcmu, 0));
        var played = stream.PlayAsync(new PromptSource(new AudioPrompt("p", G711Codec.Pcmu, new byte[160 * 10])));

        var sequences = new List<ushort>();
        for (var i = 0; i < 10; i++)
        {
            Assert.True(RtpPacket.TryParse(await caller.ReceiveAsync(), out var p));
            sequences.Add(p.SequenceNumber);
        }
        Assert.Equal(PlaybackOutcome.Completed, await played.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ushort)(sequences[0] + i)), sequences);
    }

    [Fact]
    public async Task Rfc4733_digits_are_reported_once_each_including_a_repeated_digit()
    {
        using var caller = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), TimeProvider.System);
        leg.SetRemote(caller.EndPoint); // the caller's SDP: only it may latch
        var digits = new List<char>();
        var three = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        leg.DetectDtmf(101, d =>
        {
            lock (digits)
            {
                digits.Add(d);
                if (digits.Count == 3) three.TrySetResult();
            }
        });
        leg.Start();

        ushort seq = 10;
        foreach (var (digit, ts) in new[] { ('2', 800u), ('2', 2400u), ('#', 4000u) })
        {
            caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, seq++, ts, 0xAB, Event(digit, false, 160), marker: true));
            caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, seq++, ts, 0xAB, Event(digit, false, 320)));
            for (var i = 0; i < 3; i++) caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, seq++, ts, 0xAB, Event(digit, true, 480)));
            caller.SendTo(leg.LocalRtpPort, RtpDatagram(0, seq++, ts + 480, 0xAB, new byte[160]));
        }
        await three.Task.WaitAsync(TimeSpan.FromSeconds(5));

        lock (digits) Assert.Equal(['2', '2', '#'], digits);
    }

    [Fact]
    public async Task Garbage_datagrams_are_counted_and_ignored()
    {
        using var caller = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), TimeProvider.System);
        leg.SetRemote(caller.EndPoint);
        var digit = new TaskCompletionSource<char>(TaskCreationOptions.RunContinuationsAsynchronously);
        leg.DetectDtmf(101, d => digit.TrySetResult(d));
        leg.Start();
        caller.SendTo(leg.LocalRtpPort, [1, 2, 3]);
        caller.SendTo(leg.LocalRtpPort, RtpDatagram(101, 1, 160, 5, Event('9', true, 160)));
        Assert.Equal('9', await digit.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, leg.PacketsInvalid);
    }

    [Fact]
    public async Task Rtcp_bye_from_the_peer_is_noticed()
    {
        using var caller = new UdpPeer();
        await using var leg = new RtpLeg(Allocator().Allocate(), TimeProvider.System);
        leg.Start();
        var buffer = new byte[64];
        var n = RtcpWriter.WriteReceiverReport(buffer, 5, []);
        n += RtcpWriter.WriteBye(buffer.AsSpan(n), 5);
        caller.SendTo(leg.LocalRtpPort + 1, buffer[..n]);
        // Polling a flag set by the receive loop: bounded by the test timeout, no fixed sleep.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!leg.RtcpByeReceived) await Task.Delay(5, timeout.Token);
        Assert.Equal(1, leg.RtcpPacketsReceived);
    }
}
