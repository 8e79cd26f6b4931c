using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;
using Microsoft.Playwright;

namespace Ccgw.Web.Tests;

/// <summary>
/// XMPP over WebSocket (RFC 7395) at /xmpp of the real daemon, and the web chat on the help page, in Debian's Chromium
/// with the bundled @xmpp/client. The agent side is alice's desk as a slixmpp client on the c2s port (TCP, STARTTLS),
/// so browser and desktop clients meet through the same server, bot, queue and address translation.
/// </summary>
public sealed class WebChatBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Python = "/usr/bin/python3";
    private const string AdminToken = "demo-admin-token-change-me";
    private static readonly string AgentScript = Path.Combine(RepoPaths.Root, "tests", "Ccgw.Web.Tests", "Scripts", "web_chat_agent.py");
    private static readonly string AxeScript = Path.Combine(RepoPaths.Root, "src", "Ccgw.Web", "ClientApp", "node_modules", "axe-core", "axe.min.js");

    private static bool SlixmppInstalled => File.Exists(Python) && File.Exists("/usr/lib/python3/dist-packages/slixmpp/__init__.py");

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright) => await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Chromium,
        Headless = true,
        Args = ["--no-sandbox"],
        Timeout = 60_000,
    });

    [SkippableFact]
    public async Task Staff_customers_and_guests_log_in_over_xmpp_websocket_with_the_bundled_client()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var page = await browser.NewPageAsync();
            page.SetDefaultTimeout(90_000);
            await page.GotoAsync(daemon.Http.BaseAddress!.ToString());
            await page.AddScriptTagAsync(new() { Url = "/assets/app/links.js" });

            const string Login = """
                ({ username, password }) => new Promise((resolve, reject) => {
                  const timer = setTimeout(() => reject(new Error('not online within 60 s')), 60000);
                  const { xmpp } = window.ccgwLinks.connectXmpp({ domain: 'localhost', username, password, resource: 'browser' });
                  xmpp.on('online', async jid => { clearTimeout(timer); await xmpp.stop(); resolve(jid.toString()); });
                  xmpp.on('error', e => { clearTimeout(timer); xmpp.stop().catch(() => {}); reject(new Error(String(e?.condition ?? e?.message ?? e))); });
                  xmpp.start().catch(() => {});
                })
                """;
            Assert.Equal("alice@localhost/browser", await page.EvaluateAsync<string>(Login, new { username = "alice", password = "demo-alice" }));
            Assert.Equal("carol@localhost/browser", await page.EvaluateAsync<string>(Login, new { username = "carol", password = "demo-carol" }));
            Assert.Matches("^guest-[0-9a-f]+@localhost/browser$", await page.EvaluateAsync<string>(Login, new { username = (string?)null, password = (string?)null }));
            var wrong = await Assert.ThrowsAsync<PlaywrightException>(() => page.EvaluateAsync<string>(Login, new { username = "alice", password = "wrong" }));
            Assert.Contains("not-authorized", wrong.Message, StringComparison.Ordinal);

            // Bad input: no WebSocket / no xmpp subprotocol is a clear 400; a frame over the stanza limit a stream error.
            using var plain = await daemon.Http.GetAsync("/xmpp");
            Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
            Assert.Contains("subprotocol", await plain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var noProtocol = new ClientWebSocket();
            var refused = await Assert.ThrowsAsync<WebSocketException>(() => noProtocol.ConnectAsync(WebSocketUri(daemon), CancellationToken.None));
            Assert.Contains("400", refused.Message, StringComparison.Ordinal);

            using var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("xmpp");
            await socket.ConnectAsync(WebSocketUri(daemon), CancellationToken.None);
            Assert.Equal("xmpp", socket.SubProtocol);
            await socket.SendAsync(Encoding.UTF8.GetBytes($"<message xmlns='jabber:client'><body>{new string('x', 300 * 1024)}</body></message>"),
                WebSocketMessageType.Text, true, CancellationToken.None);
            var frames = await ReceiveAllAsync(socket);
            Assert.Contains(frames, f => f.Contains("<policy-violation", StringComparison.Ordinal));
            Assert.EndsWith("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", frames[^1], StringComparison.Ordinal);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);

            // Nothing else was affected: the next guest still gets in.
            Assert.Matches("^guest-", await page.EvaluateAsync<string>(Login, new { username = (string?)null, password = (string?)null }));
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }

    private static Uri WebSocketUri(DaemonUnderTest daemon) => new($"ws://127.0.0.1:{daemon.Listeners.Http}/xmpp");

    private static async Task<List<string>> ReceiveAllAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var frames = new List<string>();
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return frames;
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            frames.Add(Encoding.UTF8.GetString(message.ToArray()));
            message.SetLength(0);
        }
    }

    [SkippableFact]
    public async Task A_visitor_chats_from_the_help_page_with_the_bot_then_alice_through_a_network_drop_until_alice_ends_it()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        Skip.IfNot(SlixmppInstalled, "slixmpp (Debian package 'python3-slixmpp') is not installed");
        const string First = "My invoice 42 is wrong.", Offline = "Are you still there?", End = "Thanks, that is all.";
        var daemon = await DaemonUnderTest.StartAsync();
        var outFile = Path.Combine(Path.GetTempPath(), $"web_chat_agent-{Guid.NewGuid():N}.json");
        ExternalProcess? agent = null;
        try
        {
            agent = ExternalProcess.Start(Python, [AgentScript, "--port", $"{daemon.Listeners.Xmpp}", "--first-text", First,
                "--offline-text", Offline, "--end-text", End, "--out", outFile]);
            await WaitForOutputAsync(agent, "agent online");
            await SetStateAsync(daemon.Http, "alice", "ready");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
            var page = await context.NewPageAsync();
            // Generous: CI runs the browser suites on the same two cores at the same time.
            page.SetDefaultTimeout(90_000);
            Assertions.SetDefaultExpectTimeout(60_000);
            // Remember the page's sockets so the test can cut the link as a network drop does; record every frame
            // the browser receives to check it never carries alice's address.
            await page.AddInitScriptAsync("""
                (() => { const Native = window.WebSocket; window.__sockets = [];
                  window.WebSocket = class extends Native { constructor(...a) { super(...a); window.__sockets.push(this); } }; })();
                """);
            var received = new List<string>();
            page.WebSocket += (_, ws) => ws.FrameReceived += (_, f) => { lock (received) received.Add(f.Text ?? ""); };

            await page.GotoAsync(daemon.Http.BaseAddress!.ToString());
            var chat = page.Locator("#chat");
            await Assertions.Expect(chat).ToBeVisibleAsync();
            await page.GetByLabel("Chat topic").SelectOptionAsync(new SelectOptionValue { Label = "Billing" });
            await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
            var status = page.Locator("#chat-status");
            await Assertions.Expect(status).ToContainTextAsync("Connected");
            var input = page.GetByLabel("Your message");
            var log = page.Locator("#chat-log");

            // The bot answers first, then alice joins and greets; her typing notice shows, then her pause.
            await input.FillAsync("Hello, I have a question about my invoice");
            await input.PressAsync("Enter");
            await Assertions.Expect(log.Locator("li.them").First).ToBeVisibleAsync();
            await Assertions.Expect(log).ToContainTextAsync("Hello, Alice here. How can I help?");
            var typing = page.Locator("#chat-typing");
            await Assertions.Expect(typing).ToHaveTextAsync("Billing is typing…");
            await input.PressSequentiallyAsync(First); // the visitor's own composing notice reaches alice, who pauses
            await Assertions.Expect(typing).ToHaveTextAsync("Billing stopped typing.");
            await input.PressAsync("Enter");
            await Assertions.Expect(log).ToContainTextAsync("Let me look at invoice 42.");

            // axe-core on the help page with the chat open: no serious or critical violation.
            await page.EvaluateAsync(await File.ReadAllTextAsync(AxeScript));
            var violations = await page.EvaluateAsync<string[]>("""
                async () => (await axe.run(document)).violations
                  .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.help} (${v.nodes.length})`)
                """);
            Assert.True(violations.Length == 0, string.Join("\n", violations));

            // The network drops: the socket is cut and the browser is offline; what the visitor writes meanwhile waits.
            await context.SetOfflineAsync(true);
            await page.EvaluateAsync("() => window.__sockets.forEach(s => s.close())");
            await Assertions.Expect(status).ToContainTextAsync("reconnecting");
            await input.FillAsync(Offline);
            await input.PressAsync("Enter");
            await Assertions.Expect(log.Locator("li.me").Last).ToContainTextAsync("(not sent yet)");
            await context.SetOfflineAsync(false);
            await Assertions.Expect(status).ToContainTextAsync("Connected again");
            await Assertions.Expect(log).ToContainTextAsync("Yes, still here: the invoice is corrected.");
            await Assertions.Expect(log.Locator(".pending")).ToHaveCountAsync(0);
            await Assertions.Expect(log).Not.ToContainTextAsync("could not be resumed");

            // The visitor is done; alice ends the chat and the page says so.
            await input.FillAsync(End);
            await input.PressAsync("Enter");
            await Assertions.Expect(log).ToContainTextAsync("Goodbye!");
            await Assertions.Expect(log).ToContainTextAsync("The chat has ended.");
            await Assertions.Expect(input).ToBeDisabledAsync();

            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the agent script did not finish");
            var result = JsonDocument.Parse(await File.ReadAllTextAsync(outFile)).RootElement;
            Assert.True(agent.ExitCode == 0, $"{agent.StandardOutput}\n{agent.StandardError}\n{result}");
            var conversation = result.GetProperty("conversationAddress").GetString()!;
            Assert.Matches("^chat-[0-9a-f]+@localhost$", conversation);
            Assert.StartsWith(conversation, result.GetProperty("firstFrom").GetString(), StringComparison.Ordinal);
            Assert.StartsWith(conversation, result.GetProperty("offlineFrom").GetString(), StringComparison.Ordinal);
            Assert.Contains("composing", result.GetProperty("visitorStates").EnumerateArray().Select(s => s.GetString()));

            // Neither side saw the other's address: the browser only the queue address, alice only the conversation's.
            // (Her name is in her own words, "Hello, Alice here": it is her address that must never show.)
            var agentJid = result.GetProperty("agentJid").GetString()!;
            var agentResource = agentJid[(agentJid.IndexOf('/', StringComparison.Ordinal) + 1)..];
            lock (received)
            {
                Assert.NotEmpty(received);
                Assert.DoesNotContain(received, f => f.Contains("alice@", StringComparison.OrdinalIgnoreCase) || f.Contains(agentResource, StringComparison.Ordinal));
                Assert.Contains(received, f => f.Contains("from='billing@localhost", StringComparison.Ordinal) || f.Contains("from=\"billing@localhost", StringComparison.Ordinal));
            }
            Assert.DoesNotContain("alice@", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(result.GetProperty("agentReceived").EnumerateArray(), s => s.GetString()!.Contains("guest-", StringComparison.Ordinal));
        }
        finally
        {
            if (agent is not null) await agent.DisposeAsync();
            File.Delete(outFile);
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
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

    private static async Task SetStateAsync(HttpClient http, string agent, string state)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/admin/agents/{agent}/state", UriKind.Relative))
        {
            Content = JsonContent.Create(new { state }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }
}
