namespace Ccgw.Core.Routing;

/// <summary>
/// The unit of matching: one queue at one widening stage, on one channel, with one set of required agent capabilities.
/// Pools of the same queue, channel and capabilities form a <see cref="Family"/> indexed by stage. Widening only
/// relaxes levels, so an agent admitted at stage s is admitted at every later stage; it is therefore filed once, in the
/// <see cref="Available"/> set of its home stage (the first that admits it), and an interaction at stage s may go to
/// the agents of the family's stages 0..s. A decision reads a few minima instead of scanning.
/// </summary>
internal sealed class Pool
{
    public Pool(QueueRecord queue, int stage, InteractionChannel channel, string capabilityKey, IReadOnlySet<string>? capabilities, AgentSelection selection)
    {
        Queue = queue;
        Stage = stage;
        Channel = channel;
        Slot = Slots.Of(channel);
        CapabilityKey = capabilityKey;
        Capabilities = capabilities;
        Waiting = new SortedSet<InteractionRecord>(WaitingComparer.Instance);
        Available = new SortedSet<AgentRecord>(new AgentComparer(queue.Index, selection == AgentSelection.MostSkilledThenLongestIdle));
    }

    public QueueRecord Queue { get; }

    public int Stage { get; }

    /// <summary>All stages of this queue/channel/capability set, this one included, by stage.</summary>
    public Pool[] Family { get; set; } = [];

    public InteractionChannel Channel { get; }

    public int Slot { get; }

    public string CapabilityKey { get; }

    public IReadOnlySet<string>? Capabilities { get; }

    /// <summary>Queued interactions, best first: interaction priority, then original start time, then arrival.</summary>
    public SortedSet<InteractionRecord> Waiting { get; }

    /// <summary>Agents whose home stage is this one and who can take one more interaction of the channel now, best first.</summary>
    public SortedSet<AgentRecord> Available { get; }

    public bool Admits(AgentRecord agent) =>
        Slots.Capacity(agent.Definition.Capacity, Slot) > 0
        && Queue.Qualifies(agent.Definition, Stage)
        && agent.HasCapabilities(Capabilities);

    public static string KeyOf(IReadOnlySet<string>? capabilities) =>
        capabilities is null || capabilities.Count == 0 ? string.Empty : string.Join('\n', capabilities.Order(StringComparer.Ordinal));
}

/// <summary>Within one pool (one queue): higher interaction priority, then earlier original start, then arrival order.</summary>
internal sealed class WaitingComparer : IComparer<InteractionRecord>
{
    public static WaitingComparer Instance { get; } = new();

    public int Compare(InteractionRecord? x, InteractionRecord? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        var c = y!.Priority.CompareTo(x!.Priority);
        if (c != 0)
            return c;
        c = x.OrderTime.CompareTo(y.OrderTime);
        return c != 0 ? c : x.Seq.CompareTo(y.Seq);
    }

    /// <summary>Across queues: queue + interaction priority, then original start, then arrival.</summary>
    public static int CompareAcrossQueues(InteractionRecord x, InteractionRecord y)
    {
        var c = y.EffectivePriority.CompareTo(x.EffectivePriority);
        if (c != 0)
            return c;
        c = x.OrderTime.CompareTo(y.OrderTime);
        return c != 0 ? c : x.Seq.CompareTo(y.Seq);
    }
}

/// <summary>Best agent first: (optionally) most skilled for the queue, then least loaded, then longest idle.</summary>
internal sealed class AgentComparer(int queueIndex, bool bySkill) : IComparer<AgentRecord>
{
    public int Compare(AgentRecord? x, AgentRecord? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        int c;
        if (bySkill)
        {
            c = y!.QueueScore[queueIndex].CompareTo(x!.QueueScore[queueIndex]);
            if (c != 0)
                return c;
        }

        c = x!.KeyLoad.CompareTo(y!.KeyLoad);
        if (c != 0)
            return c;
        c = x.KeyIdleSince.CompareTo(y.KeyIdleSince);
        return c != 0 ? c : x.Index.CompareTo(y.Index);
    }
}
