using System.Collections.Immutable;

namespace Ccgw.Core;

/// <summary>Interactions in hand per channel (offered, connected or in wrap-up). Web counts as call-back.</summary>
public sealed record ChannelLoad(int Voice, int Im, int Callback);

/// <summary>What consoles see of an agent (MQTT <c>ccgw/agents/{id}/presence</c>). Routing uses exactly this state.</summary>
public sealed record AgentPresence(
    string AgentId,
    AgentState State,
    string? Reason,
    DateTimeOffset Since,
    ChannelLoad Load,
    ChannelCapacity Capacity,
    ImmutableArray<string> InteractionIds,
    ImmutableArray<string> LostDevices)
{
    /// <summary>Of <see cref="InteractionIds"/>, the connected voice calls the agent has put on hold (console "hold").</summary>
    public ImmutableArray<string> HeldInteractionIds { get; init; } = [];

    /// <summary>Hand-overs this agent takes part in, as the agent handing over or as the (reserved) target.</summary>
    public ImmutableArray<ConsultView> Consults { get; init; } = [];
}

/// <summary>A consult in progress: <see cref="FromAgentId"/> hands <see cref="InteractionId"/> to <see cref="TargetAgentId"/>.</summary>
public sealed record ConsultView(string InteractionId, string FromAgentId, string TargetAgentId, DateTimeOffset Since);

/// <summary>
/// Estimated wait: <see cref="Seconds"/> is the expected value, [<see cref="LowSeconds"/>, <see cref="HighSeconds"/>]
/// an 80% interval. All three are null when no agent able to serve the queue is staffed (the wait is unbounded).
/// <see cref="Samples"/> is how many observed handle times the estimate rests on (0: the configured default).
/// </summary>
public sealed record WaitEstimate(double? Seconds, double? LowSeconds, double? HighSeconds, int Position, int Samples)
{
    public static WaitEstimate Immediate { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>Per-queue figures (MQTT <c>ccgw/queues/{queue}/stats</c>).</summary>
public sealed record QueueStats(
    string QueueId,
    int Waiting,
    int AgentsReady,
    int AgentsBusy,
    WaitEstimate Ewt,
    double LongestWaitSeconds,
    long Answered,
    long Abandoned,
    double? ServiceLevel,
    DateTimeOffset UpdatedAt)
{
    public double? EwtSeconds => Ewt.Seconds;
}

/// <summary>Centre totals (MQTT <c>ccgw/center/status</c>).</summary>
public sealed record CenterTotals(
    int Waiting,
    int AgentsReady,
    int AgentsBusy,
    int AgentsWrapUp,
    int AgentsNotReady,
    int AgentsOffline,
    double LongestWaitSeconds);

/// <summary>An immutable view of the centre the engine publishes after every applied command; safe to read from any thread.</summary>
public sealed record CenterSnapshot(
    long Version,
    DateTimeOffset At,
    ImmutableDictionary<string, AgentPresence> Agents,
    ImmutableDictionary<string, QueueStats> Queues,
    CenterTotals Totals)
{
    /// <summary>Customers whose latest presence is not offline (see <c>RoutingEngine.SetClientPresenceAsync</c>).</summary>
    public ImmutableDictionary<string, ClientPresence> Clients { get; init; } = ImmutableDictionary.Create<string, ClientPresence>(StringComparer.Ordinal);
}

/// <summary>An interaction as events and queries show it. <see cref="QueueId"/> is the current queue (it changes on overflow).</summary>
public sealed record InteractionView(
    string Id,
    InteractionRequest Request,
    string QueueId,
    InteractionState State,
    string? AgentId,
    DateTimeOffset ArrivedAt,
    DateTimeOffset StateSince)
{
    public InteractionChannel Channel => Request.Channel;

    public string? ChannelKey => Request.ChannelKey;
}

/// <summary>Answer to <c>SubmitInteractionAsync</c>: the id, and where the interaction stands right after routing ran.</summary>
public sealed record SubmitResult(string InteractionId, InteractionState State, string? AgentId, int Position, WaitEstimate Ewt);

/// <summary>Answer to an interaction status query; position and estimate are meaningful while it is queued.</summary>
public sealed record InteractionStatus(InteractionView Interaction, int Position, WaitEstimate Ewt);

/// <summary>
/// One queued interaction as <c>RoutingEngine.GetQueuePositionsAsync</c> lists it, in offer order: its own priority,
/// its order time (arrival, or a call-back's virtual start), its 1-based <see cref="Position"/> among the queue's
/// queued interactions of the same capacity slot and the estimated wait for that position (docs/ewt.md).
/// </summary>
public sealed record WaitingPosition(string InteractionId, InteractionChannel Channel, string? ChannelKey, int Priority,
    DateTimeOffset OrderTime, int Position, WaitEstimate Ewt);

/// <summary>
/// Answer to <c>RoutingEngine.GetEntryPlaceAsync</c>: where an interaction not yet in the core would stand if it entered
/// now — the <see cref="Position"/> and <see cref="Ewt"/> <c>GetInteractionAsync</c> would report for it right after it
/// entered, unless an agent was free and it was offered at once (then position 1 with a wait of 0 here).
/// </summary>
public sealed record EntryPlace(int Position, WaitEstimate Ewt);

/// <summary>An offer: a reservation of one agent slot for one interaction until <see cref="ExpiresAt"/>.</summary>
public sealed record Offer(
    string OfferId,
    string InteractionId,
    string AgentId,
    string QueueId,
    InteractionChannel Channel,
    DateTimeOffset OfferedAt,
    DateTimeOffset ExpiresAt,
    double WaitedSeconds,
    InteractionView Interaction);
