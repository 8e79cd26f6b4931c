using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// Runs the <see cref="CallbackDispatcher"/> (the daemon hosts it for its lifetime): recovery first, then one loop that applies the core's
/// events in order and, every <see cref="PollInterval"/> or after events, hands due call-backs to the core's queue. It
/// does so only when the core's snapshot reflects every event it has applied (<c>Snapshot.Version</c> equals the last
/// event's sequence), so a call-back whose attempt just finished is recorded before the list is read again. Subscribes
/// in its constructor, before the core runs, so no outcome is missed.
/// </summary>
public sealed partial class CallbackScheduler : IEventLoop
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Most core events applied together.</summary>
    public const int MaxBatch = 256;

    private readonly ChannelReader<CoreEvent> _events;
    private readonly RoutingEngine _engine;
    private readonly CallbackDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly BusyDatabaseRetry _retry;
    private readonly ILogger<CallbackScheduler> _log;
    private long _lastSequence;

    private readonly IvrCallbacks? _ivr;

    public CallbackScheduler(RoutingEngine engine, CallbackDispatcher dispatcher, TimeProvider time, BusyDatabaseRetry retry, ILogger<CallbackScheduler> log,
        IvrCallbacks? ivr = null)
    {
        _ivr = ivr;
        _events = engine.Subscribe();
        // Level with the snapshot from the start: due call-backs go to the core's queue even before any event arrives
        // (nobody ready yet is exactly when they must start waiting there).
        _lastSequence = engine.Snapshot.Version;
        _engine = engine;
        _dispatcher = dispatcher;
        _time = time;
        _retry = retry;
        _log = log;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _retry.RunAsync("recovery", () => _dispatcher.RecoverAsync(_time.GetUtcNow(), stoppingToken), stoppingToken);
            Task<bool>? eventReady = null;
            Task<bool>? ivrReady = null;
            var batch = new List<CoreEvent>(MaxBatch);
            var reports = new List<IvrCallbackReport>(MaxBatch);
            while (!stoppingToken.IsCancellationRequested)
            {
                // One outstanding wait at a time (the subscription is a single-reader channel); a tick does not abandon it.
                eventReady ??= _events.WaitToReadAsync(stoppingToken).AsTask();
                if (_ivr is not null) ivrReady ??= _ivr.Reports.WaitToReadAsync(stoppingToken).AsTask();
                if (!eventReady.IsCompleted && ivrReady is not { IsCompleted: true })
                    await (ivrReady is null
                        ? Task.WhenAny(eventReady, Task.Delay(PollInterval, _time, stoppingToken))
                        : Task.WhenAny(eventReady, ivrReady, Task.Delay(PollInterval, _time, stoppingToken)));
                if (ivrReady is { IsCompleted: true })
                {
                    // Automated call-backs that ended without the core (not reached, self-served, abandoned): their rows, in order.
                    ivrReady = null;
                    reports.Clear();
                    while (reports.Count < MaxBatch && _ivr!.Reports.TryRead(out var r)) reports.Add(r);
                    if (reports.Count > 0)
                        await _retry.RunAsync("automated outcomes", () => _dispatcher.HandleIvrReportsAsync(reports, stoppingToken), stoppingToken);
                }
                if (eventReady.IsCompleted)
                {
                    if (!await eventReady) return;
                    eventReady = null;
                }
                // What arrived together is applied together (its outcomes share a commit); in order and never skipped:
                // outcomes wait for a busy database rather than being lost.
                batch.Clear();
                while (batch.Count < MaxBatch && _events.TryRead(out var e)) batch.Add(e);
                if (batch.Count > 0)
                {
                    await _retry.RunAsync("outcomes", () => _dispatcher.HandleAsync(batch, stoppingToken), stoppingToken);
                    _lastSequence = batch[^1].Sequence;
                }
                if (_engine.Snapshot.Version == _lastSequence)
                    await _retry.RunAsync("dispatch", () => _dispatcher.DispatchDueAsync(_time.GetUtcNow(), stoppingToken), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without the scheduler nothing is dialled; stop the daemon so systemd restarts it (recovery then runs).
            LogFailed(_log, e);
            throw;
        }
    }

    [LoggerMessage(EventId = 810, Level = LogLevel.Critical, Message = "call-back scheduler stopped")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
