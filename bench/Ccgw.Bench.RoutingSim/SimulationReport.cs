using System.Globalization;

namespace Ccgw.Bench.RoutingSim;

/// <summary>EWT accuracy and service level per queue over the simulated day.</summary>
internal sealed class SimulationReport(SimulationSetup setup, List<Customer> all, int seed, TimeSpan length, CallbackPolicy? policy)
{
    private readonly List<Customer> customers = all.Where(c => c.Channel == Core.InteractionChannel.Voice).ToList();

    public void Print(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        if (policy is not null)
            PrintChannels(output);
        output.WriteLine(string.Create(inv, $"routing simulation: seed {seed}, {length.TotalHours:0.#} h, {setup.Definition.Agents.Count} agents, {customers.Count} arrivals"));
        output.WriteLine("queue    arrivals answered abandoned  SL(target)  meanWait* EWT-MAE  naive-MAE  meanEWT  in80%  queued queuedMAE");
        foreach (var queue in setup.Definition.Queues)
            Line(output, queue.Id, customers.Where(c => c.QueueId == queue.Id).ToList(), queue.ServiceLevel);
        Line(output, "all", customers, null);
        if (Environment.GetEnvironmentVariable("SIM_DEBUG") is not null)
        {
            foreach (var g in customers.Where(c => c.ConnectedAt is not null && c.Predicted.Seconds is not null).GroupBy(c => (c.QueueId, Math.Min(c.Predicted.Position, 4))).OrderBy(g => g.Key))
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {g.Key.QueueId} pos {g.Key.Item2}: n={g.Count()} predicted {g.Average(c => c.Predicted.Seconds!.Value):0.0} actual {g.Average(c => c.WaitToOfferSeconds!.Value):0.0}"));
        }
        output.WriteLine("* wait to the answered offer, for answered customers with a finite estimate; naive-MAE = error of always guessing");
        output.WriteLine("  the median wait (a yardstick); in80% = share of waits inside the 80% interval, and");
        output.WriteLine("  queued/queuedMAE = count and EWT error, both over customers who were told they would wait (estimate > 0).");
    }

    /// <summary>Per channel: announced wait against the wait to the answered offer (call-backs: from the request).</summary>
    private void PrintChannels(TextWriter output)
    {
        var callbacks = all.Where(c => c.Channel == Core.InteractionChannel.Callback).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"call-backs {(policy == CallbackPolicy.InQueue ? "wait in the queue (issue 15)" : "start only when an agent is idle (before issue 15)")}: {callbacks.Count} requested"));
        output.WriteLine("channel                 answered  meanWait   maxWait  EWT-MAE  overtaken-by-later-live");
        ChannelLine(output, "voice", customers, c => c.Predicted, null);
        ChannelLine(output, "callback (receipt)", callbacks, c => c.Predicted, all);
        ChannelLine(output, "callback (core)", callbacks, c => c.CoreEstimate, all);
    }

    private static void ChannelLine(TextWriter output, string name, List<Customer> group, Func<Customer, Core.WaitEstimate?> told, List<Customer>? everyone)
    {
        var judged = group.Where(c => c.ConnectedAt is not null && told(c)?.Seconds is not null).ToList();
        var mae = judged.Count == 0 ? double.NaN : judged.Average(c => Math.Abs(c.WaitToOfferSeconds!.Value - told(c)!.Seconds!.Value));
        var answered = group.Where(c => c.ConnectedAt is not null).ToList();
        var meanWait = answered.Count == 0 ? double.NaN : answered.Average(c => c.WaitToOfferSeconds!.Value);
        var maxWait = answered.Count == 0 ? double.NaN : answered.Max(c => c.WaitToOfferSeconds!.Value);
        // Live callers of the same queue who arrived after a call-back was requested and were offered an agent before it.
        var overtaken = "";
        if (everyone is not null)
        {
            var live = everyone.Where(c => c.Channel == Core.InteractionChannel.Voice && c.LastOfferedAt is not null)
                .GroupBy(c => c.QueueId).ToDictionary(g => g.Key, g => g.ToList());
            long count = 0;
            foreach (var cb in answered)
                count += live.GetValueOrDefault(cb.QueueId, []).Count(v => v.ArrivedAt > cb.ArrivedAt && v.LastOfferedAt < cb.LastOfferedAt);
            overtaken = count.ToString(CultureInfo.InvariantCulture);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {answered.Count,9} {meanWait,8:0.0}s {maxWait,8:0.0}s {mae,7:0.0}s  {overtaken}"));
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
        var queued = judged.Where(c => c.Predicted.Seconds > 0).ToList();
        var inInterval = queued.Count == 0 ? double.NaN : queued.Count(c =>
        {
            var w = c.WaitToOfferSeconds!.Value;
            return w >= c.Predicted.LowSeconds!.Value && w <= c.Predicted.HighSeconds!.Value;
        }) / (double)queued.Count;
        var queuedMae = queued.Count == 0 ? double.NaN : queued.Average(c => Math.Abs(c.WaitToOfferSeconds!.Value - c.Predicted.Seconds!.Value));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-8} {group.Count,8} {answered.Count,8} {abandoned,9}  {sl,5:P1}({target?.Target ?? double.NaN,4:P0})  {meanWait,7:0.0}s  {mae,6:0.0}s  {naive,8:0.0}s  {predicted.DefaultIfEmpty().Average(),6:0.0}s  {inInterval,5:P0}  {queued.Count,6} {queuedMae,8:0.0}s"));
    }
}
