using Microsoft.Extensions.Logging;

namespace Ccgw.Core.Callbacks;

/// <summary>
/// Retries a piece of the scheduler's work while the database answers "busy" (another connection held the write lock
/// past its timeout, e.g. the help-request intake under a flood). The scheduler's writes must not be lost and a busy
/// database is no reason to stop the daemon: the work waits, on the injected clock, and runs again. What counts as
/// busy is the storage's to say (<c>isBusy</c>, e.g. <c>SqliteDatabase.IsBusy</c>); the core knows no storage.
/// </summary>
public sealed partial class BusyDatabaseRetry(TimeProvider time, Func<Exception, bool> isBusy, ILogger<BusyDatabaseRetry> log)
{
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    public async Task RunAsync(string what, Func<Task> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception e) when (isBusy(e))
            {
                LogBusy(log, what, attempt, e.Message);
                await Task.Delay(Pause, time, cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "call-back scheduler: the database was busy during {What} (attempt {Attempt}: {Reason}); trying again in a second")]
    private static partial void LogBusy(ILogger logger, string what, int attempt, string reason);
}
