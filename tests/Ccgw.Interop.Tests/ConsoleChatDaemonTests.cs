using Ccgw.Testing;
using Microsoft.Playwright;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 19 acceptance, chats: a slixmpp guest writes to support@ and picks billing; alice, signed in to /console and
/// ready, takes the chat in the page's Chats panel (her XMPP session over /xmpp, logged in with a one-time token, no
/// password in the page); both sides see each other's messages and typing, she ends the chat from the page, and the
/// guest never receives alice's address.
/// </summary>
public sealed class ConsoleChatDaemonTests
{
    private const string AgentSays = "Hello, Alice here in the console.";

    [SkippableFact]
    public async Task Alice_takes_a_guests_chat_in_the_console_and_the_guest_never_sees_her_address()
    {
        Skip.IfNot(File.Exists(ConsoleBrowser.Chromium) && ImChatScript.SlixmppInstalled, "chromium and python3-slixmpp are needed");
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            await using var browser = await ConsoleBrowser.StartAsync();
            var alice = await browser.SignInAsync(daemon.Listeners.Http, "alice", "demo-alice", "/console");
            await Expect(alice.Locator("#chat-link"), "online");
            Assert.DoesNotContain("demo-alice", await alice.ContentAsync(), StringComparison.Ordinal);
            await alice.ClickAsync("#go-ready");
            await Expect(alice.Locator("#state"), "Ready");

            var guest = ImChatScript.RunAsync(
                ["--port", $"{daemon.Listeners.Xmpp}", "--tls", "--customer", "localhost", "--to", "support@localhost", "--choice", "2",
                 "--scenario", "console", "--agent-says", AgentSays, "--step-timeout", "60"], TimeSpan.FromSeconds(150));

            var chat = alice.Locator("article.chat");
            await chat.WaitForAsync(new() { Timeout = 60_000 });
            await Expect(chat, "New chat in");
            await Expect(chat, "hello, I have a question about my invoice");

            // A draft survives a reload of the page (kept in this browser), and the open chat comes back with it.
            var reply = chat.Locator("textarea");
            await reply.FillAsync(AgentSays);
            await alice.ReloadAsync();
            await alice.WaitForSelectorAsync("#link.link-online");
            await Expect(alice.Locator("#chat-link"), "online");
            chat = alice.Locator("article.chat");
            Assert.Equal(AgentSays, await chat.Locator("textarea").InputValueAsync());

            // Her first reply accepts the offer; the guest answers, typing first.
            await chat.Locator("button.send").ClickAsync();
            await Expect(chat.Locator(".chat-lines"), AgentSays);
            await Expect(chat.Locator(".chat-lines"), "Thanks, invoice 42 is wrong.");
            await Expect(alice.Locator("#state"), "Busy");
            // Typing in the connected chat reaches the guest as XEP-0085 composing, then her next line.
            await chat.Locator("textarea").FillAsync("Let me check invoice 42.");
            await chat.Locator("button.send").ClickAsync();
            await Expect(chat.Locator(".chat-lines"), "Let me check invoice 42.");
            var violations = await ConsoleBrowser.SeriousViolationsAsync(alice);
            Assert.True(violations.Count == 0, string.Join('\n', violations));

            // She ends the chat in the page: the guest is told (gone), her console goes to wrap-up.
            await chat.Locator("button.end-chat").ClickAsync();
            await Expect(chat.Locator("h3"), "(ended)");
            await Expect(alice.Locator("#state"), "Wrap-up");

            var (exit, result, output) = await guest;
            Assert.True(exit == 0, $"{output}\n{result}\n{daemon.Process.StandardOutput}");
            Assert.StartsWith("support@localhost", result.GetProperty("replyFrom").GetString(), StringComparison.Ordinal);
            var received = ImChatScript.Received(result, "customerReceived");
            Assert.Contains(received, s => s.Contains(AgentSays, StringComparison.Ordinal));
            Assert.Contains(received, s => s.Contains("composing", StringComparison.Ordinal));
            Assert.Contains(received, s => s.Contains("Let me check invoice 42.", StringComparison.Ordinal));
            Assert.All(received, s => Assert.DoesNotContain("alice@", s, StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    private static Task Expect(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new() { Timeout = 30_000 });
}
