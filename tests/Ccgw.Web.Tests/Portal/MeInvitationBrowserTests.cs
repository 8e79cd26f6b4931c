using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ccgw.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ccgw.Web.Tests.Portal;

/// <summary>
/// Invitations (issue 18 acceptance) in Debian's Chromium against the real daemon, alice's console being
/// mosquitto_sub/mosquitto_pub on her topics: inviting a customer who is not present is answered on alice's error
/// topic; alice invites carol (signed in on /me), the invitation shows live, carol accepts and the chat opens; forged
/// and stale answers get problem+json and change nothing; later carol invites alice back when alice is ready, alice
/// accepts over MQTT and carol's chat opens; both invitations show in carol's history.
/// </summary>
public sealed partial class MeInvitationBrowserTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Sub = "/usr/bin/mosquitto_sub";
    private static readonly string AxeScript = Path.Combine(RepoPaths.Root, "src", "Ccgw.Web", "ClientApp", "node_modules", "axe-core", "axe.min.js");

    /// <summary>With CCGW_SCREENSHOTS=1, saves the page at 1366x768 and at phone width as docs/images/NAME[-narrow].png.</summary>
    private static async Task ScreenshotForDocsAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CCGW_SCREENSHOTS") != "1") return;
        var images = Path.Combine(RepoPaths.Root, "docs", "images");
        await page.SetViewportSizeAsync(1366, 768);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(images, name + ".png") });
        await page.SetViewportSizeAsync(390, 844);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(images, name + "-narrow.png"), FullPage = true });
        await page.SetViewportSizeAsync(1366, 768);
    }
    private const string Pub = "/usr/bin/mosquitto_pub";

    private static string I(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task PublishAsAliceAsync(string json)
    {
        await using var pub = ExternalProcess.Start(Pub, ["-h", "127.0.0.1", "-p", I(fixture.Daemon.Listeners.Mqtt), "-V", "mqttv311",
            "-u", "alice", "-P", "demo-alice", "-t", "ccgw/agents/alice/commands", "-m", json]);
        Assert.True(await pub.WaitForExitAsync(TimeSpan.FromSeconds(30)), "mosquitto_pub did not finish");
        Assert.True(pub.ExitCode == 0, pub.StandardError);
    }

    /// <summary>The first line alice's subscriber printed (<c>-v</c>: topic, space, JSON) on a topic whose JSON matches.</summary>
    private static async Task<JsonElement> LineAsync(ExternalProcess sub, string topic, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            foreach (var line in sub.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!line.StartsWith(topic + " ", StringComparison.Ordinal)) continue;
                var json = JsonDocument.Parse(line[(topic.Length + 1)..]).RootElement.Clone();
                if (match(json)) return json;
            }
            Assert.True(DateTime.UtcNow < deadline, $"nothing matching on {topic}:\n{sub.StandardOutput}\n{sub.StandardError}");
            Assert.False(sub.HasExited, $"mosquitto_sub ended:\n{sub.StandardOutput}\n{sub.StandardError}");
            await Task.Delay(100); // polling a child's output: no event to wait on
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

    [SkippableFact]
    public async Task Alice_invites_carol_who_accepts_and_chats_then_carol_invites_alice_back_when_she_is_ready()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        Skip.IfNot(File.Exists(Sub) && File.Exists(Pub), "mosquitto clients are not installed");
        var sub = ExternalProcess.Start("/usr/bin/stdbuf", ["-oL", Sub, "-h", "127.0.0.1", "-p", I(fixture.Daemon.Listeners.Mqtt), "-V", "mqttv311",
            "-u", "alice", "-P", "demo-alice", "-t", "ccgw/agents/alice/invitations", "-t", "ccgw/agents/alice/errors", "-v", "-d", "-W", "600"]);
        await using var _sub = sub;
        // -d prints the SUBACK (its debug lines never start with a topic, so LineAsync skips them).
        var subscribed = DateTime.UtcNow.AddSeconds(30);
        while (!sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal) && !sub.HasExited && DateTime.UtcNow < subscribed) await Task.Delay(50);
        Assert.True(sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal), $"alice's console did not subscribe:\n{sub.StandardError}");

        // dave is not on /me nor online over XMPP: alice is told so on her error topic.
        await PublishAsAliceAsync("""{"action":"invite","customerId":"dave","medium":"chat"}""");
        var error = await LineAsync(sub, "ccgw/agents/alice/errors", j => j.GetProperty("action").GetString() == "invite");
        Assert.Equal("customerNotPresent", error.GetProperty("error").GetString());

        // carol signs in; her page is open (it polls, so the centre knows she is there).
        var (context, page) = await fixture.NewPageAsync();
        await using var _context = context;
        var before = fixture.Mails().Count;
        await page.GotoAsync(fixture.Url("/me/sign-in"));
        await page.GetByLabel("E-mail address").FillAsync("carol@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        await page.GotoAsync(PortalFixture.LinkIn((await fixture.NextMailAsync(before)).Message));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The URL, not the load event: the page polls and opens sockets, and on two shared cores "load" can lag far behind.
        await Expect(page).ToHaveURLAsync(new Regex("/me$"));
        await Expect(page.Locator("#invitation-none")).ToBeVisibleAsync();

        // alice invites carol: the invitation appears on the open page without a reload.
        await PublishAsAliceAsync("""{"action":"invite","customerId":"carol","medium":"chat"}""");
        var pending = await LineAsync(sub, "ccgw/agents/alice/invitations", j => j.GetProperty("direction").GetString() == "agentToCustomer");
        Assert.Equal("pending", pending.GetProperty("state").GetString());
        Assert.Equal("Carol Clark", pending.GetProperty("customerName").GetString());
        var invitationId = pending.GetProperty("invitationId").GetString()!;
        var item = page.Locator($"#invitation-list li[data-invitation='{invitationId}']");
        await Expect(item).ToContainTextAsync("Alice Archer invites you to chat.");

        // A forged answer (no antiforgery token) and an unknown invitation change nothing.
        var token = await page.Locator("input[name='__csrf']").First.GetAttributeAsync("value");
        var forged = await page.APIRequest.PostAsync(fixture.Url($"/me/invitations/{invitationId}/decline"), new() { Form = FormOf(page, ("__csrf", "forged")), MaxRedirects = 0 });
        Assert.Equal(400, forged.Status);
        Assert.StartsWith("application/problem+json", forged.Headers["content-type"], StringComparison.Ordinal);
        var unknown = await page.APIRequest.PostAsync(fixture.Url("/me/invitations/inv-000000000000000000000000/accept"), new() { Form = FormOf(page, ("__csrf", token!)), MaxRedirects = 0 });
        Assert.Equal(404, unknown.Status);
        Assert.StartsWith("application/problem+json", unknown.Headers["content-type"], StringComparison.Ordinal);

        // axe-core on /me with the invitation, the chat section and the alert choice: no serious or critical violation.
        await page.EvaluateAsync(await File.ReadAllTextAsync(AxeScript));
        var violations = await page.EvaluateAsync<string[]>("""
            async () => (await axe.run(document)).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.help} (${v.nodes.length})`)
            """);
        Assert.True(violations.Length == 0, string.Join("\n", violations));
        await ScreenshotForDocsAsync(page, "me-invitation");

        // carol accepts with the keyboard only: the chat opens on her page, to alice's topic.
        await item.GetByRole(AriaRole.Button, new() { Name = "Accept" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/me\\?invitation=" + invitationId));
        await Expect(page.Locator("#me-chat-hint")).ToHaveTextAsync("Your chat with Alice Archer opens below.");
        await Expect(page.Locator("#chat-window")).ToBeVisibleAsync();
        await Expect(page.Locator("#chat-status")).ToContainTextAsync("Connected");
        var accepted = await LineAsync(sub, "ccgw/agents/alice/invitations", j => j.GetProperty("invitationId").GetString() == invitationId
            && j.GetProperty("state").GetString() == "accepted");
        Assert.Equal("carol", accepted.GetProperty("customerId").GetString());

        // A stale answer (answered already) is refused and changes nothing.
        var again = await page.APIRequest.PostAsync(fixture.Url($"/me/invitations/{invitationId}/decline"), new() { Form = FormOf(page, ("__csrf", token!)), MaxRedirects = 0 });
        Assert.Equal(409, again.Status);
        Assert.StartsWith("application/problem+json", again.Headers["content-type"], StringComparison.Ordinal);

        // Later carol invites alice back, once alice is ready; alice accepts on MQTT and carol's chat opens.
        await SetStateAsync("alice", "ready");
        try
        {
            await page.GotoAsync(fixture.Url("/me#invitations"), new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            await page.GetByRole(AriaRole.Button, new() { Name = "Invite Alice Archer to chat" }).ClickAsync();
            await Expect(page.Locator("#invitations .notice")).ToContainTextAsync("Your invitation was sent");
            var back = await LineAsync(sub, "ccgw/agents/alice/invitations", j => j.GetProperty("direction").GetString() == "customerToAgent");
            Assert.Equal("pending", back.GetProperty("state").GetString());
            var backId = back.GetProperty("invitationId").GetString()!;
            await PublishAsAliceAsync($$"""{"action":"acceptInvitation","invitationId":"{{backId}}"}""");
            await Expect(page).ToHaveURLAsync(new Regex("/me\\?invitation=" + backId));
            await Expect(page.Locator("#me-chat-hint")).ToHaveTextAsync("Your chat with Alice Archer opens below.");
            await Expect(page.Locator("#chat-status")).ToContainTextAsync("Connected");
            // Answering it twice is refused on alice's error topic.
            await PublishAsAliceAsync($$"""{"action":"declineInvitation","invitationId":"{{backId}}"}""");
            var twice = await LineAsync(sub, "ccgw/agents/alice/errors", j => j.GetProperty("action").GetString() == "declineInvitation");
            Assert.Equal("invalidState", twice.GetProperty("error").GetString());

            // Both show in carol's history.
            await page.GotoAsync(fixture.Url("/me#invitations"), new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            var history = page.Locator("#invitation-history");
            await Expect(history.Locator($"li[data-invitation='{invitationId}']")).ToContainTextAsync("Alice Archer invited you to chat – accepted");
            await Expect(history.Locator($"li[data-invitation='{backId}']")).ToContainTextAsync("you invited Alice Archer to chat – accepted");
        }
        finally
        {
            await SetStateAsync("alice", "notReady");
        }
    }

    private static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        return form;
    }
}
