using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccgw.Bench.MqttLoad;
using Ccgw.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;

// Load tool (not a test): ccgw's broker, MQTTnet's server and the real daemon side by side with Debian's mosquitto on
// loopback, all measured with the same load generator (LoadClient).
// Servers run on CPU0 (taskset), this load generator on CPU1. See docs/mqtt.md for how to read the figures.
if (args is ["serve", var servePort])
{
    await BrokerHost.RunAsync(int.Parse(servePort, CultureInfo.InvariantCulture));
    return 0;
}
if (args is ["serve-mqttnet", var mqttnetPort])
{
    await MqttNetHost.RunAsync(int.Parse(mqttnetPort, CultureInfo.InvariantCulture));
    return 0;
}

var options = LoadOptions.Parse(args);
Process.GetCurrentProcess().ProcessorAffinity = 2; // CPU1
var inv = CultureInfo.InvariantCulture;
var self = typeof(LoadOptions).Assembly.Location;
var dir = Directory.CreateTempSubdirectory("ccgw-mqttload-").FullName;
File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
var passwd = Path.Combine(dir, "passwd");
await Run("mosquitto_passwd", "-c", "-b", passwd, "bench", "bench");
await Run("mosquitto_passwd", "-b", passwd, "alice", "demo-alice");
var mosquittoPort = FreePort();
await File.WriteAllTextAsync(Path.Combine(dir, "mosquitto.conf"),
    $"listener {mosquittoPort} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\npersistence false\nmax_inflight_messages 20\nmax_queued_messages 1000\nset_tcp_nodelay true\n");

var results = new List<string>();
Console.WriteLine($"subscribers {options.Subscribers}, messages per run {options.Messages}, payload {options.PayloadBytes} B; servers on CPU0, load on CPU1");

// Throughput: 1 publisher fanned out to N subscribers, QoS 0 and QoS 1.
var throughput = new Dictionary<(string, int), Throughput>();
var servers = new List<(string, Func<int, Task<ServerProcess>>)>
{
    ("mosquitto", port => ServerProcess.StartAsync("mosquitto", port, "/usr/sbin/mosquitto", ["-c", Path.Combine(dir, "mosquitto.conf")])),
    ("ccgw", port => ServerProcess.StartAsync("ccgw", port, "dotnet", [self, "serve", port.ToString(inv)])),
    ("mqttnet", port => ServerProcess.StartAsync("mqttnet", port, "dotnet", [self, "serve-mqttnet", port.ToString(inv)])),
};
// --baseline DIR: another build of this tool (a copy of its bin/Release/net10.0 from before a change) serves as
// "ccgw-before" in the same run, so before and after see the same machine load.
if (options.Baseline is { } baseline)
    servers.Add(("ccgw-before", port => ServerProcess.StartAsync("ccgw-before", port, "dotnet", [Path.Combine(baseline, "Ccgw.Bench.MqttLoad.dll"), "serve", port.ToString(inv)])));
servers.RemoveAll(s => options.Servers is { } only && !only.Contains(s.Item1));
foreach (var (name, start) in servers)
{
    var port = name == "mosquitto" ? mosquittoPort : FreePort();
    await using var server = await start(port);
    await Task.Delay(1000); // settle before the idle figure
    Console.WriteLine($"{name,-9} idle RSS {server.RssKilobytes() / 1024.0:F1} MiB");
    foreach (var qos in options.QosLevels)
    {
        var t = await Load.ThroughputAsync(server, "bench", "bench", options, qos, warmup: true);
        t = await Load.ThroughputAsync(server, "bench", "bench", options, qos, warmup: false);
        throughput[(name, qos)] = t;
        Console.WriteLine($"{name,-9} QoS {qos}: {t.DeliveredPerSecond,12:N0} deliveries/s ({t.Delivered:N0}/{t.Expected:N0} delivered in {t.Seconds:F2} s), " +
                          $"server CPU {t.CpuMicrosPerDelivery:F2} µs/delivery, {t.CpuMicrosPerPublish:F1} µs/published message, lost {t.Lost:N0}");
    }
}

