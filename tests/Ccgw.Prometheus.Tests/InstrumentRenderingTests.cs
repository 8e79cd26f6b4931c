using System.Diagnostics.Metrics;

namespace Ccgw.Prometheus.Tests;

public sealed class InstrumentRenderingTests
{
    [Fact]
    public void Counter_renders_total_family_with_one_series_per_tag_set()
    {
        using var harness = new ExporterHarness();
        var counter = harness.Meter.CreateCounter<long>("ccgw.sip.requests", "{request}", "SIP requests received.");
        counter.Add(3, new KeyValuePair<string, object?>("method", "INVITE"));
        counter.Add(2, new KeyValuePair<string, object?>("method", "INVITE"));
        counter.Add(1, new KeyValuePair<string, object?>("method", "BYE"));
        counter.Add(4);
        counter.Add(-7); // ignored: counters are monotonic

        Assert.Equal(
            """
            # HELP ccgw_sip_requests_total SIP requests received.
            # TYPE ccgw_sip_requests_total counter
            ccgw_sip_requests_total{method="INVITE"} 5
            ccgw_sip_requests_total{method="BYE"} 1
            ccgw_sip_requests_total 4

            """, harness.Render());
    }

    [Fact]
    public void Tags_are_sorted_by_label_name_regardless_of_recording_order()
    {
        using var harness = new ExporterHarness();
        var counter = harness.Meter.CreateCounter<int>("ccgw.sip.responses", null, "Responses.");
        counter.Add(1, new("status", 200), new("method", "INVITE"));
        counter.Add(1, new("method", "INVITE"), new("status", 200));

        Assert.Equal(
            """
            # HELP ccgw_sip_responses_total Responses.
            # TYPE ccgw_sip_responses_total counter
            ccgw_sip_responses_total{method="INVITE",status="200"} 2

            """, harness.Render());
    }

    [Fact]
    public void Observable_counter_reports_the_observed_cumulative_value()
    {
        using var harness = new ExporterHarness();
        long sent = 0;
        harness.Meter.CreateObservableCounter("ccgw.media.sent", () => sent, "By", "RTP payload bytes sent.");
        sent = 1500;

        Assert.Equal(
            """
            # HELP ccgw_media_sent_bytes_total RTP payload bytes sent.
            # TYPE ccgw_media_sent_bytes_total counter
            ccgw_media_sent_bytes_total 1500

            """, harness.Render());
    }

    [Fact]
    public void UpDownCounter_renders_gauge_holding_the_running_sum()
    {
        using var harness = new ExporterHarness();
        var active = harness.Meter.CreateUpDownCounter<int>("ccgw.calls.active", "{call}", "Calls in progress.");
        active.Add(5);
        active.Add(-2);
        harness.Meter.CreateUpDownCounter<double>("ccgw.calls.poisoned", null, "Poison.").Add(double.NaN); // ignored

        Assert.Equal(
            """
            # HELP ccgw_calls_active Calls in progress.
            # TYPE ccgw_calls_active gauge
            ccgw_calls_active 3
            # HELP ccgw_calls_poisoned Poison.
            # TYPE ccgw_calls_poisoned gauge

            """, harness.Render());
    }

    [Fact]
    public void Observable_updown_counter_renders_gauge()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateObservableUpDownCounter("ccgw.queue.waiting", () => new Measurement<int>(-1, new KeyValuePair<string, object?>("queue", "sales")), "{call}", "Waiting calls.");

