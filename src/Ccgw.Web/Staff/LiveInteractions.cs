using Ccgw.Core;

namespace Ccgw.Web.Staff;

/// <summary>One live interaction as the supervisor console lists it; priority and position only while waiting.</summary>
public sealed record LiveInteraction(string InteractionId, string Queue, string Channel, string State, string? AgentId,
    int? Priority, int? Position, DateTimeOffset Since, double? EwtSeconds);

/// <summary>Reads the core's live order: every queue's waiting interactions in offer order, then those agents hold.</summary>
internal static class LiveInteractions
{
    public static async Task<IReadOnlyList<LiveInteraction>> ReadAsync(RoutingEngine engine, StaffConsoleOptions options, CancellationToken ct)
    {
        var list = new List<LiveInteraction>();
        foreach (var queue in options.Queues)
        {
            if (await engine.GetQueuePositionsAsync(queue.Id, ct) is not { } waiting) continue;
            foreach (var w in waiting)
                list.Add(new LiveInteraction(w.InteractionId, queue.Id, Camel(w.Channel.ToString()), "queued", null, w.Priority, w.Position,
                    w.OrderTime, w.Ewt.Seconds));
        }
        foreach (var agent in engine.Snapshot.Agents.Values.OrderBy(a => a.AgentId, StringComparer.Ordinal))
            foreach (var id in agent.InteractionIds)
                if (await engine.GetInteractionAsync(id, ct) is { } status)
                {
                    var i = status.Interaction;
                    list.Add(new LiveInteraction(i.Id, i.QueueId, Camel(i.Channel.ToString()), Camel(i.State.ToString()), i.AgentId, null, null,
                        i.StateSince, null));
                }
        return list;
    }

    private static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