foreach (var qos in options.QosLevels)
    foreach (var name in new[] { "ccgw", "mqttnet", "ccgw-before" })
        if (throughput.ContainsKey((name, qos)) && throughput.ContainsKey(("mosquitto", qos)))
            Console.WriteLine($"ratio {name}/mosquitto QoS {qos}: throughput {throughput[(name, qos)].DeliveredPerSecond / throughput[("mosquitto", qos)].DeliveredPerSecond:F2}x, " +
                          $"CPU per delivery {throughput[(name, qos)].CpuMicrosPerDelivery / throughput[("mosquitto", qos)].CpuMicrosPerDelivery:F2}x");
if (!options.Latency)
{
    Directory.Delete(dir, recursive: true);
    return 0;
}

// Latency: an agent state change to its receipt by N subscribed consoles.
var daemonRoot = Directory.CreateTempSubdirectory("ccgw-mqttload-daemon-").FullName;
CopyDirectory(Path.Combine(options.RepoRoot, "config"), Path.Combine(daemonRoot, "config"));
var daemonMqtt = FreePort();
var env = new Dictionary<string, string>
{
    ["CCGW__Data__Directory"] = Path.Combine(daemonRoot, "data"),
    ["CCGW__Listeners__Http__Port"] = FreePort().ToString(inv),
    ["CCGW__Listeners__SipUdp__Port"] = FreePort().ToString(inv),
    ["CCGW__Listeners__SipTcp__Port"] = FreePort().ToString(inv),
    ["CCGW__Listeners__Xmpp__Port"] = FreePort().ToString(inv),
    ["CCGW__Listeners__Mqtt__Port"] = daemonMqtt.ToString(inv),
    ["CCGW__Listeners__Rtp__PortMin"] = "41000",
    ["CCGW__Listeners__Rtp__PortMax"] = "41099",
    ["Logging__LogLevel__Default"] = "Warning",
};
var latency = new Dictionary<string, Latency>();
await using (var daemon = await ServerProcess.StartAsync("ccgw", daemonMqtt, "dotnet", [options.Daemon, "--config", Path.Combine(daemonRoot, "config", "ccgw.json")], env))
    latency["ccgw"] = await Load.LatencyAsync(daemon, options, viaCommand: true);
await using (var mosquitto = await ServerProcess.StartAsync("mosquitto", mosquittoPort, "/usr/sbin/mosquitto", ["-c", Path.Combine(dir, "mosquitto.conf")]))
    latency["mosquitto"] = await Load.LatencyAsync(mosquitto, options, viaCommand: false);
foreach (var (name, l) in latency)
    Console.WriteLine($"{name,-9} state change -> {options.Subscribers} consoles: p50 {l.P50:F2} ms, p99 {l.P99:F2} ms, max {l.Max:F2} ms ({l.Samples} receipts, {l.Changes} changes), server CPU {l.CpuMicrosPerChange:F0} µs/change");

Console.WriteLine();
Console.WriteLine($"ratio ccgw/mosquitto latency p99: {latency["ccgw"].P99 / latency["mosquitto"].P99:F2}x (ccgw includes the console command, the routing core and the publisher)");
Directory.Delete(dir, recursive: true);
Directory.Delete(daemonRoot, recursive: true);
return 0;

static int FreePort()
{
    using var l = new Socket(SocketType.Stream, ProtocolType.Tcp);
    l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)l.LocalEndPoint!).Port;
}

static async Task Run(string file, params string[] args)
{
    using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    await p.WaitForExitAsync(cts.Token);
    if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {await p.StandardError.ReadToEndAsync()}");
}

static void CopyDirectory(string from, string to)
{
    Directory.CreateDirectory(to);
    foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
}

