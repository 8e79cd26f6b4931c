using System.Diagnostics;
using System.Globalization;
using Ccgw.Bench.Consoles;
using Ccgw.Testing;

// Issue 19's benchmark: from a routing event to the change visible in the browser consoles, p50 and p99, with BROWSERS
// Chromium pages open (alice's agent console and the supervisor's wallboard, alternately) while MQTT consoles (MQTTnet
// clients, the load an office of desk tools puts on the broker) stay subscribed to alice's presence; then the daemon's
// idle CPU per console per minute. The daemon is pinned to CPU0, this process, Chromium and the MQTT consoles to CPU1.
// The event is alice's state change sent as a console command over MQTT (command -> routing core -> presence -> page);
// each page timestamps the DOM change itself (MutationObserver, performance.timeOrigin + now(): the same wall clock).
//   dotnet run -c Release --project bench/Ccgw.Bench.Consoles -- [--browsers 5] [--consoles 200] [--changes 200] [--idle-seconds 60] [--settle-seconds 30]
var inv = CultureInfo.InvariantCulture;
int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], inv) : fallback;
var browsers = Arg("--browsers", 5);
var consoles = Arg("--consoles", 200);
var changes = Arg("--changes", 200);
var idleSeconds = Arg("--idle-seconds", 60);
var settleSeconds = Arg("--settle-seconds", 30);

Pin.Self(1);
await using var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" });
Pin.Other(daemon.Process.Id, 0);
var ports = daemon.Listeners;
Console.WriteLine($"daemon pid {daemon.Process.Id} on CPU0; {browsers} browser consoles and {consoles} MQTT consoles on CPU1");

// Tiered JIT and start-up work go on for a while after READY: the idle baseline is taken after they settle.
await Task.Delay(TimeSpan.FromSeconds(settleSeconds));
var idleNone = await Idle.MeasureAsync(daemon.Process.Id, idleSeconds);
Console.WriteLine(string.Create(inv, $"idle, no console: daemon CPU {idleNone:F0} ms per minute"));

await using var mqtt = await MqttConsoles.ConnectAsync(ports.Mqtt, consoles);
await using var pages = await BrowserConsoles.OpenAsync(ports.Http, browsers);
await using var driver = await MqttConsoles.DriverAsync(ports.Mqtt);

var pageLatencies = new List<double>();
var mqttLatencies = new List<double>();
var missed = 0;
for (var i = 0; i < changes; i++)
{
    var reason = string.Create(inv, $"bench{i:D5}");
    mqtt.Expect(reason);
    var sentAt = Clock.EpochMilliseconds();
    await driver.NotReadyAsync(reason);
    var seen = await pages.WaitForAsync(reason, sentAt, TimeSpan.FromSeconds(10));
    missed += browsers - seen.Count;
    pageLatencies.AddRange(seen);
    mqttLatencies.AddRange(await mqtt.WaitAsync(sentAt, TimeSpan.FromSeconds(10)));
}
Console.WriteLine(string.Create(inv,
    $"routing event -> page ({browsers} pages, {changes} changes, {pageLatencies.Count} observations, {missed} missed): p50 {Percentile(pageLatencies, 0.50):F1} ms, p99 {Percentile(pageLatencies, 0.99):F1} ms, max {pageLatencies.DefaultIfEmpty().Max():F1} ms"));
Console.WriteLine(string.Create(inv,
    $"routing event -> MQTT console ({consoles} consoles, {mqttLatencies.Count} receipts of {consoles * changes}): p50 {Percentile(mqttLatencies, 0.50):F1} ms, p99 {Percentile(mqttLatencies, 0.99):F1} ms"));

await Task.Delay(TimeSpan.FromSeconds(settleSeconds));
var idleAll = await Idle.MeasureAsync(daemon.Process.Id, idleSeconds);
var all = browsers + consoles;
Console.WriteLine(string.Create(inv,
    $"idle, {browsers} browser + {consoles} MQTT consoles connected: daemon CPU {idleAll:F0} ms per minute; {(idleAll - idleNone) * 1000 / all:F1} µs per console per minute above the daemon's own idle"));
return 0;

static double Percentile(List<double> values, double q)
{
    if (values.Count == 0) return double.NaN;
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}

namespace Ccgw.Bench.Consoles
{
    internal static class Clock
    {
        public static double EpochMilliseconds() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
    }

    internal static class Pin
    {
        public static void Self(int cpu)
        {
            if (OperatingSystem.IsLinux()) System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = 1 << cpu;
        }

        /// <summary>Every thread of an already running process (taskset -a -p): the daemon was started from this pinned process.</summary>
        public static void Other(int pid, int cpu)
        {
            using var taskset = System.Diagnostics.Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cpu.ToString(CultureInfo.InvariantCulture), pid.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!;
            taskset.WaitForExit();
        }
    }

    internal static class Idle
    {
        /// <summary>The process's CPU time (utime + stime, all threads) over <paramref name="seconds"/>, scaled to a minute.</summary>
        public static async Task<double> MeasureAsync(int pid, int seconds)
        {
            var before = Ticks(pid);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            return (Ticks(pid) - before) * 10.0 * 60 / seconds; // USER_HZ 100: a tick is 10 ms
        }

        private static long Ticks(int pid)
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
    }
}
