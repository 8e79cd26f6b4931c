using BenchmarkDotNet.Attributes;
using Ccgw.Mqtt;

namespace Ccgw.Bench.Mqtt;

/// <summary>Matching one topic against 10,000 subscriptions shaped like a contact centre's consoles and wallboards.</summary>
[MemoryDiagnoser]
public class TopicMatchBenchmarks
{
    private readonly TopicTree<int> _tree = new();
    private readonly List<int> _results = new(64);

    [Params(10_000)]
    public int Subscriptions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Subscriptions; i++)
        {
            var filter = (i % 10) switch
            {
                0 => "ccgw/queues/#",
                1 => $"ccgw/queues/q{i % 50}/stats",
                2 => "ccgw/center/#",
                3 => "ccgw/agents/+/presence",
                _ => $"ccgw/agents/agent{i}/#",
            };
            _tree.Add(filter, i);
        }
    }

    [Benchmark]
    public int MatchAgentPresence()
    {
        _results.Clear();
        _tree.Match("ccgw/agents/agent4004/presence", _results);
        return _results.Count;
    }

    [Benchmark]
    public int MatchQueueStats()
    {
        _results.Clear();
        _tree.Match("ccgw/queues/q11/stats", _results);
        return _results.Count;
    }
}