internal sealed record LoadOptions(int Subscribers, int Messages, int PayloadBytes, int Changes, string Daemon, string RepoRoot, bool Latency = true)
{
    public int[] QosLevels { get; init; } = [0, 1];
    public string? Baseline { get; init; }
    public string[]? Servers { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var root = FindRoot();
        var o = new LoadOptions(100, 5000, 64, 200, Path.Combine(root, "src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll"), root);
        for (var i = 0; i + 1 < args.Length; i += 2)
            o = args[i] switch
            {
                "--subscribers" => o with { Subscribers = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--messages" => o with { Messages = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--changes" => o with { Changes = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--daemon" => o with { Daemon = args[i + 1] },
                "--latency" => o with { Latency = args[i + 1] != "no" },
                "--qos" => o with { QosLevels = [.. args[i + 1].Split(',').Select(q => int.Parse(q, CultureInfo.InvariantCulture))] },
                "--baseline" => o with { Baseline = args[i + 1] },
                "--servers" => o with { Servers = args[i + 1].Split(',') },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --subscribers N --messages N --changes N --daemon PATH/ccgw.dll --latency yes|no " +
                                                 "--qos 0,1 --baseline DIR (another build, run as ccgw-before) --servers mosquitto,ccgw,mqttnet,ccgw-before"),
            };
        return o;
    }

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "ContactCenterGateway.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }
}

internal sealed record Throughput(long Delivered, long Expected, double Seconds, long CpuMicros, int Published)
{
    public double DeliveredPerSecond => Delivered / Seconds;
    public double CpuMicrosPerDelivery => (double)CpuMicros / Math.Max(1, Delivered);
    public double CpuMicrosPerPublish => (double)CpuMicros / Math.Max(1, Published);
    public long Lost => Expected - Delivered;
}

internal sealed record Latency(double P50, double P99, double Max, int Samples, int Changes, double CpuMicrosPerChange);

internal static class Load
{
    private const int Window = 200;

    // The window of outstanding QoS 1 publishes is the harness's own (Window), not the client's.
    private static LoadClient Client(int port, string user, string password, string id) =>
        new(new LoadClientOptions { Host = "127.0.0.1", Port = port, UserName = user, Password = password, ClientId = id, KeepAlive = TimeSpan.FromSeconds(60), MaximumInflight = 1000 },
            TimeProvider.System, NullLogger<LoadClient>.Instance);

    private static async Task<(List<LoadClient> Clients, List<MqttLocalSubscription> Subs, CancellationTokenSource Stop, List<Task> Runs)> ConnectAsync(
        int port, string user, string password, string filter, int count, string prefix)
    {
        var stop = new CancellationTokenSource();
        var clients = new List<LoadClient>();
        var subs = new List<MqttLocalSubscription>();
        var runs = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var c = Client(port, user, password, $"{prefix}-{i}");
            subs.Add(c.Subscribe(filter, 1 << 20));
            clients.Add(c);
            runs.Add(c.RunAsync(stop.Token));
        }
        await Task.WhenAll(clients.Select(c => c.FirstConnection)).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(500); // SUBACKs
        return (clients, subs, stop, runs);
    }

