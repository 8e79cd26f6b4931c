namespace Ccgw.Core;

/// <summary>How many interactions of each channel an agent handles at once. Web counts against <see cref="Callback"/>.</summary>
public sealed record ChannelCapacity(int Voice = 1, int Im = 1, int Callback = 1)
{
    public int For(InteractionChannel channel) => channel switch
    {
        InteractionChannel.Voice => Voice,
        InteractionChannel.Im => Im,
        _ => Callback,
    };
}

/// <summary>
/// Which channels an agent may mix. With <see cref="VoiceExclusive"/> a voice interaction is only offered to an
/// agent with nothing else in hand, and nothing else is offered while a voice interaction is in hand.
/// </summary>
public sealed record BlendingRules(bool VoiceExclusive = true, int MaxConcurrent = int.MaxValue)
{
    public static BlendingRules Default { get; } = new();
}

/// <summary>An agent as configured. Skills map skill name → level 1..10; capabilities name the agent's devices/features.</summary>
public sealed record AgentDefinition(
    string Id,
    string Name,
    IReadOnlyDictionary<string, int> Skills,
    ChannelCapacity Capacity,
    IReadOnlySet<string>? Capabilities = null,
    BlendingRules? Blending = null);

/// <summary>Service level: the fraction <see cref="Target"/> of interactions should be answered within <see cref="Threshold"/>.</summary>
public sealed record ServiceLevelTarget(TimeSpan Threshold, double Target);

/// <summary>After <see cref="After"/> in this queue, a still-waiting interaction moves to <see cref="Queue"/>, keeping its place in time.</summary>
public sealed record OverflowRule(TimeSpan After, string Queue);

/// <summary>After <see cref="After"/> of waiting, every required skill accepts agents from <see cref="MinimumLevel"/> up.</summary>
public sealed record WideningStep(TimeSpan After, int MinimumLevel);

/// <summary>
/// A queue as configured. <see cref="RequiredSkills"/> maps skill → minimum level; <see cref="Priority"/> is added to each
/// interaction's own priority (higher is served first); <see cref="Widening"/> relaxes the minimum levels as the wait grows.
/// </summary>
public sealed record QueueDefinition(
    string Id,
    IReadOnlyDictionary<string, int> RequiredSkills,
    int Priority = 0,
    ServiceLevelTarget? ServiceLevel = null,
    OverflowRule? Overflow = null,
    IReadOnlyList<WideningStep>? Widening = null,
    TimeSpan? WrapUp = null)
{
    /// <summary>Capabilities every agent offered this queue's interactions must have (e.g. "video"); null or empty: none.</summary>
    public IReadOnlySet<string>? RequiredAgentCapabilities { get; init; }

    /// <summary>
    /// Rules deriving further required agent capabilities from the customer's client (seed 004). They belong to the
    /// queue, so an interaction that overflows leaves them behind: overflow is how a client nobody here can serve
    /// still reaches someone.
    /// </summary>
    public IReadOnlyList<CompatibilityRule>? Compatibility { get; init; }
}

/// <summary>How agents that qualify equally well are ordered.</summary>
public enum AgentSelection
{
    /// <summary>Highest summed level on the queue's required skills, then least loaded, then longest idle.</summary>
    MostSkilledThenLongestIdle,

    /// <summary>Least loaded, then longest idle; skill level only decides eligibility.</summary>
    LongestIdle,
}

/// <summary>Centre-wide routing settings.</summary>
public sealed record RoutingOptions
{
    /// <summary>How long an offer rings before it times out and the interaction goes to the next agent.</summary>
    public TimeSpan OfferTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Wrap-up after an interaction ends, unless its queue says otherwise. Zero means no wrap-up.</summary>
    public TimeSpan DefaultWrapUp { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a lost console or phone registration may stay lost before the agent is logged off.</summary>
    public TimeSpan DeviceLostGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An agent who let an offer time out is set not-ready (reason <see cref="OfferTimeoutReason"/>) so callers do not ring an empty desk.</summary>
    public bool NotReadyOnOfferTimeout { get; init; } = true;

    public string OfferTimeoutReason { get; init; } = "offerTimeout";

    /// <summary>How long an interaction avoids an agent who rejected it or let it time out, so it goes to the next agent first.</summary>
    public TimeSpan RejectCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Handle time assumed for estimated wait until a queue has observations of its own.</summary>
    public TimeSpan DefaultHandleTime { get; init; } = TimeSpan.FromMinutes(3);

    public AgentSelection AgentSelection { get; init; } = AgentSelection.MostSkilledThenLongestIdle;

    /// <summary>While anyone waits, queue figures (longest wait, estimate) are re-published this often. Zero: only on change.</summary>
    public TimeSpan StatsRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    public static RoutingOptions Default { get; } = new();
}

/// <summary>Everything the daemon builds from configuration for the routing core.</summary>
public sealed record ContactCenterDefinition(
    IReadOnlyList<AgentDefinition> Agents,
    IReadOnlyList<QueueDefinition> Queues,
    RoutingOptions Options)
{
    /// <summary>All problems at once, each with a key path such as <c>Queues[1].Overflow.Queue</c>; empty when valid.</summary>
    public IReadOnlyList<ValidationProblem> Validate() => DefinitionValidator.Validate(this);
}
