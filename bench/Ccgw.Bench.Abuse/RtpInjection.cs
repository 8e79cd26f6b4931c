using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Ccgw.Bench.Abuse;

/// <summary>
/// RTP injection into a live call. The bench is the trunk's PBX (the demo trunk allows 127.0.0.1): it calls DID 100,
/// ACKs, and talks PCMU from its own RTP socket while the IVR plays the welcome and menu prompts to it. An injector on
/// 127.0.0.3 sends PCMU and RFC 4733 digit 9 ("call me back", which would end the call) to the call's media port.
/// Not a bridged call (that needs sipp as the agent's phone, see RtpInjectionTests): what is measured is how many
/// injected packets the media port took (sent minus ccgw_media_rtp_dropped_packets_total{reason="source"}), whether
/// the daemon hung up (the injected digit steering the IVR), and what the injector overheard.
/// </summary>
internal static partial class RtpInjection
{
    public static async Task<(AttackOutcome Outcome, string LegitNote)> RunAsync(Target target, HttpClient metrics, TimeSpan duration, double rate)
    {
        using var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rtp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var sip = new SipUdp(IPAddress.Loopback, target.Sip);
        var callId = SipText.Token();
        var invite = SipText.Invite(sip.Local, target.Sip, "100", callId, ((IPEndPoint)rtp.LocalEndPoint!).Port);
        var answer = await sip.RequestAsync(callId, invite, TimeSpan.FromSeconds(4));
        if (answer?.Status != 200) return (new AttackOutcome("-", $"no call: INVITE got {answer?.Status.ToString(CultureInfo.InvariantCulture) ?? "no answer"}"), "-");
        var from = $"<sip:caller@{sip.Local}>;tag={callId[..8]}";
        sip.Send(SipText.InDialog("ACK", sip.Local, answer, from));
        var media = new IPEndPoint(IPAddress.Loopback, int.Parse(MediaPort().Match(answer.Body).Groups[1].Value, CultureInfo.InvariantCulture));

        using var stop = new CancellationTokenSource();
        var heard = 0;
        var listening = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await rtp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                    Interlocked.Increment(ref heard);
                }
                catch (OperationCanceledException)
                {
                    return; // done
                }
                catch (SocketException)
                {
                    // ICMP from an earlier send; keep listening
                }
            }
        });
        // The caller talks (silence) every 20 ms, so its source is the one the port latched.
        var talking = Task.Run(async () =>
        {
            var packet = Packet(0, 0x1111, 0xFF);
            for (ushort seq = 0; !stop.IsCancellationRequested; seq++)
            {
                Stamp(packet, seq);
                await rtp.SendToAsync(packet, SocketFlags.None, media);
                try
                {
                    await Task.Delay(20, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        await Task.Delay(1000); // latched, prompts flowing
        var dropped0 = await DroppedBySourceAsync(metrics);
        var kernelDrops0 = KernelDrops(media.Port);
        var heard0 = Volatile.Read(ref heard);
        using var injector = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        injector.Bind(new IPEndPoint(Attacks.Address, 0));
        var voice = Packet(0, 0x6666, 0x66);
        var digit = Packet(101, 0x6666, 0);
        digit[12] = 9;      // event 9
        digit[13] = 0x8A;   // end of event, volume 10
        digit[15] = 160;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            for (var due = (long)(rate * clock.Elapsed.TotalSeconds); sent < due; sent++)
            {
                var p = sent % 2 == 0 ? voice : digit;
                Stamp(p, (ushort)sent);
                try
                {
                    injector.SendTo(p, media);
                }
                catch (SocketException)
                {
                    // the port closed under us (the call ended): keep the count, the table says the call ended
                }
            }
            await Task.Delay(5);
        }
        // The daemon may still be reading the port's queue: wait until its drop counter stops moving (at most 3 s).
        var dropped = await DroppedBySourceAsync(metrics) - dropped0;
        for (var i = 0; i < 12; i++)
        {
            await Task.Delay(250);
            var now = await DroppedBySourceAsync(metrics) - dropped0;
            if (now == dropped && i > 0) break;
            dropped = now;
        }
        var kernelDrops = KernelDrops(media.Port) - kernelDrops0;
        var heardDuring = Volatile.Read(ref heard) - heard0;
        var overheard = injector.Available;
        await stop.CancelAsync();
        await Task.WhenAll(listening, talking);
        var bye = await sip.RequestAsync(callId, SipText.InDialog("BYE", sip.Local, answer, from), TimeSpan.FromSeconds(2));
        var callUp = bye?.Status == 200 ? "call still up at end" : $"call gone at end (BYE got {bye?.Status.ToString(CultureInfo.InvariantCulture) ?? "no answer"})";
        return (new AttackOutcome($"{(sent / duration.TotalSeconds):F0}/s packets",
                $"dropped by source {dropped:F0} of {sent}, by the kernel (full socket queue) {kernelDrops}, " +
                $"left (taken, or lost elsewhere) {Math.Max(0, sent - (long)dropped - kernelDrops)}; {callUp}; injector overheard {overheard} bytes"),
            $"caller heard {heardDuring / duration.TotalSeconds:F0} pkt/s (50 expected)");
    }

    /// <summary>The kernel's receive-queue drops of the UDP socket bound to <paramref name="port"/> (/proc/net/udp, last column).</summary>
    private static long KernelDrops(int port)
    {
        var suffix = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines("/proc/net/udp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 12 && fields[1].EndsWith(suffix, StringComparison.Ordinal))
                return long.Parse(fields[^1], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static byte[] Packet(byte payloadType, uint ssrc, byte fill)
    {
        var packet = new byte[payloadType == 0 ? 12 + 160 : 16];
        packet[0] = 0x80;
        packet[1] = payloadType;
        packet[8] = (byte)(ssrc >> 24);
        packet[9] = (byte)(ssrc >> 16);
        packet[10] = (byte)(ssrc >> 8);
        packet[11] = (byte)ssrc;
        packet.AsSpan(12).Fill(fill);
        return packet;
    }

    private static void Stamp(byte[] packet, ushort seq)
    {
        packet[2] = (byte)(seq >> 8);
        packet[3] = (byte)seq;
        var ts = (uint)seq * 160;
        packet[4] = (byte)(ts >> 24);
        packet[5] = (byte)(ts >> 16);
        packet[6] = (byte)(ts >> 8);
        packet[7] = (byte)ts;
    }

    private static async Task<double> DroppedBySourceAsync(HttpClient metrics)
    {
        var text = await metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var m = DroppedBySource().Match(text);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"ccgw_media_rtp_dropped_packets_total\{reason=""source""\} (\S+)")]
    private static partial Regex DroppedBySource();

    [GeneratedRegex(@"m=audio (\d+)")]
    private static partial Regex MediaPort();
}
