using System.Diagnostics.Metrics;

namespace Ccgw.Prometheus.Tests;

public sealed class RegistryBehaviourTests
{
    [Fact]
    public void Series_beyond_the_cap_are_dropped_and_counted_per_metric()
    {
        using var harness = new ExporterHarness(maxSeries: 2);
        var counter = harness.Meter.CreateCounter<int>("ccgw.calls", null, "Calls.");
        for (var i = 0; i < 5; i++) counter.Add(1, new KeyValuePair<string, object?>("call_id", i));
        counter.Add(1, new KeyValuePair<string, object?>("call_id", 0)); // existing series still records

        Assert.Equal(
            """
            # HELP ccgw_calls_total Calls.
            # TYPE ccgw_calls_total counter
            ccgw_calls_total{call_id="0"} 2
            ccgw_calls_total{call_id="1"} 1
            # HELP ccgw_exporter_series_dropped_total Measurements dropped because the metric reached its series limit.
            # TYPE ccgw_exporter_series_dropped_total counter
            ccgw_exporter_series_dropped_total{metric="ccgw_calls_total"} 3

            """, harness.Render());
    }

    [Fact]
    public void Same_instrument_in_two_meters_shares_one_family()
    {
        using var first = new Meter("Ccgw.Dup");
        using var second = new Meter("Ccgw.Dup");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, first) || ReferenceEquals(m, second),
            new PrometheusExporterOptions { IncludeProcessMetrics = false });
        first.CreateCounter<int>("ccgw.dup", null, "Dup.").Add(2);
        second.CreateCounter<int>("ccgw.dup", null, "Dup.").Add(3);

        Assert.Equal(
            """
            # HELP ccgw_dup_total Dup.
            # TYPE ccgw_dup_total counter
            ccgw_dup_total 5

            """, Render(exporter));
    }

    [Fact]
    public void Instrument_whose_name_clashes_with_a_different_kind_is_refused_and_counted()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateCounter<int>("ccgw.clash", null, "Counter.").Add(1);
        harness.Meter.CreateUpDownCounter<int>("ccgw.clash.total", null, "Gauge.").Add(10);

        Assert.Equal(
            """
            # HELP ccgw_clash_total Counter.
            # TYPE ccgw_clash_total counter
            ccgw_clash_total 1
            # HELP ccgw_exporter_instrument_conflicts_total Instruments not exported because another instrument of a different shape has the same Prometheus name.
            # TYPE ccgw_exporter_instrument_conflicts_total counter
            ccgw_exporter_instrument_conflicts_total 1

            """, harness.Render());
    }

    [Fact]
    public void Disposed_meter_families_disappear()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateCounter<int>("ccgw.gone", null, "Gone.").Add(1);
        Assert.NotEqual("", harness.Render());

        harness.Meter.Dispose();

        Assert.Equal("", harness.Render());
    }

    [Fact]
    public void Throwing_observable_callback_is_counted_and_other_families_still_render()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateObservableGauge<int>("ccgw.broken", new Func<int>(() => throw new InvalidOperationException("boom")), null, "Broken.");
        harness.Meter.CreateCounter<int>("ccgw.fine", null, "Fine.").Add(1);

        var text = harness.Render();

        Assert.Contains("ccgw_fine_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ccgw_exporter_observation_errors_total 1\n", text, StringComparison.Ordinal);
        ExpositionGrammar.AssertValid(text);
    }

    [Fact]
    public void Prefix_filter_selects_the_named_meter_and_its_children_only()
    {
        var prefix = "Pfx" + Guid.NewGuid().ToString("N");
        using var exact = new Meter(prefix);
        using var child = new Meter(prefix + ".Sip");
        using var lookalike = new Meter(prefix + "Other");
        using var exporter = new PrometheusExporter(prefix, new PrometheusExporterOptions { IncludeProcessMetrics = false });
        exact.CreateCounter<int>("exact", null, "e").Add(1);
        child.CreateCounter<int>("child", null, "c").Add(1);
        lookalike.CreateCounter<int>("lookalike", null, "l").Add(1);

        var text = Render(exporter);

        Assert.Contains("exact_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("child_total 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("lookalike", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_after_dispose_throws_ObjectDisposedException()
    {
        var harness = new ExporterHarness();
        harness.Dispose();
        Assert.Throws<ObjectDisposedException>(() => harness.Render());
    }

    private static string Render(PrometheusExporter exporter)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        exporter.Write(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
