using System.Globalization;
using System.Net;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>The daemon's SIP side driven by real SIP software: sipp, sipsak and svwar on 127.0.0.1.</summary>
public sealed class SipDaemonTests : IAsyncLifetime
{
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync() => _daemon = await DaemonUnderTest.StartAsync();

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    [SkippableTheory]
    [InlineData("options.xml", "u1")]
    [InlineData("options.xml", "t1")]
    [InlineData("register.xml", "u1")]
    [InlineData("register.xml", "t1")]
    public async Task Sipp_scenario_completes_100_calls_without_failure(string scenario, string transport)
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var work = Directory.CreateTempSubdirectory("ccgw-sipp-").FullName;
        try
        {
            await using var sipp = await ExternalProcess.RunAsync("/usr/bin/sipp",
            [
                $"127.0.0.1:{_daemon.Listeners.Sip}",
                "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario),
                "-m", "100", "-r", "50", "-l", "10",
                "-i", "127.0.0.1", "-p", FreePorts.TcpAndUdp().ToString(CultureInfo.InvariantCulture),
                "-t", transport, "-timeout", "50s", "-timeout_error", "-recv_timeout", "10000",
                "-trace_stat", "-stf", Path.Combine(work, "stat.csv"), "-nostdin",
            ], TimeSpan.FromSeconds(90), workingDirectory: work);
            Assert.True(sipp.ExitCode == 0, $"sipp {scenario} over {transport}: exit {sipp.ExitCode} (0 means every call succeeded)\n{sipp.StandardOutput[^Math.Min(2000, sipp.StandardOutput.Length)..]}\n{sipp.StandardError}");
            var stats = File.ReadAllLines(Path.Combine(work, "stat.csv"));
            var header = stats[0].Split(';');
            var last = stats[^1].Split(';');
            Assert.Equal("100", last[Array.IndexOf(header, "SuccessfulCall(C)")]);
            Assert.Equal("0", last[Array.IndexOf(header, "FailedCall(C)")]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Sipsak_options_and_register_and_the_binding_survives_kill_9()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipsak"), "sipsak is not installed");
        var target = $"sip:alice@127.0.0.1:{_daemon.Listeners.Sip}";
        await using (var options = await ExternalProcess.RunAsync("/usr/bin/sipsak", ["-s", target, "-H", "127.0.0.1", "-vv"], TimeSpan.FromSeconds(20)))
        {
            Assert.True(options.ExitCode == 0, options.StandardOutput + options.StandardError);
            Assert.Contains("200 OK", options.StandardOutput);
        }
        await using (var wrong = await ExternalProcess.RunAsync("/usr/bin/sipsak",
            ["-U", "-s", target, "-H", "127.0.0.1", "-u", "alice", "-a", "wrong-password", "-x", "600", "-vv"], TimeSpan.FromSeconds(30)))
            Assert.NotEqual(0, wrong.ExitCode);
        await using (var register = await ExternalProcess.RunAsync("/usr/bin/sipsak",
            ["-U", "-s", target, "-H", "127.0.0.1", "-u", "alice", "-a", "demo-alice", "-x", "600", "-vv"], TimeSpan.FromSeconds(30)))
            Assert.True(register.ExitCode == 0, register.StandardOutput + register.StandardError);

        await _daemon.Process.SignalAsync("KILL");
        await _daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var store = new SqliteRegistrationBindingStore(new SqliteDatabase(Path.Combine(_daemon.DataDirectory, "ccgw.db")));
        var bindings = await store.ListActiveAsync(DateTimeOffset.UtcNow, default);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var alice = Assert.Single(bindings);
        // sipsak registers the AOR it was given (sip:alice@127.0.0.1); the user part is what identifies the agent.
        Assert.StartsWith("sip:alice@", alice.Aor, StringComparison.OrdinalIgnoreCase);
        Assert.True(alice.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(5), $"binding expires at {alice.ExpiresAt}");

        // The restarted daemon serves the same registrations (its registrar reads them from the database).
        var root = _daemon.Root;
        await _daemon.DisposeAsync();
        _daemon = await DaemonUnderTest.StartAsync(reuseRoot: root);
        await using var again = await ExternalProcess.RunAsync("/usr/bin/sipsak",
            ["-U", "-s", $"sip:alice@127.0.0.1:{_daemon.Listeners.Sip}", "-H", "127.0.0.1", "-u", "alice", "-a", "demo-alice", "-x", "600", "-vv"], TimeSpan.FromSeconds(30));
        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
    }

    /// <summary>
    /// Issue 16: failed digest logins are limited per address and user. A guesser behind an office's one address
    /// (here 127.0.0.1, every sipsak run) exhausts alice's bucket (FailureBurst 20): then even alice's right password
    /// is refused from there, while bob, from the same address, still registers.
    /// </summary>
    [SkippableFact]
    public async Task Guessing_alices_password_locks_out_alice_but_not_bob_from_the_same_address()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipsak"), "sipsak is not installed");
        var port = _daemon.Listeners.Sip;
        Task<ExternalProcess> Register(string user, string password) => ExternalProcess.RunAsync("/usr/bin/sipsak",
            ["-U", "-s", $"sip:{user}@127.0.0.1:{port}", "-H", "127.0.0.1", "-u", user, "-a", password, "-x", "600", "-vv"], TimeSpan.FromSeconds(30));
        for (var i = 0; i < 30; i++)
        {
            await using var wrong = await Register("alice", "guess-" + i);
            Assert.NotEqual(0, wrong.ExitCode);
        }
        await using (var alice = await Register("alice", "demo-alice"))
            Assert.True(alice.ExitCode != 0 && (alice.StandardOutput + alice.StandardError).Contains("SIP/2.0 403", StringComparison.Ordinal), alice.StandardOutput + alice.StandardError);
        await using var bob = await Register("bob", "demo-bob");
        Assert.True(bob.ExitCode == 0, bob.StandardOutput + bob.StandardError);
    }

