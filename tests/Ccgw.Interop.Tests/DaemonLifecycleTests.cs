using System.Net;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>The daemon as systemd and Prometheus see it: notify protocol, health, metrics, graceful stop.</summary>
public sealed class DaemonLifecycleTests
{
    [SkippableFact]
    public async Task Ready_health_metrics_then_sigterm_stops_cleanly()
    {
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "2000000" });
        try
        {
            Assert.Contains("READY=1", daemon.Notify.Seen);
            Assert.Contains(daemon.Notify.Seen, l => l.StartsWith("STATUS=", StringComparison.Ordinal));

            using (var health = await daemon.Http.GetAsync(new Uri("/healthz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using (var ready = await daemon.Http.GetAsync(new Uri("/readyz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

            using var metrics = await daemon.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.ToString());
            var text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("ccgw_ready 1", text);
            Assert.Contains("# TYPE process_cpu_seconds_total counter", text);
            // Contact-centre KPIs (issue 20) are in the same scrape, so promtool below checks them too.
            Assert.Contains("# TYPE ccgw_queue_answered_total counter", text);
            Assert.Contains("# TYPE ccgw_queue_answer_time_seconds histogram", text);

            // WATCHDOG_USEC of 2 s: pings come every second.
            Assert.True(await daemon.Notify.WaitForAsync("WATCHDOG=1", TimeSpan.FromSeconds(20)), "no WATCHDOG=1 ping");

            await daemon.Process.SignalAsync("TERM");
            Assert.True(await daemon.Notify.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(15)), "no STOPPING=1 after SIGTERM");
            Assert.True(await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(15)), "daemon did not exit within 15 s of SIGTERM");
            Assert.Equal(0, daemon.Process.ExitCode);

            // Last, because it skips (visibly) where promtool is not installed.
            await PromtoolAccepts(text);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    [Fact]
    public async Task Under_a_systemd_parent_the_library_sends_READY_and_STOPPING_once_and_logs_go_out_in_journald_format()
    {
        var daemon = await DaemonUnderTest.StartAsync(systemdParent: true);
        try
        {
            // SystemdLifetime (Microsoft.Extensions.Hosting.Systemd) sent READY=1; ours added STATUS= and no second READY.
            Assert.True(await daemon.Notify.WaitForAsync("STATUS=serving: http 127.0.0.1:" + daemon.Listeners.Http, TimeSpan.FromSeconds(30)),
                "no STATUS= after READY=1");
            Assert.Single(daemon.Notify.Seen, l => l == "READY=1");

            await daemon.Process.SignalAsync("TERM");
            Assert.True(await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(15)), "daemon did not exit within 15 s of SIGTERM");
            Assert.Equal(0, daemon.Process.ExitCode);
            Assert.True(await daemon.Notify.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(5)), "no STOPPING=1 after SIGTERM");
            Assert.Single(daemon.Notify.Seen, l => l == "STOPPING=1");
            // The library's "systemd" console formatter: a syslog priority and no time stamp (journald adds it).
            Assert.Contains("<6>Ccgw.Daemon", daemon.Process.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    [Fact]
    public async Task Data_survives_a_restart_and_migrations_are_not_reapplied()
    {
        var root = DaemonUnderTest.NewRoot();
        try
        {
            var first = await DaemonUnderTest.StartAsync(reuseRoot: root);
            await first.Process.SignalAsync("KILL");
            await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains("applied migration 0001_initial", first.Process.StandardOutput);
            await first.DisposeAsync();

            var second = await DaemonUnderTest.StartAsync(reuseRoot: root);
            await second.Process.SignalAsync("TERM");
            await second.Process.WaitForExitAsync(TimeSpan.FromSeconds(15));
            Assert.DoesNotContain("applied migration", second.Process.StandardOutput);
            Assert.Equal(0, second.Process.ExitCode);
            await second.DisposeAsync();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Listener_port_already_taken_fails_start_with_a_clear_message()
    {
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var root = DaemonUnderTest.NewRoot();
        try
        {
            var env = new Dictionary<string, string?>
            {
                ["CCGW__Listeners__Http__Port"] = taken.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CCGW__Data__Directory"] = Path.Combine(root, "data"),
            };
            await using var run = await ExternalProcess.RunAsync("dotnet", [Binaries.Daemon, "--config", Path.Combine(root, "config", "ccgw.json")],
                TimeSpan.FromSeconds(60), env);
            Assert.Equal(71, run.ExitCode);
            Assert.Contains("cannot bind", run.StandardOutput + run.StandardError);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task PromtoolAccepts(string text)
    {
        Skip.IfNot(File.Exists("/usr/bin/promtool"), "promtool (Debian package 'prometheus') is not installed");
        await using var check = await ExternalProcess.RunAsync("/usr/bin/promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), standardInput: text);
        Assert.True(check.ExitCode == 0 && check.StandardError.Trim().Length == 0 && check.StandardOutput.Trim().Length == 0,
            $"promtool check metrics: exit {check.ExitCode}\n{check.StandardOutput}\n{check.StandardError}");
    }
}
