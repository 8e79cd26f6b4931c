namespace Ccgw.Core.Estimation;

/// <summary>
/// Position-based estimated wait (see docs/ewt.md). With <c>n</c> staffed agent slots all busy and handle times
/// roughly exponential with mean <c>h</c>, slots free up as a Poisson stream of rate <c>n/h</c>; the customer at
/// position <c>k</c> (counting everyone who will be served first) is served at the k-th departure, whose time is
/// Gamma(k, h/n): mean <c>k·h/n</c>. The 80% interval is that Gamma's 10% and 90% quantiles (Wilson–Hilferty).
/// </summary>
internal static class WaitEstimator
{
    private const double Z90 = 1.2815515655446004;

    public static WaitEstimate Estimate(int position, int ahead, int staffedSlots, double handleSeconds, int samples)
    {
        if (staffedSlots <= 0)
            return new WaitEstimate(null, null, null, position, samples);
        var k = ahead + 1;
        var scale = handleSeconds / staffedSlots;
        var mean = k * scale;
        return new WaitEstimate(
            Math.Round(mean, 1),
            Math.Round(GammaQuantile(k, scale, -Z90), 1),
            Math.Round(GammaQuantile(k, scale, Z90), 1),
            position,
            samples);
    }

    /// <summary>Wilson–Hilferty: (X/kθ)^(1/3) is close to normal with mean 1−1/(9k) and variance 1/(9k).</summary>
    internal static double GammaQuantile(int k, double scale, double z)
    {
        var v = 1.0 / (9.0 * k);
        var t = 1 - v + (z * Math.Sqrt(v));
        return t <= 0 ? 0 : k * scale * t * t * t;
    }
}
