using System.Net;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Supervision of background loops against the real daemon, with the test-only fault hook CCGW_TEST_FAULTY_LOOP
/// (src/Ccgw.Daemon/TestFaults.cs): a loop that keeps failing takes /readyz to 503 while it is restarted with
/// back-off, then ends the daemon with exit 70 (EX_SOFTWARE); a loop whose failure is fatal ends it at once.
/// </summary>
public sealed class SupervisionDaemonTests
{
    [Fact]
    public async Task A_loop_that_keeps_failing_makes_readyz_503_then_the_daemon_exits_70()
    {
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["CCGW_TEST_FAULTY_LOOP"] = "restart" });
        try
        {
            // Back-off 1+2+4+8 s before the fifth failure: /readyz is 503 in the waits between.
            var sawNotReady = false;
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
                while (!sawNotReady && !daemon.Process.HasExited && !deadline.IsCancellationRequested)
                {
                    try
                    {
                        using var ready = await daemon.Http.GetAsync(new Uri("/readyz", UriKind.Relative), deadline.Token);
                        sawNotReady = ready.StatusCode == HttpStatusCode.ServiceUnavailable;
                        if (!sawNotReady) await Task.Delay(100, deadline.Token);
                    }
                    catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                    {
                    }
                }
            Assert.True(sawNotReady, "/readyz never reported the failing loop");
            using (var health = await daemon.Http.GetAsync(new Uri("/healthz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode); // alive, just not ready

            Assert.True(await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the daemon did not give up on the loop");
            Assert.Equal(70, daemon.Process.ExitCode);
            var log = daemon.Process.StandardOutput + daemon.Process.StandardError;
            Assert.Contains("background loop FaultyLoop failed (failure 1 in a row); restarting it in 00:00:01", log, StringComparison.Ordinal);
            Assert.Contains("background loop FaultyLoop restarted after failure 1", log, StringComparison.Ordinal);
            Assert.Contains("background loop FaultyLoop failed 5 times in a row", log, StringComparison.Ordinal);
            Assert.Contains("stopped because FaultyLoop failed", log, StringComparison.Ordinal);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    [Fact]
    public async Task A_loop_whose_failure_is_fatal_ends_the_daemon_with_exit_70_at_once()
    {
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["CCGW_TEST_FAULTY_LOOP"] = "stop" });
        try
        {
            Assert.True(await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the daemon kept running");
            Assert.Equal(70, daemon.Process.ExitCode);
            var log = daemon.Process.StandardOutput + daemon.Process.StandardError;
            Assert.Contains("background loop FaultyLoop failed; stopping the daemon (exit 70)", log, StringComparison.Ordinal);
            Assert.DoesNotContain("restarting it in", log, StringComparison.Ordinal);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }
}
