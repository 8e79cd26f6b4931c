using BenchmarkDotNet.Toolchains.InProcess.Emit;
using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Ccgw.Bench.Prometheus;

if (args is ["cpu", ..])
{
    // CPU time and bytes allocated per render, measured on this thread's processor time rather than the wall clock:
    // usable on a loaded shared box where BenchmarkDotNet's wall-clock figures are not.
    var renders = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    var ours = new ExporterBenchmarks();
    ours.Setup();
    await MeasureAsync("ccgw exporter: render 200 counter series + 1 histogram", renders, () => { ours.Render(); return Task.CompletedTask; });
    ours.Cleanup();
    var theirs = new PrometheusNetBenchmarks();
    theirs.Setup();
    await MeasureAsync("prometheus-net 8.2.1: the same families", renders, theirs.Render);
    return;
}

if (args is ["kpi", ..])
{
    // Issue 20: the KPI families of 50 queues and 1,000 agents.
    await KpiScrape.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000);
    return;
}

// In-process: BenchmarkDotNet 0.14 cannot generate net10.0 projects, and a short run keeps the shared box usable.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(ExporterBenchmarks).Assembly).Run(args, config);

static async Task MeasureAsync(string name, int renders, Func<Task> render)
{
    for (var i = 0; i < renders / 4; i++) await render(); // warm-up: tiered JIT
    var bytes = GC.GetAllocatedBytesForCurrentThread();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    for (var i = 0; i < renders; i++) await render();
    var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    var allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
    Console.WriteLine($"{name}: {used.TotalMicroseconds / renders:F1} us CPU, {(double)allocated / renders:F0} B allocated per render ({renders} renders)");
}
