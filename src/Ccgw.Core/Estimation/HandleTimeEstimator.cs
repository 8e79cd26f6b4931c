namespace Ccgw.Core.Estimation;

/// <summary>
/// Average time an interaction occupies an agent slot (offer to end of wrap-up). A plain mean for the first
/// <see cref="WarmUp"/> samples, then an exponentially weighted mean so the figure follows the time of day.
/// </summary>
internal sealed class HandleTimeEstimator(TimeSpan initial)
{
    private const int WarmUp = 50;
    private const double Alpha = 1.0 / WarmUp;

    public double MeanSeconds { get; private set; } = initial.TotalSeconds;

    public int Samples { get; private set; }

    public void Add(TimeSpan sample)
    {
        var seconds = Math.Max(0, sample.TotalSeconds);
        Samples++;
        MeanSeconds = Samples <= WarmUp
            ? (Samples == 1 ? seconds : MeanSeconds + ((seconds - MeanSeconds) / Samples))
            : MeanSeconds + (Alpha * (seconds - MeanSeconds));
    }
}