    [SkippableFact]
    public async Task Svwar_cannot_tell_registered_users_from_unknown_ones()
    {
        Skip.IfNot(File.Exists("/usr/bin/svwar"), "svwar (Debian package sipvicious) is not installed");
        var dictionary = Path.Combine(_daemon.Root, "svwar-users.txt");
        await File.WriteAllLinesAsync(dictionary, ["alice", "bob", "sup", "admin", "100", "carol"]);
        await using var svwar = await ExternalProcess.RunAsync("/usr/bin/svwar",
            ["-e", "alice,bob,100-120", "-d", dictionary, "-m", "REGISTER", "-p", _daemon.Listeners.Sip.ToString(CultureInfo.InvariantCulture),
             "-b", "127.0.0.1", "--maximumtime", "10", "--force", "127.0.0.1"], TimeSpan.FromSeconds(90));
        var output = svwar.StandardOutput + svwar.StandardError;
        Assert.Contains("found nothing", output);
        Assert.DoesNotContain("reqauth", output);
    }
}

/// <summary>Trunk keep-alive against a real peer: sipp plays the PBX and answers OPTIONS.</summary>
public sealed class TrunkKeepaliveTests
{
    [SkippableFact]
    public async Task Trunk_is_up_while_the_pbx_answers_and_down_after_it_stops()
    {
        Skip.IfNot(File.Exists("/usr/bin/sipp"), "sipp (Debian package sip-tester) is not installed");
        var pbxPort = FreePorts.TcpAndUdp();
        var work = Directory.CreateTempSubdirectory("ccgw-pbx-").FullName;
        var pbx = ExternalProcess.Start("/usr/bin/sipp",
        [
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", "uas_options.xml"),
            "-i", "127.0.0.1", "-p", pbxPort.ToString(CultureInfo.InvariantCulture), "-t", "u1", "-m", "1000", "-nostdin", "-timeout", "120s",
        ], workingDirectory: work);
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Trunks__0__Outbound__Port"] = pbxPort.ToString(CultureInfo.InvariantCulture),
            ["CCGW__Trunks__0__KeepaliveSeconds"] = "1",
        });
        try
        {
            Assert.True(await daemon.MetricBecomesAsync("ccgw_sip_trunk_up{trunk=\"pbx\"} 1", TimeSpan.FromSeconds(30)), "trunk never reported up");
            await pbx.DisposeAsync();
            // An unanswered OPTIONS times out after 64*T1 = 32 s (RFC 3261 §17.1.2.2, Timer F).
            Assert.True(await daemon.MetricBecomesAsync("ccgw_sip_trunk_up{trunk=\"pbx\"} 0", TimeSpan.FromSeconds(60)), "trunk never reported down");
            Assert.Contains("trunk pbx is down", daemon.Process.StandardOutput);
        }
        finally
        {
            await pbx.DisposeAsync();
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
            Directory.Delete(work, recursive: true);
        }
    }
}
