using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 16, media: an RTP injector cannot get its audio into a bridged call. The rig is VoiceDaemonTests': sipp
/// calls DID 100, presses 2, bob's sipp phone answers with -rtp_echo; the caller's RTP is the test's own socket,
/// so its capture is the receiving side. The injectors spray every even port of the daemon's RTP range (an attacker
/// who does not know which pair each leg got), so they hit the agent leg too, whose packets would reach our capture.
/// </summary>
public sealed partial class RtpInjectionTests
{
    private const byte Voice = 0x55;
    private const byte InjectedSameHost = 0x66;
    private const byte InjectedForeignHost = 0x77;

    [SkippableFact]
    public async Task An_rtp_injector_on_another_port_cannot_get_its_audio_into_a_bridged_call()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        await using var call = await VoiceRig.StartAsync();
        await call.SetReadyAsync("bob");
        await using var bob = await call.StartAgentPhoneAsync("bob", "demo-bob", "voice_agent_answers.xml");
        await using var rtp = new VoiceRtpEndpoint();
        await using var caller = call.StartCaller(rtp.Port, "voice_caller.xml", talkMs: 40_000);
        var gateway = await rtp.GatewayAsync(TimeSpan.FromSeconds(15));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await rtp.SendPacedAsync(PcapUdpPayloads.Read("/usr/share/sip-tester/dtmf_2833_2.pcap"), gateway, deadline.Token);
        Assert.True(await EchoedAsync(rtp, gateway, deadline.Token), $"the call was never bridged to bob\n{call.DaemonLog}");

        var targets = Enumerable.Range(call.Daemon.Listeners.RtpMin, call.Daemon.Listeners.RtpMax - call.Daemon.Listeners.RtpMin + 1)
            .Where(p => p % 2 == 0).Select(p => new IPEndPoint(IPAddress.Loopback, p)).ToArray();

        // 1. While the caller talks: an injector on the caller's own host, another port.
        using var sameHost = Injector(IPAddress.Loopback);
        using (var spraying = new CancellationTokenSource())
        {
            var spray = SprayAsync(sameHost, targets, InjectedSameHost, spraying.Token);
            await rtp.SendPacedAsync(rtp.Tone(Voice, 100, ssrc: 0x1234), gateway, CancellationToken.None);
            await spraying.CancelAsync();
            await spray;
        }

        // 2. The caller goes quiet (a muted phone with silence suppression) for longer than a latch may stay idle, so
        // bob's echo stops too; a foreign host sprays meanwhile. It must neither take over a leg nor hear anything.
        using var foreign = Injector(IPAddress.Parse("127.0.0.2"));
        var overheard = ReceiveAnyAsync(foreign, TimeSpan.FromSeconds(12));
        using (var spraying = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await SprayAsync(foreign, targets, InjectedForeignHost, spraying.Token);

        // 3. The caller talks again and is heard again: nobody hijacked the call.
        var before = rtp.Packets.Count;
        Assert.True(await EchoedAsync(rtp, gateway, deadline.Token, after: before), $"the caller was not heard again after the injection\n{call.DaemonLog}");

        var injected = rtp.Packets.Count(p => p.Payload.Length > 0 && (p.Payload.All(b => b == InjectedSameHost) || p.Payload.All(b => b == InjectedForeignHost)));
        Assert.True(injected == 0, $"{injected} injected packets reached the caller");
        Assert.Equal(0, await overheard);
        using var metrics = await call.Daemon.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await metrics.Content.ReadAsStringAsync();
        var dropped = DroppedBySource().Match(text);
        Assert.True(dropped.Success && double.Parse(dropped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0,
            $"no drops by source in /metrics:\n{string.Join('\n', text.Split('\n').Where(l => l.Contains("rtp_dropped", StringComparison.Ordinal)))}");

        Assert.True(await caller.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the caller's sipp did not finish");
        Assert.Equal(0, caller.ExitCode);
        Assert.True(await bob.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "bob's phone never got the BYE");
    }

    /// <summary>Talks until the tone comes back through bob's echo (counting only packets after index <paramref name="after"/>).</summary>
    private static async Task<bool> EchoedAsync(VoiceRtpEndpoint rtp, IPEndPoint gateway, CancellationToken cancellationToken, int after = 0)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await rtp.SendPacedAsync(rtp.Tone(Voice, 25, ssrc: 0x1234), gateway, CancellationToken.None);
            if (rtp.Packets.Skip(after).Any(p => p.PayloadType == 0 && p.Payload.Length == 160 && p.Payload.All(b => b == Voice))) return true;
        }
        return false;
    }

    private static Socket Injector(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    /// <summary>One PCMU frame of <paramref name="fill"/> to every target each 20 ms, a phone's pace, until cancelled.</summary>
    private static async Task SprayAsync(Socket socket, IPEndPoint[] targets, byte fill, CancellationToken cancellationToken)
    {
        var packet = new byte[12 + 160];
        packet[0] = 0x80;
        packet.AsSpan(8, 4).Fill(fill); // SSRC
        packet.AsSpan(12).Fill(fill);
        for (ushort seq = 0; !cancellationToken.IsCancellationRequested; seq++)
        {
            packet[2] = (byte)(seq >> 8);
            packet[3] = (byte)seq;
            var ts = (uint)seq * 160;
            packet[4] = (byte)(ts >> 24);
            packet[5] = (byte)(ts >> 16);
            packet[6] = (byte)(ts >> 8);
            packet[7] = (byte)ts;
            foreach (var target in targets) await socket.SendToAsync(packet, SocketFlags.None, target, CancellationToken.None);
            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return; // the spraying window is over
            }
        }
    }

    /// <summary>How many datagrams the injector received (anything the gateway sent it) within <paramref name="window"/>.</summary>
    private static async Task<int> ReceiveAnyAsync(Socket socket, TimeSpan window)
    {
        using var timeout = new CancellationTokenSource(window);
        var buffer = new byte[2048];
        var count = 0;
        try
        {
            while (true)
            {
                await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
                count++;
            }
        }
        catch (OperationCanceledException)
        {
            return count; // the listening window is over
        }
        catch (SocketException)
        {
            return count; // ICMP port unreachable for a spray to a port nobody holds surfaces here; keep the count
        }
    }

    [GeneratedRegex(@"ccgw_media_rtp_dropped_packets_total\{reason=""source""\} (\S+)")]
    private static partial Regex DroppedBySource();
}
