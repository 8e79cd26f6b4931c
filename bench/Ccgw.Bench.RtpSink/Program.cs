using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

// The far end of the voice load benchmark (bench/voice/run.sh): every benchmark call's SDP points here, so all the
// daemon's prompt and music-on-hold RTP lands on this one UDP port. It checks the daemon's own lateness metric from the
// outside: per SSRC, each packet's arrival is compared with the stream's ideal clock (RTP timestamp / 8000 Hz, anchored
// at the stream's median offset in the window), so the figure includes loopback and this process's own
// scheduling delay: an upper bound on the sender's lateness. Usage:
//   dotnet Ccgw.Bench.RtpSink.dll [--port P]   prints the bound port; a "start" line on standard input opens the
//   measurement window, "stop" (or end of input) closes it and prints the report.
var port = Arg("--port", 0);
var maxPackets = Arg("--max-packets", 4_000_000);

using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
socket.ReceiveBufferSize = 8 << 20;
socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
socket.ReceiveTimeout = 200;
Console.WriteLine(((IPEndPoint)socket.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture));
Console.Out.Flush();

var ssrcs = new uint[maxPackets];
var stamps = new uint[maxPackets];
var arrivals = new long[maxPackets];
var n = 0;
long received = 0;
var buffer = new byte[2048];
long measureFrom = long.MaxValue, end = long.MaxValue;
var control = new Thread(() =>
{
    while (Console.ReadLine() is { } line)
    {
        if (line == "start") Interlocked.Exchange(ref measureFrom, Stopwatch.GetTimestamp());
        if (line == "stop") break;
    }
    Interlocked.Exchange(ref end, Stopwatch.GetTimestamp());
}) { IsBackground = true };
control.Start();
while (true)
{
    int length;
    try
    {
        length = socket.Receive(buffer);
    }
    catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
    {
        length = 0;
    }
    var now = Stopwatch.GetTimestamp();
    if (now >= Interlocked.Read(ref end)) break;
    if (length < 12 || now < Interlocked.Read(ref measureFrom)) continue;
    received++;
    if ((buffer[1] & 0x7f) is not (0 or 8) || n == maxPackets) continue; // audio only: telephone-events reuse timestamps
    ssrcs[n] = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(8));
    stamps[n] = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(4));
    arrivals[n] = now;
    n++;
}

// Offset of each packet from its stream's clock; the stream's median offset is "on time" (the earliest packet would make
// one early outlier, or a phase change of the sender, count against every other packet).
var first = new Dictionary<uint, (uint Stamp, long Arrival)>();
var perStream = new Dictionary<uint, List<double>>();
var offsets = new double[n];
for (var i = 0; i < n; i++)
{
    if (!first.TryGetValue(ssrcs[i], out var f)) first[ssrcs[i]] = f = (stamps[i], arrivals[i]);
    var ideal = (int)(stamps[i] - f.Stamp) / 8000.0;
    offsets[i] = ((arrivals[i] - f.Arrival) / (double)Stopwatch.Frequency) - ideal;
    if (!perStream.TryGetValue(ssrcs[i], out var list)) perStream[ssrcs[i]] = list = [];
    list.Add(offsets[i]);
}
var median = perStream.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ElementAt(kv.Value.Count / 2));

// Inter-arrival gaps per stream (audio packets adjacent in arrival order): a paced stream keeps them near 20 ms.
var previous = new Dictionary<uint, long>();
long gaps = 0, gapsNear20 = 0, gapsUnder5 = 0;
for (var i = 0; i < n; i++)
{
    if (previous.TryGetValue(ssrcs[i], out var p))
    {
        var gap = (arrivals[i] - p) * 1000.0 / Stopwatch.Frequency;
        gaps++;
        if (gap is >= 15 and <= 25) gapsNear20++;
        if (gap < 5) gapsUnder5++;
    }
    previous[ssrcs[i]] = arrivals[i];
}
var late = new double[n];
for (var i = 0; i < n; i++) late[i] = Math.Abs(offsets[i] - median[ssrcs[i]]);
Array.Sort(late);
double Pct(double p) => n == 0 ? 0 : late[Math.Min(n - 1, (int)(p * n))];
var within = late.Count(l => l <= 0.005);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sink: packets={received} audio={n} streams={perStream.Count} pps={received / ((end - measureFrom) / (double)Stopwatch.Frequency):F0} within5ms={(n == 0 ? 0 : 100.0 * within / n):F3}% p50={Pct(0.5) * 1000:F2}ms p99={Pct(0.99) * 1000:F2}ms p999={Pct(0.999) * 1000:F2}ms max={(n == 0 ? 0 : late[^1] * 1000):F2}ms; gaps 15-25 ms: {(gaps == 0 ? 0 : 100.0 * gapsNear20 / gaps):F2}%, under 5 ms: {(gaps == 0 ? 0 : 100.0 * gapsUnder5 / gaps):F2}%"));

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
