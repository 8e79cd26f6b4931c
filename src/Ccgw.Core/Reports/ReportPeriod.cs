using System.Globalization;

namespace Ccgw.Core.Reports;

/// <summary>The length of a report's intervals.</summary>
public enum ReportInterval
{
    FifteenMinutes,
    Hour,
    Day,
}

/// <summary>One interval of a report: its start and end as instants, and its start as the wall clock of the zone showed it.</summary>
public sealed record ReportSlot(DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// A report's period cut into intervals whose boundaries fall on the zone's wall clock: quarter hours and hours where
/// the zone's clock shows minute 0/15/30/45 or 0, days where its date changes. A day in which the clocks change is as
/// long as it is (23 or 25 hours), and the repeated hour of an autumn change is two hourly intervals, told apart by
/// their UTC offsets.
/// </summary>
public sealed class ReportPeriod
{
    /// <summary>Most intervals one report may have (about 104 days of quarter hours, 27 years of days).</summary>
    public const int MaxIntervals = 10_000;

    // Every offset in use today is a whole number of quarter hours, so stepping the UTC clock by 15 minutes visits
    // every boundary of every zone exactly.
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(15);

    private ReportPeriod(ReportInterval interval, TimeZoneInfo zone, IReadOnlyList<ReportSlot> slots)
    {
        Interval = interval;
        Zone = zone;
        Slots = slots;
    }

    public ReportInterval Interval { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The intervals in order; the first starts at or before the requested start, the last ends at or after the requested end.</summary>
    public IReadOnlyList<ReportSlot> Slots { get; }

    public DateTimeOffset From => Slots[0].Start;

    public DateTimeOffset To => Slots[^1].End;

    /// <summary>The interval holding <paramref name="at"/>, or -1 outside the period.</summary>
    public int IndexOf(DateTimeOffset at)
    {
        if (at < From || at >= To) return -1;
        int lo = 0, hi = Slots.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (Slots[mid].Start <= at) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>
    /// Cuts [<paramref name="from"/>, <paramref name="to"/>) into intervals; <paramref name="from"/> is moved back to
    /// the start of its interval and <paramref name="to"/> forward to the end of its own, so each interval is whole.
    /// </summary>
    public static ReportPeriod Create(DateTimeOffset from, DateTimeOffset to, ReportInterval interval, TimeZoneInfo zone)
    {
        if (to <= from) throw new ArgumentException("the end must be after the start", nameof(to));
        var start = AlignDown(from, interval, zone);
        var slots = new List<ReportSlot>();
        var current = start;
        var t = start;
        while (current < to)
        {
            var previous = t;
            t += Step;
            if (!IsBoundary(previous, t, interval, zone)) continue;
            slots.Add(new ReportSlot(current, t));
            current = t;
            if (slots.Count > MaxIntervals)
                throw new ArgumentException($"the period has more than {MaxIntervals} intervals; use a longer interval or a shorter period", nameof(to));
        }
        return new ReportPeriod(interval, zone, slots);
    }

    /// <summary>The wall clock of <paramref name="zone"/> at <paramref name="at"/>, with that moment's offset.</summary>
    public static DateTimeOffset Local(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone);

    /// <summary>Names as the API takes them: <c>15m</c>, <c>hour</c>, <c>day</c>.</summary>
    public static bool TryParseInterval(string? text, out ReportInterval interval)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "15m" or "15min" or "quarter": interval = ReportInterval.FifteenMinutes; return true;
            case "hour" or "1h" or "60m": interval = ReportInterval.Hour; return true;
            case "day" or "1d": interval = ReportInterval.Day; return true;
            default: interval = default; return false;
        }
    }

    public static string Name(ReportInterval interval) => interval switch
    {
        ReportInterval.FifteenMinutes => "15m",
        ReportInterval.Hour => "hour",
        _ => "day",
    };

    /// <summary>An IANA zone name (<c>Europe/Berlin</c>, <c>UTC</c>); false for anything the system's zone database lacks.</summary>
    public static bool TryFindZone(string? name, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(name)) return true;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name.Trim());
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            // An unknown or broken zone is the caller's mistake: reported by name, not thrown.
            return false;
        }
    }

    /// <summary>
    /// A period bound: an instant with an offset (<c>2026-10-25T00:00:00Z</c>), a wall-clock time of the zone
    /// (<c>2026-10-25T06:00</c>) or a date, meaning its first moment in the zone (<c>2026-10-25</c>).
    /// </summary>
    public static bool TryParseBound(string? text, TimeZoneInfo zone, out DateTimeOffset at)
    {
        at = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            at = StartOfDay(date, zone);
            return true;
        }
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || HasNumericOffset(text);
        if (hasOffset)
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out at);
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wall)) return false;
        at = FromWallClock(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified), zone);
        return true;
    }

    private static bool HasNumericOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (t < 0) return false;
        var time = text.AsSpan(t + 1);
        return time.Contains('+') || time.Contains('-');
    }

    /// <summary>
    /// The instant a wall-clock time of the zone names: a time skipped by a spring change is read as the moment the
    /// clocks jumped; a time shown twice by an autumn change as its first showing.
    /// </summary>
    public static DateTimeOffset FromWallClock(DateTime wall, TimeZoneInfo zone)
    {
        while (zone.IsInvalidTime(wall)) wall = wall.AddTicks(-(wall.Ticks % (15 * TimeSpan.TicksPerMinute))).AddMinutes(15);
        var offset = zone.IsAmbiguousTime(wall) ? zone.GetAmbiguousTimeOffsets(wall).Max() : zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset);
    }

    private static DateTimeOffset StartOfDay(DateOnly date, TimeZoneInfo zone) =>
        FromWallClock(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone);

    private static DateTimeOffset AlignDown(DateTimeOffset at, ReportInterval interval, TimeZoneInfo zone)
    {
        var local = Local(at, zone);
        return interval switch
        {
            ReportInterval.Day => StartOfDay(DateOnly.FromDateTime(local.DateTime), zone),
            // Minutes of an instant's wall clock and of its UTC clock differ by whole quarter hours, so rounding the
            // instant down on the wall clock's minutes keeps it an instant (no wall-clock ambiguity arises).
            ReportInterval.Hour => at.AddTicks(-(local.Ticks % TimeSpan.TicksPerHour)),
            _ => at.AddTicks(-(local.Ticks % (15 * TimeSpan.TicksPerMinute))),
        };
    }

    private static bool IsBoundary(DateTimeOffset previous, DateTimeOffset t, ReportInterval interval, TimeZoneInfo zone)
    {
        var local = Local(t, zone);
        return interval switch
        {
            ReportInterval.FifteenMinutes => local.Minute % 15 == 0,
            ReportInterval.Hour => local.Minute == 0,
            _ => local.Date != Local(previous, zone).Date,
        };
    }
}
