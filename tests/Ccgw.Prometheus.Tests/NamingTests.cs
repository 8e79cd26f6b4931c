namespace Ccgw.Prometheus.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("ccgw.sip.requests", "{request}", MetricKind.Counter, "ccgw_sip_requests_total")]
    [InlineData("ccgw.sip.requests.total", null, MetricKind.Counter, "ccgw_sip_requests_total")]
    [InlineData("ccgw.media.sent", "By", MetricKind.Counter, "ccgw_media_sent_bytes_total")]
    [InlineData("ccgw.media.bytes", "By", MetricKind.Counter, "ccgw_media_bytes_total")]
    [InlineData("ccgw.call.duration", "s", MetricKind.Histogram, "ccgw_call_duration_seconds")]
    [InlineData("ccgw.call.duration.seconds", "s", MetricKind.Histogram, "ccgw_call_duration_seconds")]
    [InlineData("ccgw.rtp.jitter", "ms", MetricKind.Histogram, "ccgw_rtp_jitter_seconds")]
    [InlineData("ccgw.cpu.time", "ns", MetricKind.Counter, "ccgw_cpu_time_seconds_total")]
    [InlineData("ccgw.trunk.utilization", "1", MetricKind.Gauge, "ccgw_trunk_utilization_ratio")]
    [InlineData("ccgw.events", "1", MetricKind.Counter, "ccgw_events_total")]
    [InlineData("ccgw.throughput", "By/s", MetricKind.Gauge, "ccgw_throughput_bytes_per_second")]
    [InlineData("ccgw.packets.rate", "{packet}/s", MetricKind.Gauge, "ccgw_packets_rate_per_second")]
    [InlineData("ccgw.temperature", "Cel", MetricKind.Gauge, "ccgw_temperature_celsius")]
    [InlineData("ccgw.widgets", "widgets", MetricKind.Gauge, "ccgw_widgets")]
    [InlineData("ccgw.odd", "Foo-Bar", MetricKind.Gauge, "ccgw_odd_foo_bar")]
    [InlineData("9lives", null, MetricKind.Gauge, "_9lives")]
    [InlineData("ccgw..weird--name:x", null, MetricKind.Gauge, "ccgw_weird_name_x")]
    [InlineData("", null, MetricKind.Gauge, "_")]
    internal void Family_name_follows_prometheus_conventions(string instrument, string? unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, MetricNaming.FamilyName(instrument, UnitMapping.For(unit, kind), kind));

    [Theory]
    [InlineData("ms", 1_000)]
    [InlineData("us", 1_000_000)]
    [InlineData("ns", 1_000_000_000)]
    [InlineData("s", 1)]
    [InlineData("By", 1)]
    public void Sub_second_units_are_converted_to_seconds(string unit, double divisor) =>
        Assert.Equal(divisor, UnitMapping.For(unit, MetricKind.Histogram).Divisor);

    [Theory]
    [InlineData("method", "method")]
    [InlineData("sip.method", "sip_method")]
    [InlineData("sip..method", "sip__method")]
    [InlineData("1st", "_1st")]
    [InlineData("__name__", "_name__")]
    [InlineData("__", "_")]
    [InlineData("", "_")]
    [InlineData("naïve", "na_ve")]
    public void Label_names_are_sanitised(string tag, string expected) =>
        Assert.Equal(expected, MetricNaming.SanitizeLabelName(tag));
}
