using System.Text.Json.Nodes;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>The real daemon refuses to start on a broken configuration: exit 78 and a line naming the key.</summary>
public sealed class BrokenConfigTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "bad port", """{"op":"set","path":["Listeners","Http","Port"],"value":99999}""", "Listeners:Http:Port" },
        { "unknown section", """{"op":"set","path":["Routeing"],"value":{}}""", "Routeing: unknown section" },
        { "overlapping listeners", """{"op":"set","path":["Listeners","Xmpp","Port"],"value":8080}""", "Listeners:Xmpp:Port" },
        { "missing prompt file", """{"op":"delete-file","path":["prompts","menu.wav"]}""", "Prompts:Items:menu:File" },
        { "duplicate agent", """{"op":"set","path":["Agents",1,"Id"],"value":"alice"}""", "Agents:1:Id: duplicate agent id 'alice'" },
        { "undefined queue", """{"op":"set","path":["Flows","main","Steps","to-billing","Queue"],"value":"billling"}""", "Flows:main:Steps:to-billing:Queue: queue 'billling' is not defined" },
        { "undefined flow", """{"op":"set","path":["Trunks",0,"Dids","100"],"value":"nope"}""", "Trunks:0:Dids:100" },
        { "missing customer seed file", """{"op":"set","path":["Customers","SeedFile"],"value":"gone.json"}""", "Customers:SeedFile" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Daemon_exits_78_naming_the_key(string name, string edit, string expected)
    {
        var root = DaemonUnderTest.NewRoot();
        try
        {
            Apply(root, JsonNode.Parse(edit)!.AsObject());
            await using var run = await ExternalProcess.RunAsync("dotnet",
                [Binaries.Daemon, "--config", Path.Combine(root, "config", "ccgw.json")], TimeSpan.FromSeconds(60),
                new Dictionary<string, string?> { ["CCGW__Data__Directory"] = Path.Combine(root, "data") });

            Assert.True(run.ExitCode == 78, $"{name}: exit {run.ExitCode}\n{run.StandardError}");
            Assert.Contains(expected, run.StandardError);
            Assert.False(Directory.Exists(Path.Combine(root, "data")), "a rejected configuration must not touch the data directory");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Environment_override_is_validated_too()
    {
        var root = DaemonUnderTest.NewRoot();
        try
        {
            await using var run = await ExternalProcess.RunAsync("dotnet",
                [Binaries.Daemon, "check-config", "--config", Path.Combine(root, "config", "ccgw.json")], TimeSpan.FromSeconds(60),
                new Dictionary<string, string?> { ["CCGW__Listeners__Mqtt__Port"] = "not-a-port" });
            Assert.Equal(78, run.ExitCode);
            Assert.Contains("Listeners:Mqtt:Port: 'not-a-port' is not a whole number", run.StandardError);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Check_config_accepts_the_demo_configuration()
    {
        await using var daemon = await ExternalProcess.RunAsync("dotnet",
            [Binaries.Daemon, "check-config", "--config", Path.Combine(RepoPaths.Root, "config", "ccgw.json")], TimeSpan.FromSeconds(60));
        Assert.Equal(0, daemon.ExitCode);
        await using var ctl = await ExternalProcess.RunAsync("dotnet",
            [Binaries.Ctl, "check-config", "--config", Path.Combine(RepoPaths.Root, "config", "ccgw.json")], TimeSpan.FromSeconds(60));
        Assert.Equal(0, ctl.ExitCode);
        Assert.Contains("is valid", ctl.StandardOutput);
    }

    private static void Apply(string root, JsonObject edit)
    {
        var path = edit["path"]!.AsArray();
        if ((string)edit["op"]! == "delete-file")
        {
            File.Delete(Path.Combine([root, "config", .. path.Select(p => (string)p!)]));
            return;
        }
        var file = Path.Combine(root, "config", "ccgw.json");
        var doc = JsonNode.Parse(File.ReadAllText(file))!;
        JsonNode node = doc;
        for (var i = 0; i < path.Count - 1; i++)
            node = path[i]!.GetValueKind() == System.Text.Json.JsonValueKind.Number ? node[(int)path[i]!]! : node[(string)path[i]!]!;
        var last = path[^1]!;
        var value = edit["value"]!.DeepClone();
        if (last.GetValueKind() == System.Text.Json.JsonValueKind.Number) node[(int)last] = value;
        else node[(string)last!] = value;
        File.WriteAllText(file, doc.ToJsonString());
    }
}
