using Ccgw.Core;
using Ccgw.Core.Repositories;

namespace Ccgw.Web.Admin;

/// <summary>JSON shapes of the admin API (camelCase, enums as camelCase strings, times ISO 8601 UTC).</summary>
public sealed record ChannelsView(int Voice, int Im, int Callback);

public sealed record AgentView(string AgentId, AgentState State, string? Reason, DateTimeOffset Since,
    ChannelsView Channels, ChannelsView Capacity, IReadOnlyList<string> Interactions, IReadOnlyList<string> LostDevices)
{
    public static AgentView From(AgentPresence p) => new(p.AgentId, p.State, p.Reason, p.Since.ToUniversalTime(),
        new ChannelsView(p.Load.Voice, p.Load.Im, p.Load.Callback),
        new ChannelsView(p.Capacity.Voice, p.Capacity.Im, p.Capacity.Callback),
        p.InteractionIds, p.LostDevices);

    /// <summary>Live state plus the provisioned settings, when known.</summary>
    public static AgentView From(AgentPresence p, ProvisionedAgent? settings) => From(p) with
    {
        Name = settings?.Name,
        Skills = settings?.Skills,
        Capabilities = settings?.Capabilities,
        ReasonCodes = settings?.ReasonCodes,
    };

    public string? Name { get; init; }

    public IReadOnlyDictionary<string, int>? Skills { get; init; }

    public IReadOnlyList<string>? Capabilities { get; init; }

    public IReadOnlyList<string>? ReasonCodes { get; init; }
}

public sealed record QueueView(string Queue, int Waiting, int AgentsReady, int AgentsBusy, double? EwtSeconds,
    double? EwtLowSeconds, double? EwtHighSeconds, double LongestWaitSeconds, long Answered, long Abandoned,
    double? ServiceLevel, DateTimeOffset UpdatedAt)
{
    public static QueueView From(QueueStats s) => new(s.QueueId, s.Waiting, s.AgentsReady, s.AgentsBusy, s.Ewt.Seconds,
        s.Ewt.LowSeconds, s.Ewt.HighSeconds, s.LongestWaitSeconds, s.Answered, s.Abandoned, s.ServiceLevel, s.UpdatedAt.ToUniversalTime());
}

public sealed record AgentStateChange(string? State, string? Reason);

public sealed record CallbackChange(int? Priority, DateTimeOffset? ScheduledAt);

/// <summary>Body of <c>PATCH /api/admin/interactions/{id}</c>: a supervisor re-prioritises a waiting live interaction.</summary>
public sealed record InteractionChange(int? Priority);

/// <summary>The interaction after a re-prioritisation: where it now stands (position 0 and no wait once offered).</summary>
public sealed record InteractionPriorityView(string Id, string Queue, InteractionChannel Channel, InteractionState State, int Priority,
    int Position, double? EwtSeconds);

public sealed record CallbackView(string Id, string Queue, InteractionChannel Channel, string Address, DateTimeOffset ScheduledAt,
    int Priority, DateTimeOffset OriginalStartedAt, CallbackStatus Status, string? CustomerId, string? PageUrl, string? Topic,
    string? Name, string? ImAddress, string? TimeZone, int Attempts, string? LastOutcome, DateTimeOffset? LastAttemptAt)
{
    public static CallbackView From(CallbackRequest c) => new(c.Id, c.QueueId, c.Channel, c.Address, c.ScheduledAt.ToUniversalTime(),
        c.Priority, c.OriginalStartedAt.ToUniversalTime(), c.Status, c.CustomerId, c.PageUrl, c.Topic,
        c.Name, c.ImAddress, c.TimeZone, c.Attempts, c.LastOutcome, c.LastAttemptAt?.ToUniversalTime());
}

/// <summary>One mapped endpoint: its route pattern and methods (empty: any method).</summary>
public sealed record EndpointView(string Route, IReadOnlyList<string> Methods);
