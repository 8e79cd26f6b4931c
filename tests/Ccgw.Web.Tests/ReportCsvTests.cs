using Ccgw.Core.Reports;
using Ccgw.Web.Admin;

namespace Ccgw.Web.Tests;

/// <summary>CSV as RFC 4180 writes it, and report parameters refused by name.</summary>
public sealed class ReportCsvTests
{
    [Theory]
    [InlineData("sales", "sales")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("line\nfeed", "\"line\nfeed\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("@sum", "'@sum")]
    [InlineData("-12.5", "-12.5")]
    [InlineData("", "")]
    public void Fields_are_quoted_and_defused(string value, string written) => Assert.Equal(written, ReportCsv.Field(value));

    [Fact]
    public void A_queue_report_has_one_header_and_a_column_per_call_back_outcome()
    {
        var start = DateTimeOffset.Parse("2026-10-25T02:00:00+01:00");
        var rows = new[]
        {
            new QueueReportRow(start, start.AddHours(1), "sales, east", 3, 2, 1, 1, 0, 0, 0, 0.5, 12.25, 20, 2, 90, new Dictionary<string, int> { ["busy"] = 2 }),
            new QueueReportRow(start, start.AddHours(1), "billing", 0, 0, 0, 0, 0, 0, 0, null, null, null, 0, null, new Dictionary<string, int> { ["answered"] = 1 }),
        };
        var lines = ReportCsv.Queues(rows).Split("\r\n");
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
        Assert.EndsWith(",callbacks.answered,callbacks.busy", lines[0]);
        Assert.Equal("2026-10-25T02:00:00+01:00,2026-10-25T03:00:00+01:00,\"sales, east\",3,2,1,1,0,0,0,0.5,12.25,20,2,90,0,2", lines[1]);
        Assert.Equal("2026-10-25T02:00:00+01:00,2026-10-25T03:00:00+01:00,billing,0,0,0,0,0,0,0,,,,0,,1,0", lines[2]);
    }

    [Theory]
    [InlineData("2026-01-01", "2026-01-02", "hour", "Mars/Olympus", "json", "tz")]
    [InlineData("2026-01-01", "2026-01-02", "week", "UTC", "json", "interval")]
    [InlineData("2026-01-01", "2026-01-02", "hour", "UTC", "xml", "format")]
    [InlineData(null, "2026-01-02", "hour", "UTC", null, "from")]
    [InlineData("soon", "2026-01-02", "hour", "UTC", null, "from")]
    [InlineData("2026-01-01", null, "hour", "UTC", null, "to")]
    [InlineData("2026-01-02", "2026-01-01", "hour", "UTC", null, "to")]
    [InlineData("2025-01-01", "2026-06-01", "day", "UTC", null, "to")]
    [InlineData("2026-01-01", "2026-12-01", "15m", "UTC", null, "interval")]
    public void Bad_parameters_are_named(string? from, string? to, string? interval, string? tz, string? format, string parameter)
    {
        var request = ReportEndpoints.Parse(from, to, interval, tz, format);
        Assert.Null(request.Period);
        Assert.Equal(parameter, request.Parameter);
        Assert.False(string.IsNullOrEmpty(request.Problem));
    }

    [Fact]
    public void Good_parameters_make_a_period_in_the_zone()
    {
        var request = ReportEndpoints.Parse("2026-10-25", "2026-10-26", "hour", "Europe/Berlin", "csv");
        Assert.True(request.Csv);
        Assert.Equal(25, request.Period!.Slots.Count);
    }
}
