namespace Ccgw.Core.Routing;

/// <summary>Capacity slots: web interactions share the call-back slot.</summary>
internal static class Slots
{
    public const int Voice = 0;
    public const int Im = 1;
    public const int Callback = 2;
    public const int Count = 3;

    public static int Of(InteractionChannel channel) => channel switch
    {
        InteractionChannel.Voice => Voice,
        InteractionChannel.Im => Im,
        _ => Callback,
    };

    public static int Capacity(ChannelCapacity capacity, int slot) => slot switch
    {
        Voice => capacity.Voice,
        Im => capacity.Im,
        _ => capacity.Callback,
    };
}

/// <summary>Mutable routing state of one agent; owned by <see cref="ContactCenterState"/>.</summary>
internal sealed class AgentRecord(int index, AgentDefinition definition, int queueCount)
{
    public int Index { get; } = index;

    public AgentDefinition Definition { get; set; } = definition;

    public string Id => Definition.Id;

    public BlendingRules Blending => Definition.Blending ?? BlendingRules.Default;

    public AgentStateRequest Intent { get; set; } = AgentStateRequest.Offline;

    public string? Reason { get; set; }

    public AgentState Shown { get; set; } = AgentState.Offline;

    public DateTimeOffset Since { get; set; }

    public DateTimeOffset IdleSince { get; set; }

    public int[] Load { get; } = new int[Slots.Count];

    public int TotalLoad { get; set; }

    /// <summary>Interactions offered to, connected to, or in wrap-up with this agent.</summary>
    public List<InteractionRecord> Work { get; } = [];

    /// <summary>Interactions another agent is handing to this one (consult): each holds one slot of <see cref="Load"/>.</summary>
    public List<InteractionRecord> Reserved { get; } = [];

    /// <summary>
    /// Wrap-ups of interactions this agent handed to another (by interaction id, with the version its timer carries):
    /// the interaction left with its new agent, so the after-call work is the agent's alone and holds no slot.
    /// </summary>
    public Dictionary<string, long> TransferWrapUps { get; } = new(StringComparer.Ordinal);

    /// <summary>Pools whose skill/capability/channel requirements this agent meets.</summary>
    public List<Pool> Pools { get; } = [];

    /// <summary>Pools whose ready set currently holds this agent.</summary>
    public List<Pool> InsertedPools { get; } = [];

    /// <summary>Sort keys frozen while the agent sits in ready sets; changed only after removal from all of them.</summary>
    public int KeyLoad { get; set; }

    public DateTimeOffset KeyIdleSince { get; set; }

    /// <summary>Summed level on each queue's required skills (by queue index), used to prefer the most skilled.</summary>
    public int[] QueueScore { get; private set; } = new int[queueCount];

    /// <summary>
    /// Makes room for a queue created at run time (indexes only grow: a removed queue's index is never reused). Only
    /// while the agent sits in no ready set, since the sets order agents by these scores.
    /// </summary>
    public void EnsureQueueSlots(int queueCount)
    {
        if (QueueScore.Length >= queueCount)
            return;
        var grown = QueueScore;
        Array.Resize(ref grown, queueCount);
        QueueScore = grown;
    }

    /// <summary>Queues this agent serves without widening (for ready/busy counts and staffing).</summary>
    public List<QueueRecord> Queues { get; } = [];

    public Dictionary<string, long> LostDevices { get; } = new(StringComparer.Ordinal);

    public AgentPresence? Presence { get; set; }

    public bool PresenceDirty { get; set; }

    public bool DispatchDirty { get; set; }

    public bool IsStaffed => Intent == AgentStateRequest.Ready;

    public bool IsRoutable => Intent == AgentStateRequest.Ready && Shown is AgentState.Ready or AgentState.Busy;

    public bool HasCapabilities(IReadOnlySet<string>? required)
    {
        if (required is null || required.Count == 0)
            return true;
        var own = Definition.Capabilities;
        if (own is null)
            return false;
        foreach (var c in required)
        {
            if (!own.Contains(c))
                return false;
        }

        return true;
    }

