using Ccgw.Core.Callbacks;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Core.Tests.Callbacks;

public sealed class BusyDatabaseRetryTests
{
    [Fact]
    public async Task Work_that_meets_a_busy_database_runs_again_a_second_later_until_it_succeeds()
    {
        var time = new ManualTimeProvider();
        var retry = new BusyDatabaseRetry(time, SqliteDatabase.IsBusy, NullLogger<BusyDatabaseRetry>.Instance);
        var attempts = 0;
        var run = retry.RunAsync("test", () =>
        {
            attempts++;
            return attempts < 3 ? Task.FromException(new SqliteException("database is locked", 5)) : Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(1, attempts);
        time.Advance(BusyDatabaseRetry.Pause);
        await WaitUntilAsync(() => attempts == 2);
        Assert.False(run.IsCompleted);
        time.Advance(BusyDatabaseRetry.Pause);
        await run;
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Any_other_failure_is_not_retried()
    {
        var retry = new BusyDatabaseRetry(new ManualTimeProvider(), SqliteDatabase.IsBusy, NullLogger<BusyDatabaseRetry>.Instance);
        var attempts = 0;
        var e = await Assert.ThrowsAsync<SqliteException>(() => retry.RunAsync("test", () =>
        {
            attempts++;
            return Task.FromException(new SqliteException("constraint failed", 19));
        }, CancellationToken.None));
        Assert.Equal(19, e.SqliteErrorCode);
        Assert.Equal(1, attempts);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // The retry's continuation runs on the thread pool after the manual clock fires its timer.
        for (var i = 0; i < 1000 && !condition(); i++) await Task.Yield();
        var spin = new SpinWait();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < TimeSpan.FromSeconds(30)) spin.SpinOnce();
        Assert.True(condition(), "the retry never ran again after the clock moved");
    }
}
