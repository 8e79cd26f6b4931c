namespace Ccgw.Core.Repositories;

/// <summary>One interaction as history keeps it; written on arrival and updated as it ends.</summary>
public sealed record InteractionHistoryEntry(
    string InteractionId,
    InteractionChannel Channel,
    string QueueId,
    string? CustomerId,
    string? Address,
    string? Product,
    string? AgentId,
    InteractionState State,
    DateTimeOffset ArrivedAt,
    DateTimeOffset? OriginalStartedAt,
    DateTimeOffset? EndedAt);

/// <summary>One lifecycle step: <see cref="Kind"/> names the core event (e.g. "offerMade", "stateChanged"), <see cref="Detail"/> its specifics.</summary>
public sealed record InteractionHistoryEvent(
    string InteractionId,
    long Sequence,
    DateTimeOffset At,
    string Kind,
    InteractionState? State,
    string? AgentId,
    string? QueueId,
    string? Detail);

/// <summary>Filters combine with AND; null means "any". Results are newest first, at most <see cref="Limit"/>.</summary>
public sealed record InteractionHistoryQuery(
    string? AgentId = null,
    string? CustomerId = null,
    string? Product = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = 100);

/// <summary>Interaction history: fed from the core's event stream, read by consoles and the admin API.</summary>
public interface IInteractionHistoryRepository
{
    /// <summary>Inserts or updates the interaction's row and appends its events (idempotent per event sequence).</summary>
    ValueTask AppendAsync(InteractionHistoryEntry entry, IReadOnlyList<InteractionHistoryEvent> events, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<InteractionHistoryEntry>> QueryAsync(InteractionHistoryQuery query, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<InteractionHistoryEvent>> GetEventsAsync(string interactionId, CancellationToken cancellationToken = default);
}
