using System.Diagnostics;
using System.Globalization;
using Ccgw.Bench.Routing;

// Dedicated harness rather than BenchmarkDotNet: the question is the latency distribution of single routing decisions
// against a large, steady state (10,000 agents, 100,000 waiting), which per-invocation timing answers directly.
if (args.Length > 0 && args[0] == "provisioning")
{
    // Issue 20: a provisioning change's latency to the first routing decision that uses it (ProvisioningLatency.cs).
    await ProvisioningLatency.RunAsync(agents: 1_000, queues: 50, waiting: 5_000, rounds: 300);
    return;
}

var agents = 10_000;
var waiting = 100_000;
var operations = 200_000;
var callbacks = 0;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--agents": agents = value; break;
        case "--waiting": waiting = value; break;
        case "--ops": operations = value; break;
        case "--callbacks": callbacks = value; break; // percent of arrivals that are call-backs competing in the queue
    }
}

Console.WriteLine($"routing decision benchmark: {agents} agents, {waiting} waiting, {callbacks}% call-backs, {operations} measured decisions per scenario, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");
var setup = Stopwatch.StartNew();
var bench = new DecisionBenchmark(agents, waiting, seed: 7, callbacks);
Console.WriteLine($"set-up {setup.Elapsed.TotalSeconds:0.0}s");
bench.AgentFreesUp(operations / 10).Discard();
bench.AgentFreesUp(operations).Print("agent frees up → picks best of the waiting interactions");
bench.ArrivalWithReadyAgents(operations / 10).Discard();
bench.ArrivalWithReadyAgents(operations).Print("interaction arrives → picks best ready agent");
bench.ArrivalAllBusy(operations).Print("interaction arrives, all eligible agents busy → queued");