    private static async Task CloseAsync(List<LoadClient> clients, CancellationTokenSource stop, List<Task> runs)
    {
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var c in clients) await c.DisposeAsync();
        stop.Dispose();
    }

    public static async Task<Throughput> ThroughputAsync(ServerProcess server, string user, string password, LoadOptions o, int qos, bool warmup)
    {
        var messages = warmup ? Math.Max(100, o.Messages / 10) : o.Messages;
        var topic = $"bench/load/{qos}";
        var (clients, subs, stop, runs) = await ConnectAsync(server.Port, user, password, topic, o.Subscribers, $"sub-{server.Name}-{qos}-{warmup}");
        long delivered = 0;
        var readers = subs.Select(s => Task.Run(async () =>
        {
            await foreach (var _ in s.Reader.ReadAllAsync(stop.Token)) Interlocked.Increment(ref delivered);
        })).ToList();
        await using var publisher = Client(server.Port, user, password, $"pub-{server.Name}-{qos}-{warmup}");
        using var pubStop = new CancellationTokenSource();
        var pubRun = publisher.RunAsync(pubStop.Token);
        await publisher.FirstConnection.WaitAsync(TimeSpan.FromSeconds(30));

        var payload = new byte[o.PayloadBytes];
        var cpu0 = server.CpuMicroseconds();
        var clock = Stopwatch.StartNew();
        var expected = (long)messages * o.Subscribers;
        // Windowed: at most Window messages outstanding per subscriber, so neither broker's per-client queue limit
        // (1000 for both) is reached and the figure is loss-free sustained throughput, not how fast one can drop.
        var lastProgress = clock.Elapsed;
        for (var sent = 0; sent < messages;)
        {
            var batch = Math.Min(Window, messages - sent);
            for (var i = 0; i < batch; i++)
                await publisher.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = payload, Qos = (MqttQualityOfService)qos }, CancellationToken.None);
            sent += batch;
            var target = (long)(sent - Window / 2) * o.Subscribers;
            var seen = Interlocked.Read(ref delivered);
            while (seen < target && clock.Elapsed - lastProgress < TimeSpan.FromSeconds(3))
            {
                await Task.Delay(1);
                var now = Interlocked.Read(ref delivered);
                if (now != seen) { seen = now; lastProgress = clock.Elapsed; }
            }
            if (seen < target) break; // stalled: report what arrived
        }
        long last = -1;
        var lastChange = clock.Elapsed;
        while (Interlocked.Read(ref delivered) < expected && clock.Elapsed - lastChange < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(1);
            var now = Interlocked.Read(ref delivered);
            if (now != last) { last = now; lastChange = clock.Elapsed; }
        }
        var seconds = (Interlocked.Read(ref delivered) < expected ? lastChange : clock.Elapsed).TotalSeconds;
        var cpu = server.CpuMicroseconds() - cpu0;
        await pubStop.CancelAsync();
        await pubRun;
        await CloseAsync(clients, stop, runs);
        await Task.WhenAll(readers).ContinueWith(static _ => { }, TaskScheduler.Default);
        return new Throughput(Interlocked.Read(ref delivered), expected, seconds, cpu, messages);
    }

    public static async Task<Latency> LatencyAsync(ServerProcess server, LoadOptions o, bool viaCommand)
    {
        const string presence = "ccgw/agents/alice/presence";
        var (clients, subs, stop, runs) = await ConnectAsync(server.Port, "alice", "demo-alice", presence, o.Subscribers, $"console-{server.Name}");
        var samples = new List<double>();
        var gate = new object();
        string? token = null;
        long sentAt = 0;
        var received = 0;
        TaskCompletionSource? all = null;
        var readers = subs.Select(s => Task.Run(async () =>
        {
            await foreach (var m in s.Reader.ReadAllAsync(stop.Token))
            {
                var at = Stopwatch.GetTimestamp();
                var text = Encoding.UTF8.GetString(m.Payload.Span);
                lock (gate)
                {
                    if (token is null || !text.Contains(token, StringComparison.Ordinal)) continue;
                    samples.Add(Stopwatch.GetElapsedTime(sentAt, at).TotalMilliseconds);
                    if (++received == o.Subscribers) all?.TrySetResult();
                }
            }
        })).ToList();
        await using var driver = Client(server.Port, "alice", "demo-alice", $"driver-{server.Name}");
        using var driverStop = new CancellationTokenSource();
        var driverRun = driver.RunAsync(driverStop.Token);
        await driver.FirstConnection.WaitAsync(TimeSpan.FromSeconds(30));

        var cpu0 = server.CpuMicroseconds();
        for (var i = 0; i < o.Changes; i++)
        {
            var reason = $"bench{i:D5}";
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                token = $"\"{reason}\"";
                received = 0;
                all = done;
                sentAt = Stopwatch.GetTimestamp();
            }
            var message = viaCommand
                ? new MqttApplicationMessage { Topic = "ccgw/agents/alice/commands", Payload = Encoding.UTF8.GetBytes($$"""{"action":"notReady","reason":"{{reason}}"}"""), Qos = MqttQualityOfService.AtLeastOnce }
                : new MqttApplicationMessage
                {
                    Topic = presence, Retain = true, Qos = MqttQualityOfService.AtLeastOnce,
                    Payload = Encoding.UTF8.GetBytes($$$"""{"agentId":"alice","state":"notReady","reason":"{{{reason}}}","since":"{{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}}}","channels":{"voice":{"load":0,"capacity":1},"im":{"load":0,"capacity":3}},"interactions":[],"lostDevices":[]}"""),
                };
            await driver.PublishAsync(message, CancellationToken.None);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        var cpu = server.CpuMicroseconds() - cpu0;
        await driverStop.CancelAsync();
        await driverRun;
        await CloseAsync(clients, stop, runs);
        await Task.WhenAll(readers).ContinueWith(static _ => { }, TaskScheduler.Default);
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        return new Latency(P(0.5), P(0.99), samples[^1], samples.Count, o.Changes, (double)cpu / o.Changes);
    }
}
