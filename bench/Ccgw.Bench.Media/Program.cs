using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// In-process: BenchmarkDotNet 0.14 cannot generate net10.0 projects here, and a short run keeps the shared box usable.
// dotnet run -c Release --project bench/Ccgw.Bench.Media -- --filter '*'
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Ccgw.Bench.Media.PacketBenchmarks).Assembly).Run(args, config);