        Assert.Equal(
            """
            # HELP ccgw_queue_waiting Waiting calls.
            # TYPE ccgw_queue_waiting gauge
            ccgw_queue_waiting{queue="sales"} -1

            """, harness.Render());
    }

    [Fact]
    public void Synchronous_gauge_keeps_the_last_value()
    {
        using var harness = new ExporterHarness();
        var depth = harness.Meter.CreateGauge<double>("ccgw.queue.depth", null, "Queue depth.");
        depth.Record(7);
        depth.Record(4.5);

        Assert.Equal(
            """
            # HELP ccgw_queue_depth Queue depth.
            # TYPE ccgw_queue_depth gauge
            ccgw_queue_depth 4.5

            """, harness.Render());
    }

    [Fact]
    public void Observable_gauge_with_unit_one_gets_ratio_suffix_and_stale_series_disappear()
    {
        using var harness = new ExporterHarness();
        var trunks = new List<Measurement<double>> { new(0.25, new KeyValuePair<string, object?>("trunk", "a")), new(1, new KeyValuePair<string, object?>("trunk", "b")) };
        harness.Meter.CreateObservableGauge("ccgw.trunk.utilization", () => trunks.ToArray(), "1", "Trunk channel utilisation.");

        Assert.Equal(
            """
            # HELP ccgw_trunk_utilization_ratio Trunk channel utilisation.
            # TYPE ccgw_trunk_utilization_ratio gauge
            ccgw_trunk_utilization_ratio{trunk="a"} 0.25
            ccgw_trunk_utilization_ratio{trunk="b"} 1

            """, harness.Render());

        trunks.RemoveAt(0);
        Assert.Equal(
            """
            # HELP ccgw_trunk_utilization_ratio Trunk channel utilisation.
            # TYPE ccgw_trunk_utilization_ratio gauge
            ccgw_trunk_utilization_ratio{trunk="b"} 1

            """, harness.Render());
    }

    [Fact]
    public void Histogram_uses_advised_buckets_inclusive_upper_bounds_and_cumulative_counts()
    {
        using var harness = new ExporterHarness();
        var setup = harness.Meter.CreateHistogram<double>("ccgw.call.setup.duration", "s", "Call setup time.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2] });
        foreach (var seconds in new[] { 0.25, 0.5, 0.75, 3 }) setup.Record(seconds, new KeyValuePair<string, object?>("trunk", "a"));

        Assert.Equal(
            """
            # HELP ccgw_call_setup_duration_seconds Call setup time.
            # TYPE ccgw_call_setup_duration_seconds histogram
            ccgw_call_setup_duration_seconds_bucket{trunk="a",le="0.5"} 2
            ccgw_call_setup_duration_seconds_bucket{trunk="a",le="1"} 3
            ccgw_call_setup_duration_seconds_bucket{trunk="a",le="2"} 3
            ccgw_call_setup_duration_seconds_bucket{trunk="a",le="+Inf"} 4
            ccgw_call_setup_duration_seconds_sum{trunk="a"} 4.5
            ccgw_call_setup_duration_seconds_count{trunk="a"} 4

            """, harness.Render());
    }

    [Fact]
    public void Millisecond_histogram_is_exported_in_seconds_with_default_time_buckets()
    {
        using var harness = new ExporterHarness();
        var jitter = harness.Meter.CreateHistogram<int>("ccgw.rtp.jitter", "ms", "RTP jitter.");
        jitter.Record(250);
        jitter.Record(20_000);

        var text = harness.Render();

        Assert.Equal(
            """
            # HELP ccgw_rtp_jitter_seconds RTP jitter.
            # TYPE ccgw_rtp_jitter_seconds histogram
            ccgw_rtp_jitter_seconds_bucket{le="0.005"} 0
            ccgw_rtp_jitter_seconds_bucket{le="0.01"} 0
            ccgw_rtp_jitter_seconds_bucket{le="0.025"} 0
            ccgw_rtp_jitter_seconds_bucket{le="0.05"} 0
            ccgw_rtp_jitter_seconds_bucket{le="0.1"} 0
            ccgw_rtp_jitter_seconds_bucket{le="0.25"} 1
            ccgw_rtp_jitter_seconds_bucket{le="0.5"} 1
            ccgw_rtp_jitter_seconds_bucket{le="1"} 1
            ccgw_rtp_jitter_seconds_bucket{le="2.5"} 1
            ccgw_rtp_jitter_seconds_bucket{le="5"} 1
            ccgw_rtp_jitter_seconds_bucket{le="10"} 1
            ccgw_rtp_jitter_seconds_bucket{le="+Inf"} 2
            ccgw_rtp_jitter_seconds_sum 20.25
            ccgw_rtp_jitter_seconds_count 2

            """, text);
    }

    [Fact]
    public void Histogram_without_time_unit_uses_generic_default_buckets()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateHistogram<long>("ccgw.sip.message.size", "By", "SIP message size.").Record(600);

        var text = harness.Render();

        Assert.Contains("ccgw_sip_message_size_bytes_bucket{le=\"0\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("ccgw_sip_message_size_bytes_bucket{le=\"500\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("ccgw_sip_message_size_bytes_bucket{le=\"750\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ccgw_sip_message_size_bytes_bucket{le=\"10000\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_text_and_label_values_are_escaped_and_label_names_sanitised()
    {
        using var harness = new ExporterHarness();
        var counter = harness.Meter.CreateCounter<int>("ccgw.odd", null, "First line\nC:\\path \"quoted\"");
        counter.Add(1, new KeyValuePair<string, object?>("sip.header-name", "say \"hi\"\nback\\slash"));

        Assert.Equal(
            """
            # HELP ccgw_odd_total First line\nC:\\path "quoted"
            # TYPE ccgw_odd_total counter
            ccgw_odd_total{sip_header_name="say \"hi\"\nback\\slash"} 1

            """, harness.Render());
    }

    [Fact]
    public void Missing_description_falls_back_to_instrument_name_so_promtool_sees_help()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateCounter<int>("ccgw.undocumented").Add(1);

        Assert.StartsWith("# HELP ccgw_undocumented_total ccgw.undocumented\n", harness.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Special_floats_render_as_prometheus_literals()
    {
        using var harness = new ExporterHarness();
        var gauge = harness.Meter.CreateGauge<double>("ccgw.special", null, "Specials.");
        gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("k", "a"));
        gauge.Record(double.NegativeInfinity, new KeyValuePair<string, object?>("k", "b"));
        gauge.Record(double.NaN, new KeyValuePair<string, object?>("k", "c"));
        gauge.Record(1e-7, new KeyValuePair<string, object?>("k", "d"));

        Assert.Equal(
            """
            # HELP ccgw_special Specials.
            # TYPE ccgw_special gauge
            ccgw_special{k="a"} +Inf
            ccgw_special{k="b"} -Inf
            ccgw_special{k="c"} NaN
            ccgw_special{k="d"} 1E-07

            """, harness.Render());
    }

    [Fact]
    public void Colliding_label_names_merge_values_and_histogram_le_tag_is_renamed()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateCounter<int>("ccgw.collide", null, "c").Add(1, new("a_b", "y"), new("a.b", "x"));
        harness.Meter.CreateHistogram<int>("ccgw.le", null, "h", null, new InstrumentAdvice<int> { HistogramBucketBoundaries = [1] })
            .Record(1, new KeyValuePair<string, object?>("le", "user"));

        var text = harness.Render();

        Assert.Contains("ccgw_collide_total{a_b=\"x;y\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ccgw_le_bucket{le_=\"user\",le=\"1\"} 1\n", text, StringComparison.Ordinal);
        ExpositionGrammar.AssertValid(text);
    }

    [Fact]
    public void Non_string_tag_values_use_invariant_formatting()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateCounter<int>("ccgw.typed", null, "t").Add(1, new("ratio", 0.5), new("ok", true), new("none", null));

        Assert.Contains("ccgw_typed_total{none=\"\",ok=\"true\",ratio=\"0.5\"} 1\n", harness.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_to_a_stream_produces_the_same_bytes_as_Write()
    {
        using var harness = new ExporterHarness();
        harness.Meter.CreateCounter<int>("ccgw.stream", null, "s").Add(9);
        using var stream = new MemoryStream();

        await harness.Exporter.WriteAsync(stream);

        Assert.Equal(harness.Render(), System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", PrometheusExporter.ContentType);
    }
}
