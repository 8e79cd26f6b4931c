namespace Ccgw.Mqtt.Tests.Interop;

/// <summary>The broker against Debian's python3-paho-mqtt 1.6.1 (run with /usr/bin/python3).</summary>
public sealed class PahoClientTests(SocketBrokerHost host) : IClassFixture<SocketBrokerHost>
{
    private const string Python = "/usr/bin/python3";

    public static TheoryData<string, string> Scenarios()
    {
        var data = new TheoryData<string, string>();
        foreach (var version in new[] { "311", "5" })
        foreach (var scenario in new[] { "pubsub", "takeover", "will", "persistent", "badpass", "acl", "shared" })
            data.Add(version, scenario);
        data.Add("5", "alias");
        data.Add("5", "badalias");
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Scenarios))]
    public async Task Paho_scenario_passes(string version, string scenario)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Scripts", "paho_scenarios.py");
        Skip.IfNot(File.Exists(Python), "/usr/bin/python3 is not installed");
        using (var probe = await ExternalProcess.RunAsync(Python, ["-c", "import paho.mqtt"], 10))
            Skip.If(probe.ExitCode != 0, "python3-paho-mqtt is not installed (apt-get install python3-paho-mqtt)");

        using var run = await ExternalProcess.RunAsync(Python, [script, host.Port.ToString(), version, scenario], 30);
        Assert.True(run.ExitCode == 0, $"paho {scenario} v{version}: {run.StdOut} {run.StdErr}");
        Assert.StartsWith("OK " + scenario, run.StdOut);
    }
}

/// <summary>Server Keep Alive against paho 1.6.1, which sends keep alive 0 when asked and ignores the server's value.</summary>
public sealed class PahoServerKeepAliveTests(ShortKeepAliveBrokerHost host) : IClassFixture<ShortKeepAliveBrokerHost>
{
    [SkippableTheory]
    [InlineData("5")]
    [InlineData("311")]
    public async Task Keep_alive_0_is_told_the_maximum_and_held_to_it_or_refused_on_v311(string version)
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Scripts", "paho_scenarios.py");
        Skip.IfNot(File.Exists(python), "/usr/bin/python3 is not installed");
        using (var probe = await ExternalProcess.RunAsync(python, ["-c", "import paho.mqtt"], 10))
            Skip.If(probe.ExitCode != 0, "python3-paho-mqtt is not installed (apt-get install python3-paho-mqtt)");
        using var run = await ExternalProcess.RunAsync(python, [script, host.Port.ToString(), version, "serverkeepalive"], 30);
        Assert.True(run.ExitCode == 0, $"paho serverkeepalive v{version}: {run.StdOut} {run.StdErr}");
        Assert.StartsWith("OK serverkeepalive", run.StdOut);
    }
}
