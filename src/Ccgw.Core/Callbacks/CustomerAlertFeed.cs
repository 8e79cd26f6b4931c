using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Callbacks;

/// <summary>Feeds the core's queue figures to the <see cref="CustomerAlertWatcher"/>; subscribes before the core runs.</summary>
public sealed partial class CustomerAlertFeed : IEventLoop
{
    private const int MaxBatch = 256;

    private readonly EventFollower _events;
    private readonly RoutingEngine _engine;
    private readonly CustomerAlertWatcher _watcher;
    private readonly ILogger<CustomerAlertFeed> _log;

    public CustomerAlertFeed(RoutingEngine engine, CustomerAlertWatcher watcher, ILogger<CustomerAlertFeed> log)
    {
        _events = new EventFollower(engine);
        _engine = engine;
        _watcher = watcher;
        _log = log;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<CoreEvent>();
        try
        {
            while (await _events.WaitToReadAsync(stoppingToken))
            {
                // What arrived together is checked together: one read of a queue's alerts per burst, not per event.
                batch.Clear();
                if (_events.TakeGap(out _))
                {
                    // The figures that went by unseen are gone; the queues' figures now stand in for them.
                    var now = _engine.Snapshot;
                    foreach (var stats in now.Queues.Values)
                        batch.Add(new QueueStatsChanged(stats) { Sequence = now.Version, At = now.At });
                }
                while (batch.Count < MaxBatch && _events.TryRead(out var e)) batch.Add(e);
                try
                {
                    foreach (var alert in await _watcher.HandleAsync(batch, stoppingToken))
                        LogTriggered(_log, alert.Id, alert.QueueId, alert.Channel);
                }
                catch (DbException ex)
                {
                    LogFailed(_log, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 820, Level = LogLevel.Information, Message = "customer alert {AlertId} for {Queue} triggered ({Channel})")]
    private static partial void LogTriggered(ILogger logger, string alertId, string queue, AlertChannel channel);

    [LoggerMessage(EventId = 821, Level = LogLevel.Error, Message = "customer alerts could not be checked")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
