using System.Globalization;
using System.Text.RegularExpressions;

namespace Ccgw.Prometheus.Tests;

public sealed partial class ConcurrencyTests
{
    private const int Writers = 4;
    private const int PerWriter = 20_000;

    [GeneratedRegex("^ccgw_load_total\\{method=\"\\w+\"\\} (\\S+)$", RegexOptions.Multiline)]
    private static partial Regex CounterLine();

    [GeneratedRegex("^ccgw_load_latency_bucket\\{le=\"\\+Inf\"\\} (\\d+)$", RegexOptions.Multiline)]
    private static partial Regex InfBucket();

    [GeneratedRegex("^ccgw_load_latency_count (\\d+)$", RegexOptions.Multiline)]
    private static partial Regex CountLine();

    [Fact]
    public async Task Totals_add_up_when_recording_from_several_threads_while_rendering()
    {
        using var harness = new ExporterHarness();
        var counter = harness.Meter.CreateCounter<long>("ccgw.load", null, "Load.");
        var histogram = harness.Meter.CreateHistogram<double>("ccgw.load.latency", null, "Latency.");
        string[] methods = ["INVITE", "BYE", "OPTIONS"];

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("method", methods[(i + w) % methods.Length]));
                histogram.Record(i % 20);
            }
        })).ToArray();

        var renders = 0;
        var lastTotal = 0.0;
        while (!writers.All(t => t.IsCompleted) || renders == 0)
        {
            var snapshot = harness.Render();
            renders++;
            ExpositionGrammar.AssertValid(snapshot);
            // Every scrape is internally consistent and counters never go backwards.
            Assert.Equal(Single(InfBucket(), snapshot), Single(CountLine(), snapshot));
            var total = Sum(snapshot);
            Assert.True(total >= lastTotal, $"counter went backwards: {lastTotal} -> {total}");
            lastTotal = total;
            await Task.Yield();
        }
        await Task.WhenAll(writers);

        var final = harness.Render();
        Assert.Equal(Writers * PerWriter, Sum(final));
        Assert.Equal(Writers * PerWriter, Single(CountLine(), final));
    }

    private static double Sum(string text) =>
        CounterLine().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    private static long Single(Regex regex, string text)
    {
        var match = regex.Match(text);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
