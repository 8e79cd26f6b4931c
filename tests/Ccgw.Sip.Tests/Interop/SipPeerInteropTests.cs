using System.Globalization;

namespace Ccgw.Sip.Tests.Interop;

/// <summary>
/// Real third-party peers against the in-process stack on loopback: SIPp (OPTIONS, digest REGISTER/refresh/
/// unregister over UDP and TCP), sipsak (OPTIONS, REGISTER) and SIPVicious svwar (must not enumerate users).
/// </summary>
[Collection("sip-interop")]
public class SipPeerInteropTests(InteropStackFixture fixture) : IClassFixture<InteropStackFixture>
{
    private const int Calls = 100;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    private async Task<(ToolResult Result, string StatFile)> Sipp(string scenario, string transport)
    {
        var work = Directory.CreateTempSubdirectory("ccgw-sipp-").FullName;
        var result = await ExternalTool.RunAsync("sipp",
        [
            "127.0.0.1:" + fixture.Port.ToString(CultureInfo.InvariantCulture),
            "-sf", Scenario(scenario),
            "-m", Calls.ToString(CultureInfo.InvariantCulture),
            "-r", "50", "-l", "10",
            "-i", "127.0.0.1",
            "-p", InteropStackFixture.FreePort().ToString(CultureInfo.InvariantCulture),
            "-t", transport,
            "-timeout", "50s", "-timeout_error",
            "-recv_timeout", "10000",
            "-trace_err", "-trace_stat", "-stf", Path.Combine(work, "stat.csv"),
            "-nostdin",
        ], Limit, work);
        return (result, Path.Combine(work, "stat.csv"));
    }

    private static void AssertAllCallsSucceeded((ToolResult Result, string StatFile) run)
    {
        var r = run.Result;
        Assert.False(r.TimedOut, "sipp did not finish in time\n" + r.Output);
        Assert.True(r.ExitCode == 0, $"sipp exit code {r.ExitCode} (0 = every call succeeded)\n{Tail(r.Output)}");
        // -trace_stat: the last row holds the cumulative counters.
        var rows = File.ReadAllLines(run.StatFile).Where(l => l.Length > 0).ToArray();
        Directory.Delete(Path.GetDirectoryName(run.StatFile)!, recursive: true);
        var header = rows[0].Split(';');
        var last = rows[^1].Split(';');
        string Counter(string name) => last[Array.IndexOf(header, name)];
        Assert.Equal(Calls.ToString(CultureInfo.InvariantCulture), Counter("SuccessfulCall(C)"));
        Assert.Equal("0", Counter("FailedCall(C)"));
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Sipp_options_100_calls_all_answered_200(string transport) =>
        AssertAllCallsSucceeded(await Sipp("options.xml", transport));

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Sipp_register_with_digest_refresh_and_unregister_100_calls(string transport) =>
        AssertAllCallsSucceeded(await Sipp("register.xml", transport));

    [Fact]
    public async Task Sipsak_options_is_answered_200_every_time()
    {
        for (var i = 0; i < Calls; i++)
        {
            var r = await ExternalTool.RunAsync("sipsak", ["-s", $"sip:alice@127.0.0.1:{fixture.Port}", "-H", "127.0.0.1", "-vv"], TimeSpan.FromSeconds(15));
            Assert.False(r.TimedOut, r.Output);
            Assert.True(r.ExitCode == 0, $"sipsak exit {r.ExitCode}\n{r.Output}");
            Assert.Contains("200 OK", r.Output);
        }
    }

    [Fact]
    public async Task Sipsak_register_with_digest_succeeds_and_wrong_password_does_not()
    {
        var ok = await ExternalTool.RunAsync("sipsak", ["-U", "-s", $"sip:alice@127.0.0.1:{fixture.Port}", "-H", "127.0.0.1", "-u", "alice", "-a", "demo-alice", "-x", "120", "-vv"], TimeSpan.FromSeconds(20));
        Assert.False(ok.TimedOut, ok.Output);
        Assert.True(ok.ExitCode == 0, $"sipsak exit {ok.ExitCode}\n{ok.Output}");
        var bad = await ExternalTool.RunAsync("sipsak", ["-U", "-s", $"sip:alice@127.0.0.1:{fixture.Port}", "-H", "127.0.0.1", "-u", "alice", "-a", "not-the-password", "-x", "120", "-vv"], TimeSpan.FromSeconds(20));
        Assert.False(bad.TimedOut, bad.Output);
        Assert.NotEqual(0, bad.ExitCode);
    }

    [Fact]
    public async Task Svwar_finds_no_extension_because_known_and_unknown_users_look_identical()
    {
        var dictionary = WriteDictionary();
        var r = await ExternalTool.RunAsync("svwar",
            ["-e", "alice,bob,100-140", "-d", dictionary, "-m", "REGISTER", "-p", fixture.Port.ToString(CultureInfo.InvariantCulture), "-b", "127.0.0.1", "--maximumtime", "10", "--force", "127.0.0.1"],
            TimeSpan.FromSeconds(90));
        File.Delete(dictionary);
        Assert.False(r.TimedOut, r.Output);
        // Forced past svwar's own sanity check, it still sees one identical answer for everyone.
        Assert.Contains("found nothing", r.Output);
        Assert.DoesNotContain("reqauth", r.Output);
    }

    private static string WriteDictionary()
    {
        var path = Path.Combine(Path.GetTempPath(), "ccgw-svwar-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllLines(path, ["alice", "bob", "admin", "100", "sup"]);
        return path;
    }
}
