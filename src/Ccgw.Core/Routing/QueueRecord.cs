using Ccgw.Core.Estimation;

namespace Ccgw.Core.Routing;

/// <summary>Mutable per-queue routing state and counters; owned by <see cref="ContactCenterState"/>.</summary>
internal sealed class QueueRecord
{
    public QueueRecord(int index, QueueDefinition definition, TimeSpan defaultHandleTime)
    {
        Index = index;
        Redefine(definition);
        for (var slot = 0; slot < Slots.Count; slot++)
            HandleTime[slot] = new HandleTimeEstimator(defaultHandleTime);
    }

    public int Index { get; }

    public QueueDefinition Definition { get; private set; }

    public string Id => Definition.Id;

    public TimeSpan[] WideningAfter { get; private set; }

    /// <summary>Minimum level per required skill at each widening stage (stage 0 = as configured).</summary>
    public IReadOnlyDictionary<string, int>[] StageLevels { get; private set; }

    /// <summary>
    /// Takes a new definition (same id) and recomputes the widening stages. The caller (the state's UpsertQueue) has
    /// emptied this queue's pools first, since their membership was computed from the old stages.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Definition), nameof(WideningAfter), nameof(StageLevels))]
    public void Redefine(QueueDefinition definition)
    {
        Definition = definition;
        var steps = definition.Widening ?? [];
        WideningAfter = [.. steps.Select(s => s.After)];
        StageLevels = new IReadOnlyDictionary<string, int>[steps.Count + 1];
        StageLevels[0] = definition.RequiredSkills;
        for (var s = 0; s < steps.Count; s++)
        {
            // Cumulative: a later step never narrows what an earlier one opened (routing relies on admission only growing).
            var cap = steps[s].MinimumLevel;
            var previous = StageLevels[s];
            StageLevels[s + 1] = previous.ToDictionary(kv => kv.Key, kv => Math.Min(kv.Value, cap), StringComparer.Ordinal);
        }
    }

    public QueueRecord? OverflowTarget { get; set; }

    /// <summary>Every pool of this queue (all stages, channels and capability sets).</summary>
    public List<Pool> Pools { get; } = [];

    /// <summary>
    /// Higher-priority queues sharing agents, with the share of this queue's agents they can take: that share of
    /// their waiting interactions is served first.
    /// </summary>
    public List<(QueueRecord Queue, double Share)> HigherOverlaps { get; } = [];


    /// <summary>Queued (not offered) interactions per slot.</summary>
    public int[] Queued { get; } = new int[Slots.Count];

    /// <summary>Queued interactions per (slot, interaction priority): a new arrival's position without walking the queue.</summary>
    public Dictionary<(int Slot, int Priority), int> QueuedByPriority { get; } = [];

    /// <summary>Waiting customers (queued or offered), ordered by arrival for the longest-wait figure.</summary>
    public SortedSet<InteractionRecord> Waiting { get; } = new(ArrivalComparer.Instance);

    /// <summary>Agent slots per channel of staffed (ready-intent) agents eligible for this queue.</summary>
    public int[] StaffedSlots { get; } = new int[Slots.Count];

    public int AgentsReady { get; set; }

    public int AgentsBusy { get; set; }

    public HandleTimeEstimator[] HandleTime { get; } = new HandleTimeEstimator[Slots.Count];

    public long Answered { get; set; }

    public long AnsweredWithinTarget { get; set; }

    public long Abandoned { get; set; }

    public long AbandonedAfterTarget { get; set; }

    public QueueStats? Stats { get; set; }

    public bool StatsDirty { get; set; }

    public int StageFor(TimeSpan waited)
    {
        var stage = 0;
        while (stage < WideningAfter.Length && WideningAfter[stage] <= waited)
            stage++;
        return stage;
    }

    public bool Qualifies(AgentDefinition agent, int stage)
    {
        foreach (var (skill, level) in StageLevels[stage])
        {
            if (!agent.Skills.TryGetValue(skill, out var own) || own < level)
                return false;
        }

        return true;
    }

    public int Score(AgentDefinition agent)
    {
        var score = 0;
        foreach (var skill in Definition.RequiredSkills.Keys)
            score += agent.Skills.TryGetValue(skill, out var level) ? level : 0;
        return score;
    }
}

/// <summary>Orders a queue's waiting customers by arrival, oldest first.</summary>
internal sealed class ArrivalComparer : IComparer<InteractionRecord>
{
    public static ArrivalComparer Instance { get; } = new();

    public int Compare(InteractionRecord? x, InteractionRecord? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        var c = x!.ArrivedAt.CompareTo(y!.ArrivedAt);
        return c != 0 ? c : x.Seq.CompareTo(y.Seq);
    }
}
