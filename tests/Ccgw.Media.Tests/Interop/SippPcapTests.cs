using System.Net;
using Ccgw.Media.Dtmf;
using Ccgw.Media.Playout;
using Ccgw.Media.Rtp;
using Ccgw.Media.Sdp;
using Ccgw.Media.Tests.Transport;
using Ccgw.Testing;
using static Ccgw.Media.Tests.Transport.Datagrams;

namespace Ccgw.Media.Tests.Interop;

/// <summary>
/// The RTP that sipp plays in the acceptance test (pcaps shipped with Debian's sip-tester), decoded by our
/// codec and DTMF receiver. Skipped where sip-tester is not installed.
/// </summary>
public sealed class SippPcapTests
{
    private const string Directory = "/usr/share/sip-tester";

    public static TheoryData<string, char> DtmfPcaps()
    {
        var data = new TheoryData<string, char>();
        foreach (var d in "0123456789") data.Add($"dtmf_2833_{d}.pcap", d);
        data.Add("dtmf_2833_star.pcap", '*');
        data.Add("dtmf_2833_pound.pcap", '#');
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(DtmfPcaps))]
    public void Sipp_rfc4733_pcap_yields_exactly_its_digit(string file, char expected)
    {
        var path = Path.Combine(Directory, file);
        Skip.IfNot(File.Exists(path), "sip-tester pcaps not installed");
        var receiver = new DtmfReceiver();
        var digits = new List<char>();
        var packets = PcapUdpPayloads.Read(path);
        foreach (var datagram in packets)
        {
            Assert.True(RtpPacket.TryParse(datagram, out var p));
            Assert.Equal(101, p.PayloadType);
            if (receiver.TryAccept(p.Ssrc, p.Timestamp, p.Payload, out var d)) digits.Add(d);
        }
        Assert.True(packets.Count > 3);
        Assert.Equal([expected], digits);
    }

    [SkippableFact]
    public void Sipp_g711a_pcap_is_valid_pcma_rtp_whose_timestamps_advance_by_the_payload_samples()
    {
        var path = Path.Combine(Directory, "g711a.pcap");
        Skip.IfNot(File.Exists(path), "sip-tester pcaps not installed");
        var packets = PcapUdpPayloads.Read(path);
        Assert.NotEmpty(packets);
        uint? previous = null;
        foreach (var datagram in packets)
        {
            Assert.True(RtpPacket.TryParse(datagram, out var p));
            Assert.Equal(8, p.PayloadType);
            // sipp's sample uses 30 ms frames: one G.711 byte per sample, so the clock advances by the payload length.
            Assert.Equal(240, p.PayloadLength);
            if (previous is { } ts) Assert.Equal((uint)p.PayloadLength, p.Timestamp - ts);
            previous = p.Timestamp;
        }
    }

    [SkippableFact]
    public async Task Sipp_dtmf_2_replayed_over_loopback_reaches_the_call_once()
    {
        var path = Path.Combine(Directory, "dtmf_2833_2.pcap");
        Skip.IfNot(File.Exists(path), "sip-tester pcaps not installed");
        using var scheduler = new MediaScheduler(new ManualTimeProvider());
        using var caller = new UdpPeer();
        await using var media = CallMedia.Open(Allocator(), scheduler, TimeProvider.System, IPAddress.Loopback);
        var offer = SessionDescription.Parse(
            $"v=0\r\no=sipp 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {caller.EndPoint.Port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
        Assert.True(media.TryAnswer(offer, out _, out _));

        foreach (var datagram in PcapUdpPayloads.Read(path)) caller.SendTo(media.LocalRtpPort, datagram);
        // A second key press after the pcap, so "exactly once" is observable without waiting for silence.
        caller.SendTo(media.LocalRtpPort, RtpDatagram(101, 9000, 0x7FFF0000, 0x1, Event('9', true, 800)));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal('2', await media.Digits.ReadAsync(timeout.Token));
        Assert.Equal('9', await media.Digits.ReadAsync(timeout.Token));
    }
}
