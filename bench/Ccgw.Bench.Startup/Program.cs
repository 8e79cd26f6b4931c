using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ccgw.Testing;

// bench/startup: time from exec to READY=1 (sd_notify) and resident memory after 10 s idle, median of N runs.
// Goal (issue 2): READY under 1.5 s, idle RSS under 80 MB. Run: dotnet run -c Release --project bench/Ccgw.Bench.Startup [-- runs [idle-seconds]]
// Issue 21 (scale of the directory): add `--agents N --queues M` to generate that many agents and queues into the demo
// config, and `--restart` to start once on a fresh data directory (the first start seeds the store and derives every
// password) and then measure the restarts on that same directory, the case an appliance lives in.
// `--env NAME=VALUE` (repeatable) sets a variable for the daemon, e.g. `--env DOTNET_GCgen0size=0x1000000` to compare
// GC settings against the shipped ones in the same run; `--env NAME=` removes one the bench would set.
// Example: dotnet run -c Release --project bench/Ccgw.Bench.Startup -- 3 10 --agents 10000 --queues 1000 --restart
var positional = new List<string>();
var agents = 0;
var queues = 0;
var restart = false;
var environment = new Dictionary<string, string?>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--agents": agents = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--queues": queues = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--restart": restart = true; break;
        case "--env":
            var pair = args[++i].Split('=', 2);
            environment[pair[0]] = pair.Length > 1 && pair[1].Length > 0 ? pair[1] : null;
            break;
        default: positional.Add(args[i]); break;
    }
}
var runs = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 5;
var idle = TimeSpan.FromSeconds(positional.Count > 1 ? double.Parse(positional[1], CultureInfo.InvariantCulture) : 10);
var ready = new List<double>();
var rss = new List<double>();
var heap = new List<double>();
string? sharedRoot = null;
var configuredAgents = 0;
var configuredQueues = 0;
if (restart)
{
    sharedRoot = NewRoot(agents, queues, out configuredAgents, out configuredQueues);
    var clock = Stopwatch.StartNew();
    var first = await DaemonUnderTest.StartAsync(environment, reuseRoot: sharedRoot, readyTimeout: TimeSpan.FromMinutes(10));
    var seedMs = clock.Elapsed.TotalMilliseconds;
    await StopAsync(first);
    Console.WriteLine($"first start (seeds the store, derives every password): READY after {seedMs:F0} ms");
}
for (var i = 0; i < runs; i++)
{
    var root = sharedRoot ?? NewRoot(agents, queues, out configuredAgents, out configuredQueues);
    var clock = Stopwatch.StartNew();
    var daemon = await DaemonUnderTest.StartAsync(environment, reuseRoot: root, readyTimeout: TimeSpan.FromMinutes(10));
    var readyMs = clock.Elapsed.TotalMilliseconds;
    double cpuMs, rssMb, heapMb;
    try
    {
        cpuMs = CpuMilliseconds(daemon.Process.Id);
        await Task.Delay(idle);
        rssMb = ResidentMegabytes(daemon.Process.Id);
        heapMb = await ManagedHeapMegabytesAsync(daemon);
    }
    finally
    {
        // Stopped whatever happens: a bench that dies must not leave its daemon running on a shared machine.
        await StopAsync(daemon);
    }
    if (sharedRoot is null) daemon.DeleteRoot();
    ready.Add(readyMs);
    rss.Add(rssMb);
    heap.Add(heapMb);
    Console.WriteLine($"run {i + 1}: READY after {readyMs:F0} ms, RSS after {idle.TotalSeconds:F0} s idle {rssMb:F1} MB");
    Console.WriteLine($"run {i + 1}: agents {configuredAgents}, queues {configuredQueues}, start-to-ready {readyMs:F0} ms, managed heap {heapMb:F1} MB, "
        + $"heap per agent {PerAgentKb(heapMb):F1} KB, RSS {rssMb:F1} MB, CPU to ready {cpuMs:F0} ms");
}
if (sharedRoot is not null) Directory.Delete(sharedRoot, recursive: true);
Console.WriteLine($"median of {runs}: READY {Median(ready):F0} ms (goal < 1500), idle RSS {Median(rss):F1} MB (goal < 80)");
Console.WriteLine($"median of {runs}: agents {configuredAgents}, queues {configuredQueues}, start-to-ready {Median(ready):F0} ms, managed heap {Median(heap):F1} MB, "
    + $"heap per agent {PerAgentKb(Median(heap)):F1} KB (goal < 10), RSS {Median(rss):F1} MB");

double PerAgentKb(double heapMb) => configuredAgents == 0 ? double.NaN : heapMb * 1024 / configuredAgents;

static async Task StopAsync(DaemonUnderTest daemon)
{
    await daemon.Process.SignalAsync("TERM");
    await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
    await daemon.DisposeAsync();
}

// The demo config plus generated agents (agent-00001…, each with a password, two skills and the usual capacity) and
// queues (queue-0001…, each asking for one of the generated skills), so that every queue has agents to route to.
static string NewRoot(int agents, int queues, out int totalAgents, out int totalQueues)
{
    var root = DaemonUnderTest.NewRoot();
    var path = Path.Combine(root, "config", "ccgw.json");
    var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    var agentList = config["Agents"]!.AsArray();
    var queueList = config["Queues"]!.AsArray();
    var skills = Math.Max(1, queues);
    for (var a = 1; a <= agents; a++)
    {
        var id = $"agent-{a:D5}";
        agentList.Add(new JsonObject
        {
            ["Id"] = id,
            ["Name"] = $"Agent {a}",
            ["Password"] = $"pw-{id}-secret",
            ["Skills"] = new JsonObject { [$"skill-{a % skills:D4}"] = 5, [$"skill-{(a * 7) % skills:D4}"] = 3 },
            ["Capacity"] = new JsonObject { ["Voice"] = 1, ["Im"] = 3, ["Callback"] = 1 },
        });
    }
    for (var q = 1; q <= queues; q++)
    {
        queueList.Add(new JsonObject
        {
            ["Id"] = $"queue-{q:D4}",
            ["Name"] = $"Queue {q}",
            ["Skills"] = new JsonObject { [$"skill-{q % skills:D4}"] = 1 },
            ["Priority"] = 5,
            ["ServiceLevel"] = new JsonObject { ["Seconds"] = 20, ["Target"] = 0.8 },
        });
    }
    File.WriteAllText(path, config.ToJsonString());
    totalAgents = agentList.Count;
    totalQueues = queueList.Count;
    return root;
}

// dotnet_total_memory_bytes (GC.GetTotalMemory without a collection) from the daemon's own /metrics.
static async Task<double> ManagedHeapMegabytesAsync(DaemonUnderTest daemon)
{
    string text;
    try
    {
        text = await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        Console.WriteLine($"managed heap not read (/metrics: {e.Message}); reported as NaN");
        return double.NaN;
    }
    foreach (var line in text.Split('\n'))
        if (line.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal))
            return double.Parse(line["dotnet_total_memory_bytes ".Length..], CultureInfo.InvariantCulture) / (1024 * 1024);
    return double.NaN;
}

// utime + stime of the daemon so far (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms): what the start cost,
// which a loaded machine does not inflate the way it inflates the wall-clock time.
static double CpuMilliseconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static double ResidentMegabytes(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    return double.NaN;
}
