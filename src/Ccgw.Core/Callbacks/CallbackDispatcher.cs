using System.Collections.Frozen;
using System.Data.Common;
using Ccgw.Core.Repositories;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// The call-back scheduler's decisions, driven by the caller's clock and the core's events (no loop, no timer of its
/// own, so tests run it on a manual clock):
/// <list type="bullet">
/// <item><see cref="RecoverAsync"/> at start: attempts in flight when the daemon died become interrupted, never redialled.</item>
/// <item><see cref="DispatchDueAsync"/>: every due call-back is recorded durably as an attempt, then handed to the
/// core (channel callback, id = call-back id, virtual start = original request time) where it waits in the queue beside
/// live interactions and is offered in the same order; the voice adapter dials on the offer.</item>
/// <item><see cref="HandleAsync"/>: outcomes from the core's stream go to the call-back row (answered, busy /
/// noAnswer / failed retried with back-off up to the queue's limit, rejected), and a customer who reaches an agent by
/// any channel has their pending call-backs done.</item>
/// </list>
/// </summary>
public sealed partial class CallbackDispatcher(
    RoutingEngine engine,
    ContactCenterDefinition definition,
    CallbackPolicies policies,
    ICallbackRepository callbacks,
    IInteractionHistoryRepository history,
    ILogger<CallbackDispatcher> log,
    IvrCallbacks? ivr = null)
{
    /// <summary>Failure reasons (from the voice adapter through <c>FailInteractionAsync</c>) that are worth another attempt.</summary>
    public static readonly FrozenSet<string> RetryableReasons = new[] { "busy", "noAnswer", "failed" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Scheduler decisions are appended to the interaction's history after the core's own events.</summary>
    private const long HistorySequenceBase = 1L << 50;

    private readonly FrozenDictionary<string, QueueDefinition> _queues = definition.Queues.ToFrozenDictionary(q => q.Id, StringComparer.Ordinal);

    /// <summary>
    /// Call-backs this process handed to the core and that have not finished, by id, as their attempt recorded them: only
    /// this dispatcher changes a call-back's attempts, so an outcome needs no read of the row.
    /// </summary>
    private readonly Dictionary<string, CallbackRequest> _active = new(StringComparer.Ordinal);

    private long _historySequence;

    /// <summary>Most call-backs handed to the core per <see cref="DispatchDueAsync"/> (one commit, one batch of commands).</summary>
    public const int MaxPerDispatch = 256;

    public int InFlight => _active.Count;

    public async Task<IReadOnlyList<CallbackRequest>> RecoverAsync(DateTimeOffset now, CancellationToken ct)
    {
        var interrupted = await callbacks.RecoverInFlightAsync(ct);
        foreach (var cb in interrupted)
        {
            LogInterrupted(log, cb.Id, cb.QueueId, cb.Attempts);
            await AppendHistoryAsync(cb.Id, cb.QueueId, cb.CustomerId, cb.Address, now, "callbackInterrupted",
                "the daemon stopped while this attempt was in flight; not redialled automatically", ct);
        }
        return interrupted;
    }

    /// <summary>
    /// Hands every due call-back to the core (at most <see cref="MaxPerDispatch"/> per call; the scheduler calls again
    /// each poll), whether or not an agent is free: it waits in the core's queue beside live calls and chats, ordered by
    /// its virtual start (<see cref="VirtualStart"/>), and the core offers it, reserving an agent, in that order. Returns
    /// the ids handed over.
    /// </summary>
    public async Task<IReadOnlyList<string>> DispatchDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var due = await callbacks.ListAsync(dueBy: now, statuses: [CallbackStatus.Scheduled], limit: MaxPerDispatch, cancellationToken: ct);
        var ivrRoom = IvrCallbacks.MaxInFlight - _active.Values.Count(a => a.Medium == HelpMedium.Ivr);
        var plan = due.Where(cb => cb.ScheduledAt <= now && _queues.ContainsKey(cb.QueueId) && !_active.ContainsKey(cb.Id)
            && (cb.Medium != HelpMedium.Ivr || ivrRoom-- > 0)).ToArray();
        var started = new List<string>(plan.Length);
        if (plan.Length == 0) return started;
        // Durable first, the whole batch in one commit: once these rows say "queued" a crash can never lead to a second
        // automatic dial (recovery puts a queued row that was never dialled back to scheduled), and none is handed to the
        // core before that commit.
        var attempts = await callbacks.BeginAttemptsAsync([.. plan.Select(cb => cb.Id)], now, ct);
        foreach (var attempt in attempts)
        {
            _active[attempt.Id] = attempt;
            try
            {
                var request = attempt.ToInteractionRequest() with
                {
                    Channel = InteractionChannel.Callback,
                    OriginalStartedAt = VirtualStart(attempt),
                };
                if (attempt.Medium == HelpMedium.Ivr)
                {
                    // The automated call-back dials without an agent; the core sees it only if its flow queues.
                    if (!await StartIvrAsync(attempt, request, now, ct)) continue;
                    started.Add(attempt.Id);
                    continue;
                }
                await engine.SubmitInteractionAsync(request, ct);
                started.Add(attempt.Id);
                var mode = policies.ModeFor(attempt.QueueId);
                LogStarted(log, attempt.Id, attempt.QueueId, attempt.Attempts, mode);
            }
            catch (ArgumentException e)
            {
                _active.Remove(attempt.Id);
                await callbacks.RecordOutcomeAsync(attempt.Id, CallbackStatus.Failed, "notStarted", cancellationToken: ct);
                LogNotStarted(log, attempt.Id, e.Message);
            }
        }
        return started;
    }

    /// <summary>
    /// Hands an automated call-back to the voice adapter with its topic's flow. Without a flow (the topic's mapping was
    /// removed since it was booked) or a voice adapter it fails at once, not retried: dialling would play nothing.
    /// </summary>
    private async Task<bool> StartIvrAsync(CallbackRequest attempt, InteractionRequest request, DateTimeOffset now, CancellationToken ct)
    {
        var flow = ivr?.FlowFor(attempt.QueueId);
        var reason = ivr is null ? "noVoice" : flow is null ? "noFlow" : null;
        if (flow is not null && ivr!.Start(new IvrCallbackStart(attempt, flow, request)))
        {
            LogIvrStarted(log, attempt.Id, attempt.QueueId, attempt.Attempts, flow);
            return true;
        }
        reason ??= "busy";
        _active.Remove(attempt.Id);
        var pending = new PendingOutcomes();
        if (reason == "busy") Failed(attempt, "failed", now, pending); // the queue was full: another attempt later
        else
        {
            pending.Add(new CallbackOutcome(attempt.Id, CallbackStatus.Failed, reason));
            pending.History.Add(HistoryNote(attempt.Id, attempt.QueueId, attempt.CustomerId, attempt.Address, now, "callbackFailed",
                $"automated call-back: the topic has no flow (SelfHelp:TopicFlows:{attempt.QueueId}); not dialled", medium: HelpMedium.Ivr));
            LogGivenUp(log, attempt.Id, reason, attempt.Attempts);
        }
        await FlushAsync(pending, ct);
        return false;
    }

    /// <summary>
    /// Applies the voice adapter's reports of automated call-backs that ended without the core: not reached (retried as a
    /// voice call-back is), served by the flow (done, <c>self-served</c>), or gone before the flow ended (done, <c>abandoned</c>).
    /// History keeps the medium and the flow's result.
    /// </summary>
    public async Task HandleIvrReportsAsync(IReadOnlyList<IvrCallbackReport> reports, CancellationToken ct)
    {
        var pending = new PendingOutcomes();
        foreach (var r in reports)
        {
            if (pending.Finished.Contains(r.Id) || !_active.TryGetValue(r.Id, out var attempt)) continue;
            switch (r.Result)
            {
                case IvrCallbackResult.NotReached:
                    Failed(attempt, r.Reason, r.At, pending);
                    break;
                case IvrCallbackResult.SelfServed:
                    pending.Add(new CallbackOutcome(r.Id, CallbackStatus.Done, SelfServedOutcome));
                    pending.History.Add(HistoryNote(r.Id, attempt.QueueId, attempt.CustomerId, attempt.Address, r.At, "callbackSelfServed",
                        $"automated call-back: the flow ended ({r.Reason}) without an agent", InteractionState.Ended, HelpMedium.Ivr));
                    LogSelfServed(log, r.Id, r.Reason);
                    break;
                case IvrCallbackResult.Abandoned:
                    pending.Add(new CallbackOutcome(r.Id, CallbackStatus.Done, "abandoned"));
                    pending.History.Add(HistoryNote(r.Id, attempt.QueueId, attempt.CustomerId, attempt.Address, r.At, "callbackAbandoned",
                        $"automated call-back: the customer left the flow ({r.Reason})", InteractionState.Abandoned, HelpMedium.Ivr));
                    break;
            }
        }
        await FlushAsync(pending, ct);
    }

    /// <summary>The outcome of an automated call-back whose flow ended without an agent.</summary>
    public const string SelfServedOutcome = "self-served";

    /// <summary>
    /// Where a call-back stands in the core's queue: its original request time, so it keeps the place it would have had
    /// as a live caller (Amazon Connect's and TaskRouter's "virtual hold"). That holds for every attempt: a retry after a
    /// busy line does not lose its turn, and a call-back booked for later is served at its time, ahead of live callers
    /// who arrived after it was booked (the booking is the promise).
    /// </summary>
    public static DateTimeOffset VirtualStart(CallbackRequest attempt) => attempt.OriginalStartedAt;

    public Task HandleAsync(CoreEvent e, CancellationToken ct) => HandleAsync([e], ct);

    /// <summary>
    /// Applies core events that arrived together, in order. Their outcomes are written in one transaction and the
    /// decisions' history in one more (a burst of finished attempts costs two commits, not two each). A call-back is
    /// forgotten only once its outcome is written, so when a busy database makes the caller run the same events again,
    /// no outcome is lost.
    /// </summary>
    public async Task HandleAsync(IReadOnlyList<CoreEvent> events, CancellationToken ct)
    {
        var pending = new PendingOutcomes();
        foreach (var e in events)
        {
            if (e is not InteractionStateChanged s) continue;
            var i = s.Interaction;
            if (pending.Finished.Contains(i.Id)) continue;
            if (!_active.TryGetValue(i.Id, out var attempt) || i.Channel != InteractionChannel.Callback)
            {
                if (i.State == InteractionState.Connected)
                {
                    // In order: a retry collected above may be one of the call-backs this contact makes unnecessary.
                    await FlushAsync(pending, ct);
                    await CompleteForCustomerAsync(i, ct);
                }
                continue;
            }
            // Queued, offered, connected: the core and the voice adapter carry it on. An agent who took it has not
            // necessarily dialled the customer yet; the voice adapter records the row's dialling and connected states
            // itself, in order with the INVITE it sends.
            switch (i.State)
            {
                case InteractionState.WrapUp or InteractionState.Ended:
                    pending.Add(new CallbackOutcome(i.Id, CallbackStatus.Done, "answered"));
                    break;
                case InteractionState.Abandoned:
                    pending.Add(new CallbackOutcome(i.Id, CallbackStatus.Done, "abandoned"));
                    break;
                case InteractionState.Failed:
                    Failed(attempt, s.Reason ?? "failed", e.At, pending);
                    break;
            }
        }
        await FlushAsync(pending, ct);
    }

    private void Failed(CallbackRequest cb, string reason, DateTimeOffset at, PendingOutcomes pending)
    {
        var policy = policies.Find(cb.QueueId);
        var maxAttempts = policy?.MaxAttempts ?? 1;
        if (RetryableReasons.Contains(reason) && cb.Attempts < maxAttempts)
        {
            var retryAt = at + (policy?.BackoffAfter(cb.Attempts) ?? CallbackQueuePolicy.DefaultRetryBackoff);
            pending.Add(new CallbackOutcome(cb.Id, CallbackStatus.Scheduled, reason, retryAt));
            pending.History.Add(HistoryNote(cb.Id, cb.QueueId, cb.CustomerId, cb.Address, at, "callbackRetry",
                $"attempt {cb.Attempts} of {maxAttempts}: {reason}; next attempt at {retryAt:O}", medium: cb.Medium == HelpMedium.Ivr ? HelpMedium.Ivr : null));
            LogRetry(log, cb.Id, reason, cb.Attempts, retryAt);
        }
        else
        {
            pending.Add(new CallbackOutcome(cb.Id, CallbackStatus.Failed, reason));
            pending.History.Add(HistoryNote(cb.Id, cb.QueueId, cb.CustomerId, cb.Address, at, "callbackFailed",
                $"attempt {cb.Attempts} of {maxAttempts}: {reason}; given up", medium: cb.Medium == HelpMedium.Ivr ? HelpMedium.Ivr : null));
            LogGivenUp(log, cb.Id, reason, cb.Attempts);
        }
    }

    private async Task FlushAsync(PendingOutcomes pending, CancellationToken ct)
    {
        if (pending.Outcomes.Count > 0) await callbacks.RecordOutcomesAsync(pending.Outcomes, ct);
        foreach (var id in pending.Finished) Forget(id);
        var history = pending.History.ToArray();
        pending.Clear();
        if (history.Length > 0) await AppendHistoryAsync(history, ct);
    }

    /// <summary>Outcomes and history notes collected from events that arrived together, not yet written.</summary>
    private sealed class PendingOutcomes
    {
        public List<CallbackOutcome> Outcomes { get; } = [];
        public HashSet<string> Finished { get; } = new(StringComparer.Ordinal);
        public List<InteractionHistoryAppend> History { get; } = [];

        public void Add(CallbackOutcome outcome)
        {
            Outcomes.Add(outcome);
            Finished.Add(outcome.Id);
        }

        public void Clear()
        {
            Outcomes.Clear();
            Finished.Clear();
            History.Clear();
        }
    }

    /// <summary>The customer reached an agent by another channel first: their pending call-backs are done.</summary>
    private async Task CompleteForCustomerAsync(InteractionView i, CancellationToken ct)
    {
        var customerId = i.Request.CustomerId;
        var address = i.Request.Address;
        if (customerId is null && address is null) return;
        var done = await callbacks.CompletePendingForCustomerAsync(customerId, address, $"reachedAgent:{i.Id}", ct);
        foreach (var id in done)
        {
            LogReachedFirst(log, id, i.Id);
            await AppendHistoryAsync(id, i.QueueId, customerId, address, i.StateSince, "callbackDone",
                $"the customer reached an agent first ({i.Channel} interaction {i.Id}); no call-back needed", ct, InteractionState.Ended);
        }
    }

    private void Forget(string id) => _active.Remove(id);

    /// <summary>
    /// Appends a scheduler decision to the call-back's interaction history, sequenced after the core's events (by time),
    /// with the state the attempt ended in (<paramref name="state"/>, terminal, so the row shows it ended).
    /// </summary>
    private Task AppendHistoryAsync(string id, string queueId, string? customerId, string? address, DateTimeOffset at,
        string kind, string detail, CancellationToken ct, InteractionState state = InteractionState.Failed) =>
        AppendHistoryAsync([HistoryNote(id, queueId, customerId, address, at, kind, detail, state)], ct);

    private async Task AppendHistoryAsync(IReadOnlyList<InteractionHistoryAppend> notes, CancellationToken ct)
    {
        try
        {
            await history.AppendAsync(notes, ct);
        }
        catch (DbException ex)
        {
            LogHistoryFailed(log, notes[0].Entry.InteractionId, ex);
        }
    }

    private InteractionHistoryAppend HistoryNote(string id, string queueId, string? customerId, string? address, DateTimeOffset at,
        string kind, string detail, InteractionState state = InteractionState.Failed, HelpMedium? medium = null) =>
        new(new InteractionHistoryEntry(id, InteractionChannel.Callback, queueId, customerId, address, null, null, state, at, null, at, medium),
            [new InteractionHistoryEvent(id, HistorySequenceBase + at.ToUnixTimeMilliseconds() * 16 + (Interlocked.Increment(ref _historySequence) & 15),
                at, kind, null, null, queueId, detail)]);

    [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "call-back {CallbackId} ({Queue}, attempt {Attempts}) was in flight when the daemon stopped: marked interrupted, not redialled; a supervisor can reschedule it")]
    private static partial void LogInterrupted(ILogger logger, string callbackId, string queue, int attempts);

    [LoggerMessage(EventId = 801, Level = LogLevel.Information, Message = "call-back {CallbackId} ({Queue}) attempt {Attempt} started ({Mode})")]
    private static partial void LogStarted(ILogger logger, string callbackId, string queue, int attempt, CallbackDialMode mode);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "call-back {CallbackId} could not be handed to the core: {Reason}")]
    private static partial void LogNotStarted(ILogger logger, string callbackId, string reason);

    [LoggerMessage(EventId = 803, Level = LogLevel.Information, Message = "call-back {CallbackId}: {Reason} on attempt {Attempts}; retry at {RetryAt:O}")]
    private static partial void LogRetry(ILogger logger, string callbackId, string reason, int attempts, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 804, Level = LogLevel.Warning, Message = "call-back {CallbackId}: {Reason} on attempt {Attempts}; given up")]
    private static partial void LogGivenUp(ILogger logger, string callbackId, string reason, int attempts);

    [LoggerMessage(EventId = 805, Level = LogLevel.Information, Message = "call-back {CallbackId} done: the customer reached an agent first (interaction {InteractionId})")]
    private static partial void LogReachedFirst(ILogger logger, string callbackId, string interactionId);

    [LoggerMessage(EventId = 18300, Level = LogLevel.Information, Message = "call-back {CallbackId} ({Queue}) attempt {Attempt} started: automated, flow {Flow}")]
    private static partial void LogIvrStarted(ILogger logger, string callbackId, string queue, int attempt, string flow);

    [LoggerMessage(EventId = 18301, Level = LogLevel.Information, Message = "call-back {CallbackId} done: self-served, the flow ended ({Reason})")]
    private static partial void LogSelfServed(ILogger logger, string callbackId, string reason);

    [LoggerMessage(EventId = 806, Level = LogLevel.Error, Message = "could not record call-back history of {CallbackId}")]
    private static partial void LogHistoryFailed(ILogger logger, string callbackId, Exception exception);
}