    /// <summary>Whether one more interaction on <paramref name="slot"/> fits capacity and blending.</summary>
    public bool CanTake(int slot)
    {
        if (!IsRoutable || Load[slot] >= Slots.Capacity(Definition.Capacity, slot) || TotalLoad >= Blending.MaxConcurrent)
            return false;
        if (!Blending.VoiceExclusive)
            return true;
        return slot == Slots.Voice ? TotalLoad == 0 : Load[Slots.Voice] == 0;
    }
}

/// <summary>An open offer: a reservation of one agent slot until it is answered or expires.</summary>
internal sealed class OfferRecord(string id, AgentRecord agent, DateTimeOffset offeredAt, DateTimeOffset expiresAt)
{
    public string Id { get; } = id;

    public AgentRecord Agent { get; } = agent;

    public DateTimeOffset OfferedAt { get; } = offeredAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;
}

/// <summary>A consult: <see cref="From"/> (the agent connected) hands the interaction to the reserved <see cref="Target"/>.</summary>
internal sealed record ConsultRecord(AgentRecord From, AgentRecord Target, DateTimeOffset Since);

/// <summary>Mutable routing state of one live interaction; owned by <see cref="ContactCenterState"/>.</summary>
internal sealed class InteractionRecord(string id, long seq, InteractionRequest request, DateTimeOffset arrivedAt, QueueRecord queue)
{
    public string Id { get; } = id;

    /// <summary>Arrival order, the final tie-break everywhere.</summary>
    public long Seq { get; } = seq;

    /// <summary>As submitted; only <see cref="ContactCenterState.SetProduct"/> replaces it (the product, nothing routing reads).</summary>
    public InteractionRequest Request { get; set; } = request;

    public int Slot { get; } = Slots.Of(request.Channel);

    public DateTimeOffset ArrivedAt { get; } = arrivedAt;

    /// <summary>The time that orders waiting interactions: a call-back's original start, otherwise arrival.</summary>
    public DateTimeOffset OrderTime { get; } =
        request.OriginalStartedAt is { } original && original < arrivedAt ? original : arrivedAt;

    public QueueRecord Queue { get; set; } = queue;

    public DateTimeOffset QueueEnteredAt { get; set; } = arrivedAt;

    /// <summary>Bumped on every queue change so widening/overflow timers of the old queue are ignored.</summary>
    public long QueueVersion { get; set; }

    /// <summary>The interaction's own priority: the request's, until an admin re-prioritises it (only while queued).</summary>
    public int Priority { get; set; } = request.Priority;

    public int EffectivePriority => Queue.Definition.Priority + Priority;

    /// <summary>The waiting set holding this interaction; non-null exactly while it is queued.</summary>
    public Pool? Pool { get; set; }

    public InteractionState State { get; set; } = InteractionState.Queued;

    /// <summary>The connected agent put this voice call on hold; cleared by resume and by any change of state.</summary>
    public bool OnHold { get; set; }

    public DateTimeOffset StateSince { get; set; } = arrivedAt;

    /// <summary>A hand-over to another agent in progress (that agent is reserved); null otherwise.</summary>
    public ConsultRecord? Consult { get; set; }

    public AgentRecord? Agent { get; set; }

    public OfferRecord? Offer { get; set; }

    public int OfferCount { get; set; }

    /// <summary>When the agent now holding it was offered it: the start of the slot occupancy that EWT learns from.</summary>
    public DateTimeOffset? HeldSince { get; set; }

    public long WrapUpVersion { get; set; }

    /// <summary>Agents to skip (until the given time) because they rejected it or let it time out.</summary>
    public Dictionary<AgentRecord, DateTimeOffset>? Excluded { get; set; }

    public bool IsWaiting => State is InteractionState.Queued or InteractionState.Offered;

    public bool Excludes(AgentRecord agent, DateTimeOffset now) =>
        Excluded is { Count: > 0 } excluded && excluded.TryGetValue(agent, out var until) && until > now;

    public InteractionView ToView() =>
        new(Id, Request, Queue.Id, State, Agent?.Id, ArrivedAt, StateSince);
}
