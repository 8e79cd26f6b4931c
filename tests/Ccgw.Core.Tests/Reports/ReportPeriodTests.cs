using Ccgw.Core.Reports;

namespace Ccgw.Core.Tests.Reports;

/// <summary>Interval boundaries on the zone's wall clock, across the clock changes of Europe/Berlin.</summary>
public sealed class ReportPeriodTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static DateTimeOffset Bound(string text, TimeZoneInfo zone)
    {
        Assert.True(ReportPeriod.TryParseBound(text, zone, out var at), text);
        return at;
    }

    [Fact]
    public void The_autumn_change_day_has_25_hours_and_the_repeated_hour_is_two_intervals()
    {
        var period = ReportPeriod.Create(Bound("2026-10-25", Berlin), Bound("2026-10-26", Berlin), ReportInterval.Hour, Berlin);

        Assert.Equal(25, period.Slots.Count);
        Assert.Equal(DateTimeOffset.Parse("2026-10-24T22:00:00Z"), period.From);
        Assert.Equal(DateTimeOffset.Parse("2026-10-25T23:00:00Z"), period.To);
        var starts = period.Slots.Select(s => ReportPeriod.Local(s.Start, Berlin).ToString("HH:mmzzz")).ToList();
        Assert.Equal(["02:00+02:00", "02:00+01:00"], starts.Where(s => s.StartsWith("02:", StringComparison.Ordinal)));
        Assert.All(period.Slots, s => Assert.Equal(TimeSpan.FromHours(1), s.End - s.Start));
    }

    [Fact]
    public void Days_around_the_clock_changes_are_as_long_as_they_are()
    {
        var autumn = ReportPeriod.Create(Bound("2026-10-24", Berlin), Bound("2026-10-27", Berlin), ReportInterval.Day, Berlin);
        Assert.Equal([24, 25, 24], autumn.Slots.Select(s => (s.End - s.Start).TotalHours));

        var spring = ReportPeriod.Create(Bound("2026-03-29", Berlin), Bound("2026-03-30", Berlin), ReportInterval.Day, Berlin);
        Assert.Equal(23, (Assert.Single(spring.Slots).End - spring.Slots[0].Start).TotalHours);
        var springHours = ReportPeriod.Create(Bound("2026-03-29", Berlin), Bound("2026-03-30", Berlin), ReportInterval.Hour, Berlin);
        Assert.Equal(23, springHours.Slots.Count);
        Assert.DoesNotContain(springHours.Slots, s => ReportPeriod.Local(s.Start, Berlin).Hour == 2);
    }

    [Fact]
    public void Quarter_hours_of_the_autumn_change_day_number_100()
    {
        var period = ReportPeriod.Create(Bound("2026-10-25", Berlin), Bound("2026-10-26", Berlin), ReportInterval.FifteenMinutes, Berlin);
        Assert.Equal(100, period.Slots.Count);
    }

    [Fact]
    public void A_start_inside_an_interval_is_moved_to_its_beginning_and_the_end_to_the_end_of_its_own()
    {
        var period = ReportPeriod.Create(DateTimeOffset.Parse("2026-01-01T09:07:00Z"), DateTimeOffset.Parse("2026-01-01T09:50:00Z"),
            ReportInterval.FifteenMinutes, TimeZoneInfo.Utc);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T09:00:00Z"), period.From);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T10:00:00Z"), period.To);
        Assert.Equal(1, period.IndexOf(DateTimeOffset.Parse("2026-01-01T09:15:00Z")));
        Assert.Equal(-1, period.IndexOf(DateTimeOffset.Parse("2026-01-01T10:00:00Z")));
    }

    [Fact]
    public void Hours_follow_a_half_hour_zone_wall_clock()
    {
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var period = ReportPeriod.Create(Bound("2026-06-01", kolkata), Bound("2026-06-01T03:00", kolkata), ReportInterval.Hour, kolkata);
        Assert.Equal(3, period.Slots.Count);
        Assert.Equal(DateTimeOffset.Parse("2026-05-31T18:30:00Z"), period.From);
    }

    [Theory]
    [InlineData("2026-10-25T02:30", "2026-10-25T00:30:00Z")] // shown twice: its first showing (summer time)
    [InlineData("2026-03-29T02:30", "2026-03-29T01:00:00Z")] // skipped: the moment the clocks jumped
    [InlineData("2026-10-25T05:00:00+05:00", "2026-10-25T00:00:00Z")]
    public void Bounds_are_read_on_the_zone_wall_clock_unless_they_carry_an_offset(string text, string utc)
    {
        Assert.Equal(DateTimeOffset.Parse(utc), Bound(text, Berlin));
    }

    [Fact]
    public void Unknown_zones_and_intervals_are_refused()
    {
        Assert.False(ReportPeriod.TryFindZone("Europe/Atlantis", out _));
        Assert.False(ReportPeriod.TryParseInterval("week", out _));
        Assert.False(ReportPeriod.TryParseBound("yesterday", Berlin, out _));
    }
}
