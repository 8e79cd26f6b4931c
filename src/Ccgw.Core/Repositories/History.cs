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
    DateTimeOffset? EndedAt,
    HelpMedium? Medium = null);

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

/// <summary>An interaction's row as it is now and events to append to its history.</summary>
public sealed record InteractionHistoryAppend(InteractionHistoryEntry Entry, IReadOnlyList<InteractionHistoryEvent> Events);

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

    /// <summary>Several <see cref="AppendAsync(InteractionHistoryEntry, IReadOnlyList{InteractionHistoryEvent}, CancellationToken)"/>, applied in order in one transaction.</summary>
    ValueTask AppendAsync(IReadOnlyList<InteractionHistoryAppend> appends, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<InteractionHistoryEntry>> QueryAsync(InteractionHistoryQuery query, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<InteractionHistoryEvent>> GetEventsAsync(string interactionId, CancellationToken cancellationToken = default);
}

/// <summary>Who wrote a transcript line: the customer, the agent, or the gateway itself (the bot's prompts, notices).</summary>
public enum TranscriptSender
{
    Customer,
    Agent,
    Gateway,
}

/// <summary>
/// One line of a chat's transcript, in order (<see cref="Sequence"/> from 1 within the interaction). Bodies are what the
/// two sides read; addresses of either side are never stored here (the agent is named by <see cref="AgentId"/>).
/// </summary>
public sealed record TranscriptLine(
    string InteractionId,
    int Sequence,
    DateTimeOffset At,
    TranscriptSender Sender,
    string? AgentId,
    string Body);

/// <summary>Chat transcripts kept with the interaction history (written by the IM channel when a chat ends).</summary>
public interface IInteractionTranscriptRepository
{
    /// <summary>Appends lines; idempotent per (interaction, sequence).</summary>
    ValueTask AppendAsync(IReadOnlyList<TranscriptLine> lines, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<TranscriptLine>> GetAsync(string interactionId, CancellationToken cancellationToken = default);
}
