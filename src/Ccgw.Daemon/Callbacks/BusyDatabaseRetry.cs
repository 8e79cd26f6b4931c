using Microsoft.Data.Sqlite;

namespace Ccgw.Daemon.Callbacks;

/// <summary>
/// Retries a piece of the scheduler's work while SQLite answers "busy" or "locked" (another connection held the write
/// lock past <c>busy_timeout</c>, e.g. the help-request intake under a flood). The scheduler's writes must not be lost
/// and a busy database is no reason to stop the daemon: the work waits, on the injected clock, and runs again.
/// </summary>
internal sealed partial class BusyDatabaseRetry(TimeProvider time, ILogger<BusyDatabaseRetry> log)
{
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    /// <summary>SQLITE_BUSY and SQLITE_LOCKED (https://www.sqlite.org/rescode.html).</summary>
    public static bool IsBusy(SqliteException e) => e.SqliteErrorCode is 5 or 6;

    public async Task RunAsync(string what, Func<Task> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (SqliteException e) when (IsBusy(e))
            {
                LogBusy(log, what, attempt, e.Message);
                await Task.Delay(Pause, time, cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "call-back scheduler: the database was busy during {What} (attempt {Attempt}: {Reason}); trying again in a second")]
    private static partial void LogBusy(ILogger logger, string what, int attempt, string reason);
}
