using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>Runs Scripts/im_chat.py (slixmpp, Debian's /usr/bin/python3) and reads back what each side received.</summary>
internal static class ImChatScript
{
    public const string Python = "/usr/bin/python3";

    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "tests", "Ccgw.Interop.Tests", "Scripts", "im_chat.py");

    public static bool SlixmppInstalled =>
        File.Exists(Python) && File.Exists("/usr/lib/python3/dist-packages/slixmpp/__init__.py");

    public static async Task<(int ExitCode, JsonElement Result, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var outFile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"im_chat-{Guid.NewGuid():N}.json");
        try
        {
            await using var p = await ExternalProcess.RunAsync(Python, [Path, .. arguments, "--out", outFile], timeout);
            var json = File.Exists(outFile) ? await File.ReadAllTextAsync(outFile) : "{}";
            return (p.ExitCode, JsonDocument.Parse(json).RootElement.Clone(), p.StandardOutput + p.StandardError);
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    public static IReadOnlyList<string> Received(JsonElement result, string side) =>
        [.. result.GetProperty(side).EnumerateArray().Select(e => e.GetString() ?? "")];

    /// <summary>No stanza the customer received names the agent's account, and none the agent received names the customer's.</summary>
    public static void AssertNeitherSawTheOther(JsonElement result, string customerJid, string agentBareJid)
    {
        var customerBare = customerJid.Split('/')[0];
        var customerResource = customerJid.Contains('/', StringComparison.Ordinal) ? customerJid[(customerJid.IndexOf('/', StringComparison.Ordinal) + 1)..] : null;
        var agentJid = result.GetProperty("agentJid").GetString()!;
        var agentResource = agentJid[(agentJid.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var customerReceived = Received(result, "customerReceived");
        var agentReceived = Received(result, "agentReceived");
        Assert.NotEmpty(customerReceived);
        Assert.NotEmpty(agentReceived);
        foreach (var stanza in customerReceived)
        {
            Assert.DoesNotContain(agentBareJid, stanza, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(agentResource, stanza, StringComparison.Ordinal);
        }
        foreach (var stanza in agentReceived)
        {
            Assert.DoesNotContain(customerBare, stanza, StringComparison.OrdinalIgnoreCase);
            if (customerResource is not null) Assert.DoesNotContain(customerResource, stanza, StringComparison.Ordinal);
        }
    }
}
