using Ccgw.Core.Kpi;
using Ccgw.Testing;

namespace Ccgw.Core.Tests.Kpi;

/// <summary>The sliding-window service level: answered within / (answered + abandoned after the threshold).</summary>
public sealed class ServiceLevelWindowTests
{
    private readonly ManualTimeProvider _time = new();

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void Answered_late_and_abandoned_late_count_against_the_level_abandoned_early_does_not_count_at_all()
    {
        var window = new ServiceLevelWindow(TimeSpan.FromMinutes(15));
        window.Answered(Now, withinThreshold: true);
        window.Answered(Now, withinThreshold: true);
        window.Answered(Now, withinThreshold: true);
        window.Answered(Now, withinThreshold: false);
        window.Abandoned(Now, afterThreshold: true);
        window.Abandoned(Now, afterThreshold: false);

        var figures = window.Read(Now);
        Assert.Equal(new ServiceLevelFigures(3, 4, 1), figures);
        Assert.Equal(3.0 / 5.0, figures.Ratio);
    }

    [Fact]
    public void Nothing_counted_gives_no_ratio_rather_than_zero_or_one()
    {
        var window = new ServiceLevelWindow(TimeSpan.FromMinutes(15));
        window.Abandoned(Now, afterThreshold: false);
        Assert.Null(window.Read(Now).Ratio);
    }

    [Fact]
    public void An_outcome_leaves_the_window_exactly_one_window_after_it_happened()
    {
        var window = new ServiceLevelWindow(TimeSpan.FromMinutes(15));
        window.Answered(Now, withinThreshold: false); // t = 0
        _time.Advance(TimeSpan.FromMinutes(10));
        window.Answered(Now, withinThreshold: true);  // t = 10 min
        Assert.Equal(0.5, window.Read(Now).Ratio);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Equal(0.5, window.Read(Now).Ratio);   // the first is 15 min minus a tick old: still in

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1.0, window.Read(Now).Ratio);   // exactly 15 min old: out
        Assert.Equal(1, window.Count);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(default, window.Read(Now));
        Assert.Null(window.Read(Now).Ratio);
        Assert.Equal(0, window.Count);
    }

    [Fact]
    public void Memory_stays_bounded_by_the_window_however_long_the_centre_runs()
    {
        var window = new ServiceLevelWindow(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10_000; i++)
        {
            window.Answered(Now, withinThreshold: i % 2 == 0);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(window.Count, 59, 60);
        Assert.Equal(0.5, window.Read(Now).Ratio!.Value, 1);
    }
}
