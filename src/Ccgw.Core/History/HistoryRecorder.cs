using System.Data.Common;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.History;

/// <summary>
/// Writes every interaction lifecycle event from the core's stream into the interaction history. It subscribes
/// before the core starts processing (constructor), so no event is missed; writes are idempotent per sequence.
/// </summary>
public sealed partial class HistoryRecorder : IEventLoop
{
    private readonly EventFollower _events;
    private readonly IInteractionHistoryRepository _history;
    private readonly ILogger<HistoryRecorder> _log;

    public HistoryRecorder(RoutingEngine engine, IInteractionHistoryRepository history, ILogger<HistoryRecorder> log)
    {
        _events = new EventFollower(engine);
        _history = history;
        _log = log;
    }

    /// <summary>Most events per transaction.</summary>
    public const int MaxBatch = 256;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<InteractionHistoryAppend>(MaxBatch);
        try
        {
            while (await _events.WaitToReadAsync(stoppingToken))
            {
                // Whatever has arrived goes in one transaction: a call-back's attempt is five or six core events, and a
                // commit (an fsync and a turn at the write lock) each would cost more than the writes themselves.
                if (_events.TakeGap(out var gap))
                    LogEventsMissed(_log, gap.Missed, gap.AfterSequence); // gone for good: the core keeps no log to replay
                batch.Clear();
                while (batch.Count < MaxBatch && _events.TryRead(out var e))
                    if (ToHistory(e) is { } record) batch.Add(new InteractionHistoryAppend(record.Entry, [record.Event]));
                if (batch.Count == 0) continue;
                try
                {
                    await _history.AppendAsync(batch, stoppingToken);
                }
                catch (DbException ex)
                {
                    LogBatchFailed(_log, batch.Count, ex);
                    await AppendOneByOneAsync(batch, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// After a failed batch, each event is written on its own so that one event the database refuses (or a moment's
    /// failure) costs only what cannot be written, not the whole burst.
    /// </summary>
    private async Task AppendOneByOneAsync(List<InteractionHistoryAppend> batch, CancellationToken cancellationToken)
    {
        foreach (var append in batch)
        {
            try
            {
                await _history.AppendAsync(append.Entry, append.Events, cancellationToken);
            }
            catch (DbException ex)
            {
                LogWriteFailed(_log, append.Entry.InteractionId, ex);
            }
        }
    }

    internal static (InteractionHistoryEntry Entry, InteractionHistoryEvent Event)? ToHistory(CoreEvent e) => e switch
    {
        InteractionStateChanged s => (Entry(s.Interaction, e.At),
            new InteractionHistoryEvent(s.Interaction.Id, e.Sequence, e.At, "stateChanged", s.Interaction.State,
                s.Interaction.AgentId, s.Interaction.QueueId, s.Reason)),
        OfferMade o => (Entry(o.Offer.Interaction, e.At),
            new InteractionHistoryEvent(o.Offer.InteractionId, e.Sequence, e.At, "offerMade", InteractionState.Offered,
                o.Offer.AgentId, o.Offer.QueueId, null)),
        OfferClosed c => (Entry(c.Offer.Interaction, e.At),
            new InteractionHistoryEvent(c.Offer.InteractionId, e.Sequence, e.At, "offer" + c.Outcome, null,
                c.Offer.AgentId, c.Offer.QueueId, null)),
        // Issue 19: a hand-over between agents, kept beside the state changes (consultStarted/Completed/Cancelled; the
        // agent column names the target, the detail both agents), so history shows who passed the caller to whom.
        InteractionConsultChanged c => (Entry(c.Interaction, e.At),
            new InteractionHistoryEvent(c.Interaction.Id, e.Sequence, e.At, "consult" + c.Phase, null,
                c.TargetAgentId, c.Interaction.QueueId,
                $"{(c.Blind ? "blind " : "")}from {c.FromAgentId} to {c.TargetAgentId}{(c.Reason is { } why ? ": " + why : "")}")),
        _ => null,
    };

    private static InteractionHistoryEntry Entry(InteractionView i, DateTimeOffset at) => new(
        i.Id, i.Channel, i.QueueId, i.Request.CustomerId, i.Request.Address, i.Request.Product, i.AgentId, i.State,
        i.ArrivedAt, i.Request.OriginalStartedAt,
        i.State is InteractionState.Ended or InteractionState.Abandoned or InteractionState.Failed ? at : null, i.Request.Medium);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "could not record a history event of interaction {InteractionId}")]
    private static partial void LogWriteFailed(ILogger logger, string interactionId, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error,
        Message = "history fell behind the core and missed about {Missed} events after sequence {Sequence}; interactions active then lack those steps")]
    private static partial void LogEventsMissed(ILogger logger, long missed, long sequence);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "could not record {Count} history events together; writing them one by one")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);
}
