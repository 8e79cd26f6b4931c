using System.Globalization;

namespace Ccgw.Sip.Tests.Interop;

/// <summary>
/// Calls from SIPp (the UAC) to <see cref="TestAnswerer"/> on the in-process stack: INVITE then CANCEL, and INVITE
/// answered then BYE, 100 calls each over UDP and TCP with zero failed calls.
/// </summary>
[Collection("sip-interop")]
public sealed class SippCallInteropTests(InteropStackFixture fixture) : IClassFixture<InteropStackFixture>
{
    private const int Calls = 100;

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Invite_then_cancel_gets_200_and_487_for_every_call(string transport)
    {
        var answerer = new TestAnswerer(fixture.Stack);
        var stats = await RunSippAsync("invite_cancel.xml", transport);
        AssertAllCallsSucceeded(stats);
        Assert.Equal(Calls, answerer.Cancelled);
        Assert.Equal(0, answerer.Answered);
    }

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Invite_answered_then_bye_inside_the_dialog_for_every_call(string transport)
    {
        var answerer = new TestAnswerer(fixture.Stack);
        var stats = await RunSippAsync("invite_bye.xml", transport);
        AssertAllCallsSucceeded(stats);
        Assert.Equal(Calls, answerer.Answered);
        Assert.Equal(Calls, answerer.Acked);
        Assert.Equal(Calls, answerer.Byes);
        Assert.Equal(0, answerer.StrayByes);
        Assert.Equal(0, answerer.OpenDialogs);
    }

    private async Task<string[]> RunSippAsync(string scenario, string transport)
    {
        var work = Directory.CreateTempSubdirectory("ccgw-sipp-call-").FullName;
        try
        {
            var statFile = Path.Combine(work, "stat.csv");
            var result = await ExternalTool.RunAsync("sipp",
            [
                "127.0.0.1:" + fixture.Port.ToString(CultureInfo.InvariantCulture),
                "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario),
                "-m", Calls.ToString(CultureInfo.InvariantCulture),
                "-r", "50", "-l", "20",
                "-i", "127.0.0.1",
                "-p", InteropStackFixture.FreePort().ToString(CultureInfo.InvariantCulture),
                "-mp", InteropStackFixture.FreePort().ToString(CultureInfo.InvariantCulture),
                "-t", transport,
                "-timeout", "50s", "-timeout_error",
                "-recv_timeout", "10000",
                "-trace_stat", "-stf", statFile,
                "-nostdin",
            ], TimeSpan.FromSeconds(60), work);
            Assert.False(result.TimedOut, "sipp did not finish in time\n" + result.Output);
            Assert.True(result.ExitCode == 0,
                $"sipp {scenario} over {transport}: exit {result.ExitCode} (0 = every call succeeded)\n{result.Output[^Math.Min(4000, result.Output.Length)..]}");
            return File.ReadAllLines(statFile).Where(l => l.Length > 0).ToArray();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>-trace_stat: the last row holds the cumulative counters.</summary>
    private static void AssertAllCallsSucceeded(string[] rows)
    {
        var header = rows[0].Split(';');
        var last = rows[^1].Split(';');
        Assert.Equal(Calls.ToString(CultureInfo.InvariantCulture), last[Array.IndexOf(header, "SuccessfulCall(C)")]);
        Assert.Equal("0", last[Array.IndexOf(header, "FailedCall(C)")]);
    }
}
