using System.Globalization;
using System.Net;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// One instance per data directory (issue 16): a second daemon on a data directory in use exits 75 (EX_TEMPFAIL) naming
/// the directory and the holder, before it opens the database or binds a port; a kill -9 leaves no stale lock.
/// </summary>
public sealed class DataDirectoryLockTests
{
    [Fact]
    public async Task Second_daemon_on_the_same_data_directory_exits_75_and_kill_9_leaves_no_stale_lock()
    {
        var root = DaemonUnderTest.NewRoot();
        try
        {
            var first = await DaemonUnderTest.StartAsync(reuseRoot: root);
            var p = first.Listeners;
            // The first daemon's own ports: without the lock the second would fail binding (71) instead, so 75 and the
            // message can only come from the lock, which is taken before storage opens and before any listener binds.
            await using (var second = await ExternalProcess.RunAsync("dotnet",
                [Binaries.Daemon, "--config", first.ConfigPath], TimeSpan.FromSeconds(60),
                new Dictionary<string, string?>
                {
                    ["CCGW__Data__Directory"] = first.DataDirectory,
                    ["CCGW__Listeners__Http__Port"] = Text(p.Http),
                    ["CCGW__Listeners__SipUdp__Port"] = Text(p.Sip),
                    ["CCGW__Listeners__SipTcp__Port"] = Text(p.Sip),
                    ["CCGW__Listeners__Xmpp__Port"] = Text(p.Xmpp),
                    ["CCGW__Listeners__Mqtt__Port"] = Text(p.Mqtt),
                    ["CCGW__Listeners__Rtp__PortMin"] = Text(p.RtpMin),
                    ["CCGW__Listeners__Rtp__PortMax"] = Text(p.RtpMax),
                }))
            {
                var output = second.StandardOutput + second.StandardError;
                Assert.True(second.ExitCode == 75, $"second daemon exited {second.ExitCode}, not 75:\n{output}");
                Assert.Contains($"data directory {first.DataDirectory} is in use by another ccgw (pid {first.Process.Id})", output);
            }

            // The first one never noticed.
            using (var health = await first.Http.GetAsync(new Uri("/healthz", UriKind.Relative)))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            await first.Process.SignalAsync("KILL");
            Assert.True(await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            await first.DisposeAsync();
            Assert.True(File.Exists(Path.Combine(root, "data", "ccgw.lock")), "the lock file stays behind after kill -9");

            // The file is still there; the lock died with the process, so a restart is not blocked.
            var restarted = await DaemonUnderTest.StartAsync(reuseRoot: root);
            try
            {
                using var health = await restarted.Http.GetAsync(new Uri("/healthz", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            finally
            {
                await restarted.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
