using System.Globalization;
using System.Text.RegularExpressions;

namespace Ccgw.Prometheus.Tests;

public sealed class ProcessMetricsTests
{
    [Fact]
    public void Process_and_runtime_families_are_present_with_plausible_values()
    {
        using var harness = new ExporterHarness(processMetrics: true);

        var text = harness.Render();

        ExpositionGrammar.AssertValid(text);
        Assert.True(Value(text, "process_cpu_seconds_total") > 0);
        Assert.True(Value(text, "process_resident_memory_bytes") > 1_000_000);
        var start = DateTimeOffset.FromUnixTimeMilliseconds((long)(Value(text, "process_start_time_seconds") * 1000));
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        Assert.True(Math.Abs((start - self.StartTime.ToUniversalTime()).TotalSeconds) < 1, $"start time {start}");
        Assert.Contains("# TYPE dotnet_collection_count_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_collection_count_total{generation=\"0\"} ", text, StringComparison.Ordinal);
        Assert.True(Value(text, "dotnet_threadpool_threads") >= 0);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(Value(text, "process_open_fds") >= 3);
            Assert.True(Value(text, "process_max_fds") >= Value(text, "process_open_fds"));
            Assert.True(Value(text, "process_threads") >= 1);
            Assert.True(Value(text, "process_virtual_memory_bytes") >= Value(text, "process_resident_memory_bytes"));
        }
    }

    [Fact]
    public void Process_metrics_can_be_switched_off()
    {
        using var harness = new ExporterHarness(processMetrics: false);
        Assert.Equal("", harness.Render());
    }

    private static double Value(string text, string name)
    {
        var match = Regex.Match(text, $"^{name} (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} missing");
        return match.Groups[1].Value switch
        {
            "+Inf" => double.PositiveInfinity,
            var v => double.Parse(v, CultureInfo.InvariantCulture),
        };
    }
}
