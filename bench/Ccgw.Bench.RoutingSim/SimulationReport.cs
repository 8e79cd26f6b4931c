using System.Globalization;

namespace Ccgw.Bench.RoutingSim;

/// <summary>EWT accuracy and service level per queue over the simulated day.</summary>
internal sealed class SimulationReport(SimulationSetup setup, List<Customer> customers, int seed, TimeSpan length)
{
    public void Print(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"routing simulation: seed {seed}, {length.TotalHours:0.#} h, {setup.Definition.Agents.Count} agents, {customers.Count} arrivals"));
        output.WriteLine("queue    arrivals answered abandoned  SL(target)  meanWait* EWT-MAE  naive-MAE  meanEWT  in80%");
        foreach (var queue in setup.Definition.Queues)
            Line(output, queue.Id, customers.Where(c => c.QueueId == queue.Id).ToList(), queue.ServiceLevel);
        Line(output, "all", customers, null);
        output.WriteLine("* wait to the answered offer, for answered customers with a finite estimate; naive-MAE = error of always guessing");
        output.WriteLine("  the median wait (a yardstick); in80% = share of those waits inside the estimate's 80% interval.");
    }

    private static void Line(TextWriter output, string name, List<Customer> group, Core.ServiceLevelTarget? target)
    {
        var answered = group.Where(c => c.ConnectedAt is not null).ToList();
        var abandoned = group.Count(c => c.ConnectedAt is null);
        var threshold = target?.Threshold ?? TimeSpan.FromSeconds(20);
        var abandonedLate = group.Count(c => c.ConnectedAt is null && c.AbandonedAt - c.ArrivedAt > threshold);
        var within = answered.Count(c => c.ConnectedAt!.Value - c.ArrivedAt <= threshold);
        var sl = answered.Count + abandonedLate == 0 ? double.NaN : (double)within / (answered.Count + abandonedLate);

        // EWT is judged on answered customers whose estimate was finite: for them the true wait is known.
        var judged = answered.Where(c => c.Predicted.Seconds is not null).ToList();
        var waits = judged.Select(c => c.WaitToOfferSeconds!.Value).ToList();
        var predicted = judged.Select(c => c.Predicted.Seconds!.Value).ToList();
        var mae = waits.Count == 0 ? double.NaN : waits.Zip(predicted, (w, p) => Math.Abs(w - p)).Average();
        var meanWait = waits.Count == 0 ? double.NaN : waits.Average();
        var median = waits.Count == 0 ? double.NaN : waits.Order().ElementAt(waits.Count / 2);
        var naive = waits.Count == 0 ? double.NaN : waits.Average(w => Math.Abs(w - median)); // the best constant guess, for scale
        var inInterval = judged.Count == 0 ? double.NaN : judged.Count(c =>
        {
            var w = c.WaitToOfferSeconds!.Value;
            return w >= c.Predicted.LowSeconds!.Value && w <= c.Predicted.HighSeconds!.Value;
        }) / (double)judged.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-8} {group.Count,8} {answered.Count,8} {abandoned,9}  {sl,5:P1}({target?.Target ?? double.NaN,4:P0})  {meanWait,7:0.0}s  {mae,6:0.0}s  {naive,8:0.0}s  {predicted.DefaultIfEmpty().Average(),6:0.0}s  {inInterval,5:P0}"));
    }
}
