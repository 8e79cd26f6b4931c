using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Ccgw.Bench.Mqtt -- --filter '*' [--job short] [--inProcess]
BenchmarkSwitcher.FromAssembly(typeof(Ccgw.Bench.Mqtt.CodecBenchmarks).Assembly).Run(args);
