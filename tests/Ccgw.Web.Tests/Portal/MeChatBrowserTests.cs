using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ccgw.Web.Tests.Portal;

/// <summary>
/// Chat on /me as the signed-in customer (issue 18), in Debian's Chromium against the real daemon: carol signs in by
/// mailed link (no password anywhere in the page), opens the chat, passes the bot and reaches bob (a slixmpp desk on
/// the c2s port); both see each other's messages, bob never sees carol's address, the transcript is in her history.
/// The page's one-time token works once, for carol only; a forged one is refused.
/// </summary>
public sealed class MeChatBrowserTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private static readonly string AgentScript = Path.Combine(RepoPaths.Root, "tests", "Ccgw.Web.Tests", "Scripts", "web_chat_agent.py");

    private static bool SlixmppInstalled => File.Exists("/usr/lib/python3/dist-packages/slixmpp/__init__.py");

    private async Task<(IBrowserContext Context, IPage Page)> SignedInAsCarolAsync()
    {
        var (context, page) = await fixture.NewPageAsync();
        var before = fixture.Mails().Count;
        await page.GotoAsync(fixture.Url("/me/sign-in"));
        await page.GetByLabel("E-mail address").FillAsync("carol@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        var mail = await fixture.NextMailAsync(before);
        await page.GotoAsync(PortalFixture.LinkIn(mail.Message));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/me");
        return (context, page);
    }

    [SkippableFact]
    public async Task Carol_chats_from_her_page_as_herself_with_bob_and_the_transcript_is_in_her_history()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        const string First = "My invoice 42 is wrong.", Second = "Is it fixed now?", End = "Thanks, that is all.";
        var outFile = Path.Combine(Path.GetTempPath(), $"me_chat_agent-{Guid.NewGuid():N}.json");
        var agent = ExternalProcess.Start(PortalFixture.Python, [AgentScript, "--port", $"{fixture.Daemon.Listeners.Xmpp}",
            "--agent", "bob@localhost", "--password", "demo-bob", "--greeting", "Hello, Bob here. How can I help?",
            "--first-text", First, "--offline-text", Second, "--end-text", End, "--out", outFile]);
        var (context, page) = await SignedInAsCarolAsync();
        await using var _ = context;
        try
        {
            await WaitForOutputAsync(agent, "agent online");
            await SetStateAsync("bob", "ready");
            var received = new List<string>();
            page.WebSocket += (_, ws) => ws.FrameReceived += (_, f) => { lock (received) received.Add(f.Text ?? ""); };
            await page.ReloadAsync();

            // The page carries no password: only the user name, and where to fetch a one-time token.
            var html = await page.ContentAsync();
            Assert.DoesNotContain("demo-carol", html, StringComparison.Ordinal);
            Assert.DoesNotContain("ccgw-customer-token.", html, StringComparison.Ordinal);

            var chat = page.Locator("#chat");
            await Expect(chat).ToBeVisibleAsync();
            await Expect(chat).ToHaveAttributeAsync("data-identity", "customer");
            await page.GetByLabel("Chat topic").SelectOptionAsync(new SelectOptionValue { Label = "Billing" });
            await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
            await Expect(page.Locator("#chat-status")).ToContainTextAsync("Connected");
            var input = page.GetByLabel("Your message");
            var log = page.Locator("#chat-log");

            await input.FillAsync("Hello, I have a question about my invoice");
            await input.PressAsync("Enter");
            await Expect(log.Locator("li.them").First).ToBeVisibleAsync();
            await Expect(log).ToContainTextAsync("Hello, Bob here. How can I help?");
            await input.PressSequentiallyAsync(First);
            await input.PressAsync("Enter");
            await Expect(log).ToContainTextAsync("Let me look at invoice 42.");
            await input.FillAsync(Second);
            await input.PressAsync("Enter");
            await Expect(log).ToContainTextAsync("Yes, still here: the invoice is corrected.");
            await input.FillAsync(End);
            await input.PressAsync("Enter");
            await Expect(log).ToContainTextAsync("Goodbye!");

            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the agent script did not finish");
            var result = JsonDocument.Parse(await File.ReadAllTextAsync(outFile)).RootElement;
            Assert.True(agent.ExitCode == 0, $"{agent.StandardOutput}\n{agent.StandardError}\n{result}");
            Assert.Matches("^chat-[0-9a-f]+@localhost$", result.GetProperty("conversationAddress").GetString()!);
            // bob sees the conversation address only, never carol's; the browser sees the queue address, never bob's.
            Assert.DoesNotContain(result.GetProperty("agentReceived").EnumerateArray(), s => s.GetString()!.Contains("carol@", StringComparison.OrdinalIgnoreCase));
            lock (received)
            {
                Assert.NotEmpty(received);
                Assert.DoesNotContain(received, f => f.Contains("bob@", StringComparison.OrdinalIgnoreCase));
                // Logged in as carol herself (not a guest): the bound address is hers.
                Assert.Contains(received, f => f.Contains("carol@localhost/", StringComparison.Ordinal));
                Assert.DoesNotContain(received, f => f.Contains("guest-", StringComparison.Ordinal));
            }

            // The chat is in carol's history, answered by bob, with its transcript.
            var interactions = await fixture.AdminGetAsync("/api/admin/interactions?customer=carol&agent=bob");
            var interaction = interactions.EnumerateArray().First(i => i.GetProperty("channel").GetString() is "im" or "Im");
            var transcript = await new SqliteInteractionTranscriptRepository(new SqliteDatabase(Path.Combine(fixture.Daemon.DataDirectory, "ccgw.db")))
                .GetAsync(interaction.GetProperty("interactionId").GetString()!);
            Assert.Contains(transcript, l => l is { Sender: TranscriptSender.Customer, Body: First });
            Assert.Contains(transcript, l => l is { Sender: TranscriptSender.Agent, AgentId: "bob", Body: "Let me look at invoice 42." });
            await page.GotoAsync(fixture.Url("/me"));
            await Expect(page.Locator("#history-by-agent")).ToContainTextAsync("Bob Baker");
        }
        finally
        {
            await agent.DisposeAsync();
            File.Delete(outFile);
            await SetStateAsync("bob", "notReady");
        }
    }

    [SkippableFact]
    public async Task The_chat_token_logs_carol_in_once_and_forged_reused_or_borrowed_tokens_are_refused()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var (context, page) = await SignedInAsCarolAsync();
        await using var _ = context;
        await page.AddScriptTagAsync(new() { Url = "/assets/app/links.js" });
        const string Credential = "async () => (await fetch('/me/api/chat-credential', { cache: 'no-store' })).json()";
        const string Login = """
            ({ username, password }) => new Promise((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error('not online within 60 s')), 60000);
              const { xmpp } = window.ccgwLinks.connectXmpp({ domain: 'localhost', username, password, resource: 'me', mechanism: 'PLAIN' });
              xmpp.on('online', async jid => { clearTimeout(timer); await xmpp.stop(); resolve(jid.toString()); });
              xmpp.on('error', e => { clearTimeout(timer); xmpp.stop().catch(() => {}); reject(new Error(String(e?.condition ?? e?.message ?? e))); });
              xmpp.start().catch(() => {});
            })
            """;

        var credential = await page.EvaluateAsync<JsonElement>(Credential);
        Assert.Equal("carol", credential.GetProperty("username").GetString());
        var token = credential.GetProperty("password").GetString()!;
        Assert.StartsWith("ccgw-customer-token.", token, StringComparison.Ordinal);
        Assert.Equal("carol@localhost/me", await page.EvaluateAsync<string>(Login, new { username = "carol", password = token }));

        // Reused: refused. Forged: refused. carol's fresh token presented for dave's account: refused.
        var reused = await Assert.ThrowsAsync<PlaywrightException>(() => page.EvaluateAsync<string>(Login, new { username = "carol", password = token }));
        Assert.Contains("not-authorized", reused.Message, StringComparison.Ordinal);
        var forged = await Assert.ThrowsAsync<PlaywrightException>(() => page.EvaluateAsync<string>(Login,
            new { username = "carol", password = "ccgw-customer-token.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }));
        Assert.Contains("not-authorized", forged.Message, StringComparison.Ordinal);
        var fresh = (await page.EvaluateAsync<JsonElement>(Credential)).GetProperty("password").GetString()!;
        var borrowed = await Assert.ThrowsAsync<PlaywrightException>(() => page.EvaluateAsync<string>(Login, new { username = "dave", password = fresh }));
        Assert.Contains("not-authorized", borrowed.Message, StringComparison.Ordinal);

        // Without a customer session there is no token: the request is sent to sign in.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Daemon.Http.BaseAddress };
        using var refused = await anonymous.GetAsync("/me/api/chat-credential");
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        Assert.DoesNotContain("ccgw-customer-token.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task WaitForOutputAsync(ExternalProcess process, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!process.StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(process.HasExited, $"the agent script ended early:\n{process.StandardOutput}\n{process.StandardError}");
            await Task.Delay(100, timeout.Token); // polling a child's output: no event to wait on
        }
    }

    private async Task SetStateAsync(string agent, string state)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/admin/agents/{agent}/state", UriKind.Relative))
        {
            Content = JsonContent.Create(new { state }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortalFixture.AdminToken);
        using var response = await fixture.Daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }
}
