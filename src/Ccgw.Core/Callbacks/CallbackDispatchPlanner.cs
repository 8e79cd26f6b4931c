using Ccgw.Core.Repositories;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// Decides which due call-backs to start now. A call-back is started only when a free agent able to serve its queue
/// is left over after every call-back already in flight (handed to the core, not yet offered) has been given one, so
/// the scheduler never starts more call-backs than there are agents free to take them; an agent who serves several
/// queues counts once. Pure: the scheduler passes "now", the list, the snapshot's free agents and the queue definitions.
/// </summary>
public static class CallbackDispatchPlanner
{
    /// <param name="candidates">Scheduled call-backs in list order (scheduled time, priority, original start); those after <paramref name="now"/> are skipped.</param>
    /// <param name="freeAgents">Agents ready with nothing in hand and a call-back slot.</param>
    /// <param name="queues">Queue definitions by id (their un-widened skill levels decide who is able).</param>
    /// <param name="inFlightQueues">The queue of every call-back already handed to the core and not yet offered.</param>
    public static IReadOnlyList<CallbackRequest> Plan(
        IReadOnlyList<CallbackRequest> candidates,
        IReadOnlyList<AgentDefinition> freeAgents,
        IReadOnlyDictionary<string, QueueDefinition> queues,
        IReadOnlyCollection<string> inFlightQueues,
        DateTimeOffset now)
    {
        if (freeAgents.Count == 0 || candidates.Count == 0) return [];
        var taken = new bool[freeAgents.Count];
        foreach (var queueId in inFlightQueues)
            if (queues.TryGetValue(queueId, out var q)) Take(q, freeAgents, taken);

        var start = new List<CallbackRequest>();
        foreach (var callback in candidates)
        {
            if (callback.Status != CallbackStatus.Scheduled || callback.ScheduledAt > now) continue;
            if (!queues.TryGetValue(callback.QueueId, out var queue)) continue;
            if (Take(queue, freeAgents, taken)) start.Add(callback);
        }
        return start;
    }

    /// <summary>True when <paramref name="agent"/> meets every required skill of <paramref name="queue"/> at its un-widened level.</summary>
    public static bool CanServe(AgentDefinition agent, QueueDefinition queue)
    {
        if (agent.Capacity.Callback <= 0) return false;
        foreach (var (skill, level) in queue.RequiredSkills)
            if (!agent.Skills.TryGetValue(skill, out var has) || has < level) return false;
        return true;
    }

    private static bool Take(QueueDefinition queue, IReadOnlyList<AgentDefinition> agents, bool[] taken)
    {
        for (var i = 0; i < agents.Count; i++)
        {
            if (taken[i] || !CanServe(agents[i], queue)) continue;
            taken[i] = true;
            return true;
        }
        return false;
    }
}

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
