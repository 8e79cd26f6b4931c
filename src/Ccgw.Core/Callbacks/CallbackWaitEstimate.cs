namespace Ccgw.Core.Callbacks;

/// <summary>
/// Estimated wait of a call-back requested for "now": the core's estimate for the queue's next arrival, plus the
/// call-backs already due ahead of it (they are not yet in the core), each costing the queue's time per departure.
/// That time is taken from the core's estimate (k·h/n for k = waiting + 1, see docs/ewt.md) when it is positive,
/// else from <paramref name="defaultHandleTime"/> over the ready agents. Null when nobody able to serve is staffed.
/// For a request booked in the future the estimate is the time until it is due.
/// </summary>
public static class CallbackWaitEstimate
{
    public static double? Seconds(QueueStats? stats, int position, DateTimeOffset now, DateTimeOffset scheduledAt, TimeSpan defaultHandleTime)
    {
        if (scheduledAt > now) return Math.Ceiling((scheduledAt - now).TotalSeconds);
        if (stats?.Ewt.Seconds is not { } next) return null;
        var ahead = Math.Max(0, position - 1);
        if (ahead == 0) return Math.Round(next);
        var perDeparture = next > 0
            ? next / (stats.Waiting + 1)
            : defaultHandleTime.TotalSeconds / Math.Max(1, stats.AgentsReady);
        return Math.Round(next + (ahead * perDeparture));
    }
}
