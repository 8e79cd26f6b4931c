using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ccgw.Prometheus.Tests;

public sealed class ConformanceTests
{
    private const string Promtool = "/usr/bin/promtool";

    [SkippableFact]
    public async Task Promtool_accepts_every_kind_plus_process_metrics_without_lint_complaints()
    {
        Skip.IfNot(File.Exists(Promtool), $"{Promtool} not installed (Debian package 'prometheus'); conformance against the real parser skipped");
        using var harness = new ExporterHarness(maxSeries: 2, processMetrics: true);
        var meter = harness.Meter;
        meter.CreateCounter<long>("ccgw.sip.requests", "{request}", "SIP requests.").Add(3, new("method", "INVITE"), new("transport", "udp"));
        meter.CreateCounter<long>("ccgw.capped", null, "Capped.").Add(1, new KeyValuePair<string, object?>("id", 1));
        meter.CreateCounter<long>("ccgw.capped", null, "Capped.").Add(1, new KeyValuePair<string, object?>("id", 2));
        meter.CreateCounter<long>("ccgw.capped", null, "Capped.").Add(1, new KeyValuePair<string, object?>("id", 3));
        meter.CreateObservableCounter("ccgw.media.sent", () => 1500L, "By", "Bytes sent.");
        meter.CreateUpDownCounter<int>("ccgw.calls.active", "{call}", "Active calls.").Add(2);
        meter.CreateObservableUpDownCounter("ccgw.queue.waiting", () => 4, "{call}", "Waiting.");
        meter.CreateGauge<double>("ccgw.queue.depth", null, "Depth.").Record(double.NaN);
        meter.CreateObservableGauge("ccgw.trunk.utilization", () => 0.5, "1", "Utilisation.");
        var histogram = meter.CreateHistogram<double>("ccgw.call.setup.duration", "ms", "Setup \"time\"\nwith \\ escapes.");
        histogram.Record(120, new KeyValuePair<string, object?>("reason", "quote \" back \\ newline \n"));
        histogram.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("reason", "inf"));

        // Shapes the daemon also exports from ASP.NET Core's own meters (dotted OTel tag names, int tag values).
        meter.CreateHistogram<double>("http.server.request.duration", "s", "Duration of HTTP server requests.", null,
                new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] })
            .Record(0.012, new("http.request.method", "GET"), new("http.response.status_code", 200), new("http.route", "/calls/{id}"));
        meter.CreateUpDownCounter<long>("kestrel.active_connections", "{connection}", "Active connections.").Add(1, new KeyValuePair<string, object?>("network.transport", "tcp"));

        var text = harness.Render();
        var (exitCode, output) = await RunPromtoolAsync(text);

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool exit {exitCode}: {output}\n--- input ---\n{text}");
        Assert.Contains("ccgw_exporter_series_dropped_total", text, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunPromtoolAsync(string input)
    {
        var start = new ProcessStartInfo(Promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start");
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var stdout = process.StandardOutput.ReadToEndAsync(hang.Token);
        var stderr = process.StandardError.ReadToEndAsync(hang.Token);
        await process.StandardInput.WriteAsync(input.AsMemory(), hang.Token);
        process.StandardInput.Close();
        await process.WaitForExitAsync(hang.Token);
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
