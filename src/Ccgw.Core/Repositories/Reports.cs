namespace Ccgw.Core.Repositories;

/// <summary>
/// One interaction lifecycle step as reports read it. Only the kinds reports count are read (<c>stateChanged</c>,
/// <c>offerRejected</c>, <c>offerTimedOut</c>), and steps into wrap-up may be left out. An interaction's arrival is the time of its first step: the core
/// stamps both with the same clock reading.
/// </summary>
public sealed record ReportEvent(
    string InteractionId,
    long Sequence,
    DateTimeOffset At,
    string Kind,
    InteractionState? State,
    string? AgentId,
    string? QueueId,
    string? Detail);

/// <summary>A call-back's latest dial attempt: its queue, when and how it ended (the list keeps only the latest per call-back).</summary>
public sealed record ReportCallbackAttempt(string QueueId, DateTimeOffset At, string Outcome);

/// <summary>What interval reports read from storage; any engine that keeps the interaction history can serve it.</summary>
public interface IReportHistoryReader
{
    /// <summary>
    /// Events that happened in [<paramref name="from"/>, <paramref name="to"/>) in (time, interaction, sequence)
    /// order, preceded by every earlier event of the interactions concerned (those that began before
    /// <paramref name="from"/>), so a reader can follow each interaction from its first step.
    /// </summary>
    IAsyncEnumerable<ReportEvent> ReadEventsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Call-backs whose latest attempt was made in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    ValueTask<IReadOnlyList<ReportCallbackAttempt>> ReadCallbackAttemptsAsync(DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default);
}
