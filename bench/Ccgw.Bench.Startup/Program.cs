using System.Diagnostics;
using System.Globalization;
using Ccgw.Testing;

// bench/startup: time from exec to READY=1 (sd_notify) and resident memory after 10 s idle, median of N runs.
// Goal (issue 2): READY under 1.5 s, idle RSS under 80 MB. Run: dotnet run -c Release --project bench/Ccgw.Bench.Startup [-- runs]
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var idle = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10);
var ready = new List<double>();
var rss = new List<double>();
for (var i = 0; i < runs; i++)
{
    var root = DaemonUnderTest.NewRoot();
    var clock = Stopwatch.StartNew();
    var daemon = await DaemonUnderTest.StartAsync(reuseRoot: root);
    var readyMs = clock.Elapsed.TotalMilliseconds;
    await Task.Delay(idle);
    var rssMb = ResidentMegabytes(daemon.Process.Id);
    await daemon.Process.SignalAsync("TERM");
    await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
    await daemon.DisposeAsync();
    daemon.DeleteRoot();
    ready.Add(readyMs);
    rss.Add(rssMb);
    Console.WriteLine($"run {i + 1}: READY after {readyMs:F0} ms, RSS after {idle.TotalSeconds:F0} s idle {rssMb:F1} MB");
}
Console.WriteLine($"median of {runs}: READY {Median(ready):F0} ms (goal < 1500), idle RSS {Median(rss):F1} MB (goal < 80)");

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
