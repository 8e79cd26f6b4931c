namespace Ccgw.Sip.Dns;

/// <summary>SRV RDATA (RFC 2782). A target of "." means "the service is decidedly not available at this domain".</summary>
internal sealed record DnsSrv(ushort Priority, ushort Weight, ushort Port, string Target);


/// <summary>
/// The order in which a client tries SRV targets (RFC 2782, "Usage rules"). DnsClient hands the records back in the
/// server's order (its <c>ResolveServiceAsync</c> too), so the weighted draw stays ours.
/// </summary>
internal static class SrvOrdering
{
    /// <summary>
    /// Lowest priority first; within one priority, a weighted random draw repeated until the set is used up. Records
    /// of weight 0 go first in the draw's list, so they are picked only when the draw is 0: "a very small chance of
    /// being selected" when others have weight. The list is shuffled first ("in any order"), so records of equal
    /// standing, all of weight 0 in particular, get an even chance instead of the server's order.
    /// </summary>
    public static List<DnsSrv> Order(IEnumerable<DnsSrv> records, Random random)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(random);
        var ordered = new List<DnsSrv>();
        foreach (var group in records.GroupBy(r => r.Priority).OrderBy(g => g.Key))
        {
            var shuffled = group.ToArray();
            random.Shuffle(shuffled);
            var remaining = shuffled.Where(r => r.Weight == 0).Concat(shuffled.Where(r => r.Weight != 0)).ToList();
            while (remaining.Count > 0)
            {
                var total = 0;
                foreach (var r in remaining) total += r.Weight;
                // Inclusive of the total, as the RFC says ("between 0 and the sum ... inclusive").
                var draw = random.Next(0, total + 1);
                var running = 0;
                var chosen = remaining.Count - 1;
                for (var i = 0; i < remaining.Count; i++)
                {
                    running += remaining[i].Weight;
                    if (running >= draw)
                    {
                        chosen = i;
                        break;
                    }
                }
                ordered.Add(remaining[chosen]);
                remaining.RemoveAt(chosen);
            }
        }
        return ordered;
    }
}
