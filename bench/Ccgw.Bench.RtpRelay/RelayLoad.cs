using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ccgw.Bench.RelayCost;

/// <summary>
/// Both sides of every call: a socket on PEER_BASE+2i (side A) and PEER_BASE+2i+1 (side B), each sending a 172-byte
/// PCMU packet every 20 ms to its relay port and counting what the relay delivers. Sending runs on one thread on the
/// 20 ms grid; receiving on one thread polling all sockets. After 3 s of warm-up, SECONDS are measured: the server's
/// CPU (utime+stime of SERVER_PID and its threads) over the packets it delivered.
/// </summary>
internal static class RelayLoad
{
    public static async Task<int> RunAsync(string[] targetLines, int peerBase, int seconds, int serverPid)
    {
        var targets = targetLines.Where(l => l.StartsWith("call ", StringComparison.Ordinal)).Select(Parse).ToArray();
        var sockets = new Socket[targets.Length * 2];
        var destinations = new IPEndPoint[sockets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            sockets[2 * i] = Bound(peerBase + (2 * i));
            sockets[(2 * i) + 1] = Bound(peerBase + (2 * i) + 1);
            destinations[2 * i] = new IPEndPoint(IPAddress.Loopback, targets[i].A);
            destinations[(2 * i) + 1] = new IPEndPoint(IPAddress.Loopback, targets[i].B);
        }
        long sent = 0, received = 0;
        using var stop = new CancellationTokenSource();
        var sender = new Thread(() => Send(sockets, destinations, ref sent, stop.Token)) { IsBackground = true, Name = "rtp-load-send" };
        var receiver = new Thread(() => Receive(sockets, ref received, stop.Token)) { IsBackground = true, Name = "rtp-load-receive" };
        sender.Start();
        receiver.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (s0, r0, c0, t0) = (Interlocked.Read(ref sent), Interlocked.Read(ref received), CpuTicks(serverPid), Stopwatch.GetTimestamp());
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var (s1, r1, c1) = (Interlocked.Read(ref sent), Interlocked.Read(ref received), CpuTicks(serverPid));
        var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        await stop.CancelAsync();
        sender.Join();
        receiver.Join();
        foreach (var s in sockets) s.Dispose();
        var cpuSeconds = (c1 - c0) / 100.0; // USER_HZ is 100 on Linux
        var delivered = r1 - r0;
        var offered = s1 - s0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"calls {targets.Length}: offered {offered / elapsed:F0} packets/s, delivered {delivered / elapsed:F0}/s ({Math.Max(0, offered - delivered)} short of offered, {(offered == 0 ? 0 : 100.0 * delivered / offered):F2}%), server CPU {cpuSeconds / elapsed * 100:F1}% of one core, {cpuSeconds * 1_000_000 / Math.Max(1, delivered):F2} µs per relayed packet"));
        return 0;
    }

    private static void Send(Socket[] sockets, IPEndPoint[] destinations, ref long sent, CancellationToken stop)
    {
        var packet = new byte[172];
        var addresses = destinations.Select(d => d.Serialize()).ToArray();
        var clock = Stopwatch.StartNew();
        ushort sequence = 0;
        for (long tick = 0; !stop.IsCancellationRequested; tick++)
        {
            packet[0] = 0x80;
            packet[1] = 0;
            packet[2] = (byte)(sequence >> 8);
            packet[3] = (byte)sequence;
            var timestamp = (uint)(tick * 160);
            packet[4] = (byte)(timestamp >> 24); packet[5] = (byte)(timestamp >> 16); packet[6] = (byte)(timestamp >> 8); packet[7] = (byte)timestamp;
            for (var i = 0; i < sockets.Length; i++)
            {
                packet[8] = (byte)(i >> 8); packet[9] = (byte)i; packet[10] = 0x5a; packet[11] = 0xa5; // SSRC per stream
                sockets[i].SendTo(packet, SocketFlags.None, addresses[i]);
            }
            Interlocked.Add(ref sent, sockets.Length);
            sequence++;
            var next = TimeSpan.FromMilliseconds(20 * (tick + 1));
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero) Thread.Sleep(wait);
        }
    }

    private static void Receive(Socket[] sockets, ref long received, CancellationToken stop)
    {
        var buffer = new byte[2048];
        var ready = new List<Socket>(sockets.Length);
        while (!stop.IsCancellationRequested)
        {
            ready.Clear();
            ready.AddRange(sockets);
            Socket.Select(ready, null, null, 100_000);
            long got = 0;
            foreach (var s in ready)
                while (s.Available > 0)
                {
                    s.Receive(buffer);
                    got++;
                }
            Interlocked.Add(ref received, got);
        }
    }

    private static long CpuTicks(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static (int A, int B) Parse(string line)
    {
        var parts = line.Split(' ');
        return (int.Parse(parts[2][2..], CultureInfo.InvariantCulture), int.Parse(parts[3][2..], CultureInfo.InvariantCulture));
    }

    private static Socket Bound(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        s.Bind(new IPEndPoint(IPAddress.Loopback, port));
        return s;
    }
}
