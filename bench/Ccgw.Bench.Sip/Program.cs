using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Ccgw.Bench.Sip.SipCodecBenchmarks).Assembly).Run(args);
