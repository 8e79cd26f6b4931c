using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ccgw.Web.Tests.Portal;

/// <summary>
/// Issue 17 acceptance, the customer's side of self-help, in Debian's Chromium against the real daemon and a real SMTP
/// server: carol signs in by the mailed link, sees her product's wizard first, walks three steps, orders a part, sees the
/// order on /me; forged and foreign orders change nothing; alice's next offer for carol (mosquitto_sub) carries the
/// steps and the order.
/// </summary>
public sealed class SelfHelpBrowserTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Sub = "/usr/bin/mosquitto_sub";
    private const string PartName = "Fibre 500 router power supply (12 V)"; // config/self-help.json

    private async Task AdminSendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortalFixture.AdminToken);
        using var response = await fixture.Daemon.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<List<JsonElement>> CarolsOrdersAsync() =>
        [.. (await fixture.AdminGetAsync("/api/admin/orders?customer=carol")).EnumerateArray()];

    [SkippableFact]
    public async Task Carol_walks_her_wizard_orders_a_part_sees_it_on_her_page_and_alices_offer_carries_both()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        Skip.IfNot(File.Exists(Sub), $"{Sub} is not installed");

        // A general wizard whose title sorts before hers: her product's wizard must still come first.
        await AdminSendAsync(HttpMethod.Post, "/api/admin/wizards", """
            { "id": "general-questions", "title": "General questions", "start": "ask",
              "steps": [ { "id": "ask", "title": "Ask us", "ending": { "kind": "liveHelp", "topic": "sales" } } ] }
            """);
        await AdminSendAsync(HttpMethod.Post, "/api/admin/wizards/general-questions/publish");
        // An item for a product carol does not own: never hers to order.
        await AdminSendAsync(HttpMethod.Put, "/api/admin/catalogue/tv-remote", """{ "product": "tv-box", "kind": "part", "name": "TV remote" }""");

        var (context, page) = await fixture.NewPageAsync();
        await using var _ = context;
        var before = fixture.Mails().Count;
        await page.GotoAsync(fixture.Url("/me/sign-in"));
        await page.GetByLabel("E-mail address").FillAsync("carol@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        var link = PortalFixture.LinkIn((await fixture.NextMailAsync(before)).Message);
        await page.GotoAsync(link);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/me");
        await Expect(page.Locator("#customer-name")).ToHaveTextAsync("Carol Clark");

        // The link works once.
        var (other, second) = await fixture.NewPageAsync();
        await using (other)
        {
            await second.GotoAsync(link);
            await second.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(second.GetByRole(AriaRole.Heading, new() { Name = "This sign-in link does not work" })).ToBeVisibleAsync();
        }

        // Her product's wizard first, the general one after it.
        var wizards = page.Locator("#wizard-list > li");
        await Expect(wizards.First).ToHaveAttributeAsync("data-wizard", "fibre-500-help");
        await Expect(wizards.First).ToContainTextAsync("for a product you own");
        await Expect(page.Locator("#wizard-list > li[data-wizard=general-questions]")).ToBeVisibleAsync();
        // Ordering offers her product's catalogue, not the TV remote.
        await Expect(page.Locator("#catalogue")).ToContainTextAsync(PartName);
        await Expect(page.Locator("#catalogue li[data-item=tv-remote]")).ToHaveCountAsync(0);

        // Three steps, by keyboard-usable buttons.
        await page.GetByRole(AriaRole.Button, new() { Name = "Help with your Fibre 500" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "What do you need help with?", Level = 1 })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I need a spare part or a technician" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Parts and services for your Fibre 500", Level = 1 })).ToBeVisibleAsync();
        var shots = Environment.GetEnvironmentVariable("CCGW_SCREENSHOT_DIR");
        if (shots is { Length: > 0 })
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "portal-wizard-1366x768.png"), FullPage = true });
            await page.SetViewportSizeAsync(390, 844);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "portal-wizard-390x844.png"), FullPage = true });
            await page.SetViewportSizeAsync(1366, 768);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "A new power supply" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Order a power supply", Level = 1 })).ToBeVisibleAsync();
        var orderButton = page.GetByRole(AriaRole.Button, new() { Name = "Order " + PartName });
        await Expect(orderButton).ToBeVisibleAsync();
        var stepUrl = page.Url;

        // A forged antiforgery token on the order form: refused, nothing ordered.
        await orderButton.Locator("xpath=ancestor::form//input[@name='__csrf']").EvaluateAsync("e => e.value = 'forged'");
        await orderButton.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This form was not accepted" })).ToBeVisibleAsync();
        Assert.Empty(await CarolsOrdersAsync());

        // An item not offered to her (another product's part): refused, nothing ordered.
        await page.GotoAsync(stepUrl);
        await orderButton.Locator("xpath=ancestor::form//input[@name='item']").EvaluateAsync("e => e.value = 'tv-remote'");
        await orderButton.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This order was not placed" })).ToBeVisibleAsync();
        Assert.Empty(await CarolsOrdersAsync());

        // A wizard that does not exist: a clear 404, nothing recorded.
        var missing = await page.GotoAsync(fixture.Url("/me/wizard/no-such-wizard/start"));
        Assert.Equal(404, missing!.Status);

        // The real order, quantity 2.
        await page.GotoAsync(stepUrl);
        await page.GetByLabel("Quantity").FillAsync("2");
        await orderButton.ClickAsync();
        await Expect(page.Locator("#order-notice")).ToContainTextAsync("Your order was placed");
        var order = Assert.Single(await CarolsOrdersAsync());
        var orderId = order.GetProperty("orderId").GetString()!;
        Assert.Equal(2, order.GetProperty("quantity").GetInt32());
        var row = page.Locator("#order-list tr", new() { HasText = orderId });
        await Expect(row).ToContainTextAsync("Fibre 500");
        await Expect(row.Locator(".status")).ToHaveTextAsync("placed");

        // carol asks for a call-back; alice's next offer carries her three steps and the order.
        var sub = ExternalProcess.Start("/usr/bin/stdbuf",
            ["-oL", Sub, "-h", "127.0.0.1", "-p", I(fixture.Daemon.Listeners.Mqtt), "-V", "mqttv311", "-u", "alice", "-P", "demo-alice",
             "-t", "ccgw/agents/alice/offers", "-C", "1", "-W", "90", "-d"]);
        await using (sub)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal) && !sub.HasExited && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal), $"alice's console did not subscribe:\n{sub.StandardError}");
            using (var posted = await fixture.Daemon.Http.PostAsync(new Uri("/api/help-requests", UriKind.Relative),
                new StringContent("""{ "number": "+15550100", "topic": "sales", "preferredTime": "now" }""", Encoding.UTF8, "application/json")))
                Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            await AdminSendAsync(HttpMethod.Put, "/api/admin/agents/alice/state", """{ "state": "ready" }""");
            Assert.True(await sub.WaitForExitAsync(TimeSpan.FromSeconds(60)), "alice got no offer");
            var offer = JsonDocument.Parse(sub.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
            Assert.Equal("carol", offer.GetProperty("customer").GetProperty("id").GetString());
            var trail = offer.GetProperty("selfHelp").EnumerateArray().ToList();
            Assert.Equal(["start", "parts", "order-psu"], trail.Select(t => t.GetProperty("step").GetString()));
            var placed = Assert.Single(offer.GetProperty("orders").EnumerateArray());
            Assert.Equal(orderId, placed.GetProperty("orderId").GetString());
            Assert.Equal("placed", placed.GetProperty("status").GetString());
        }
    }

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
