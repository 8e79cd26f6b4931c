namespace Ccgw.Prometheus.Tests;

public sealed class SeriesKeyTests
{
    [Fact]
    public void Stack_and_heap_encodings_agree_and_ignore_tag_order()
    {
        KeyValuePair<string, object?>[] tags = [new("status", 200), new("method", "INVITE"), new("ok", true), new("none", null)];
        KeyValuePair<string, object?>[] reordered = [tags[2], tags[0], tags[3], tags[1]];
        var buffer = new char[256];

        Assert.True(SeriesKey.TryWrite(tags, buffer, out var length));

        Assert.Equal(SeriesKey.Build(tags), new string(buffer, 0, length));
        Assert.Equal(SeriesKey.Build(tags), SeriesKey.Build(reordered));
    }

    [Fact]
    public void Length_prefixes_keep_ambiguous_concatenations_apart()
    {
        KeyValuePair<string, object?>[] first = [new("a", "bc")];
        KeyValuePair<string, object?>[] second = [new("ab", "c")];

        Assert.NotEqual(SeriesKey.Build(first), SeriesKey.Build(second));
    }

    [Fact]
    public void Tag_values_too_long_for_the_stack_key_still_map_to_one_series_each()
    {
        using var harness = new ExporterHarness();
        var counter = harness.Meter.CreateCounter<int>("ccgw.long", null, "Long.");
        var first = new string('x', 5_000);
        var second = new string('x', 4_999) + "y";

        counter.Add(1, new KeyValuePair<string, object?>("v", first));
        counter.Add(1, new KeyValuePair<string, object?>("v", first));
        counter.Add(1, new KeyValuePair<string, object?>("v", second));

        var text = harness.Render();
        Assert.Contains($"ccgw_long_total{{v=\"{first}\"}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"ccgw_long_total{{v=\"{second}\"}} 1\n", text, StringComparison.Ordinal);
    }
}
