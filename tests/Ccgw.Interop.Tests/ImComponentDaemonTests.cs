using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Component mode (XEP-0114) of the daemon: a Prosody started by the test with its own configuration on free ports,
/// the daemon attached to it as help.localhost; customers and agents with Prosody accounts reach the queue addresses.
/// </summary>
public sealed class ImComponentDaemonTests
{
    private const string Domain = "help.localhost";
    private const string Secret = "interop-component-secret";

    [SkippableFact]
    public async Task Prosody_users_reach_the_daemons_queue_addresses_through_the_component()
    {
        Skip.IfNot(ProsodyUnderTest.Installed, "prosody (Debian package 'prosody') is not installed");
        Skip.IfNot(ImChatScript.SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        await using var prosody = await ProsodyUnderTest.StartAsync(Domain, Secret, [("bob", "demo-bob"), ("dave", "demo-dave")]);
        var daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Im__Component__Enabled"] = "true",
            ["CCGW__Im__Component__Host"] = "127.0.0.1",
            ["CCGW__Im__Component__Port"] = $"{prosody.ComponentPort}",
            ["CCGW__Im__Component__Domain"] = Domain,
            ["CCGW__Im__Component__Secret"] = Secret,
        });
        try
        {
            // The link comes up after READY (it reconnects on its own); bounded wait for Prosody to log the handshake.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!prosody.ComponentAuthenticated)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the component never authenticated:\n{prosody.Process.StandardOutput}\n{daemon.Process.StandardOutput}");
                await Task.Delay(50);
            }
            await ImAdmin.SetStateAsync(daemon.Http, "bob", "ready");

            var (exit, result, output) = await ImChatScript.RunAsync(
                ["--port", $"{prosody.C2sPort}", "--customer", "dave@localhost", "--customer-password", "demo-dave",
                 "--agent", "bob@localhost", "--agent-password", "demo-bob", "--to", $"support@{Domain}", "--scenario", "relay"],
                TimeSpan.FromSeconds(120));

            Assert.True(exit == 0, $"{output}\n{result}\n{daemon.Process.StandardOutput}");
            Assert.EndsWith($"@{Domain}", result.GetProperty("conversationAddress").GetString());
            Assert.StartsWith($"support@{Domain}", result.GetProperty("replyFrom").GetString());
            ImChatScript.AssertNeitherSawTheOther(result, result.GetProperty("customerJid").GetString()!, "bob@localhost");
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }
}
