using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ccgw.Web.Tests.Portal;

/// <summary>
/// The customer portal in Debian's Chromium against the real daemon and a real SMTP server (issue 17 acceptance):
/// sign-in by mailed one-time link, the personal page, changes audited for agents, CSRF, bad input and other customers'
/// call-backs. Skipped visibly without /usr/bin/chromium or /usr/bin/python3.
/// </summary>
public sealed class PortalBrowserTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string SentNotice = "If this address belongs to one of our customers, a sign-in link is on its way to it.";

    /// <summary>Asks for a link on the sign-in page; returns the page's notice.</summary>
    private async Task<string> AskForLinkAsync(IPage page, string email)
    {
        await page.GotoAsync(fixture.Url("/me/sign-in"));
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        await Expect(page.Locator("#sign-in-notice")).ToBeVisibleAsync();
        return (await page.Locator("#sign-in-notice").TextContentAsync())!;
    }

    /// <summary>Opens a mailed link and presses its button.</summary>
    private static async Task FollowAsync(IPage page, string link)
    {
        await page.GotoAsync(link);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private async Task<(IBrowserContext Context, IPage Page)> SignedInAsCarolAsync(int width = 1366, int height = 768)
    {
        var (context, page) = await fixture.NewPageAsync(width, height);
        var before = fixture.Mails().Count;
        await AskForLinkAsync(page, "carol@example.com");
        var mail = await fixture.NextMailAsync(before);
        await FollowAsync(page, PortalFixture.LinkIn(mail.Message));
        await Expect(page.Locator("#customer-name")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(".+"));
        return (context, page);
    }

    [SkippableFact]
    public async Task Carol_signs_in_with_the_mailed_link_sees_her_page_and_the_link_works_once()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        // Something for her history: a call-back for now on billing enters the core's queue with her customer id.
        await fixture.BookCallbackAsync("+15550100", "billing", "now");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await fixture.AdminGetAsync("/api/admin/interactions?customer=carol")).GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "carol's call-back never reached the history");
            await Task.Delay(100);
        }

        var (context, page) = await fixture.NewPageAsync();
        await using var _ = context;
        var before = fixture.Mails().Count;
        Assert.StartsWith(SentNotice, await AskForLinkAsync(page, "carol@example.com"));
        var (to, message) = await fixture.NextMailAsync(before);
        Assert.Equal("carol@example.com", to);
        Assert.Contains("help@example.com", message.From.ToString(), StringComparison.Ordinal);
        var link = PortalFixture.LinkIn(message);
        Assert.StartsWith(fixture.Url("/me/sign-in/link?token="), link);

        await FollowAsync(page, link);
        await page.WaitForURLAsync("**/me");
        await Expect(page.Locator("#customer-name")).ToHaveTextAsync("Carol Clark");
        await Expect(page.Locator("#details-email")).ToHaveValueAsync("carol@example.com");
        await Expect(page.Locator("#details-phones")).ToHaveValueAsync("+15550100");
        await Expect(page.Locator("#products")).ToContainTextAsync("Fibre 500, bought 2 Sep 2026");
        await Expect(page.Locator("#order-list")).ToContainTextAsync("A-1002");
        await Expect(page.Locator("#order-list")).ToContainTextAsync("shipped");
        await Expect(page.Locator("#history-by-product")).ToContainTextAsync("Call-back about Billing");
        await Expect(page.Locator("#history-by-agent")).ToContainTextAsync("Not yet answered by an agent");
        await Expect(page.Locator("#centre-status tr[data-queue=sales]")).ToContainTextAsync("Sales");

        // The session cookie: HttpOnly, SameSite, not readable by script.
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "ccgw-customer");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
        Assert.Equal(-1, cookie.Expires); // a session cookie; the ticket inside expires after the idle time

        var shots = Environment.GetEnvironmentVariable("CCGW_SCREENSHOT_DIR");
        if (shots is { Length: > 0 })
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "portal-me-1366x768.png"), FullPage = true });
            await page.SetViewportSizeAsync(390, 844);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "portal-me-390x844.png"), FullPage = true });
            await page.SetViewportSizeAsync(1366, 768);
        }

        // The same link again, from another browser: refused, and no session.
        var (other, second) = await fixture.NewPageAsync();
        await using var __ = other;
        await FollowAsync(second, link);
        await Expect(second.GetByRole(AriaRole.Heading, new() { Name = "This sign-in link does not work" })).ToBeVisibleAsync();
        await second.GotoAsync(fixture.Url("/me"));
        await second.WaitForURLAsync("**/me/sign-in**");

        // Sign-out is a form (POST with the antiforgery token); afterwards /me asks to sign in again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("#sign-in-notice")).ToHaveTextAsync("You are signed out.");
        await page.GotoAsync(fixture.Url("/me"));
        await page.WaitForURLAsync("**/me/sign-in**");
    }

    [SkippableFact]
    public async Task Carol_signs_in_with_her_chat_account_and_a_wrong_password_is_refused()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var (context, page) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync(fixture.Url("/me/sign-in"));
        await page.GetByLabel("Chat login name").FillAsync("carol");
        await page.GetByLabel("Password").FillAsync("not-her-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#xmpp-errors")).ToContainTextAsync("the login name or the password is wrong");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "ccgw-customer");

        await page.GetByLabel("Chat login name").FillAsync("carol@localhost");
        await page.GetByLabel("Password").FillAsync("demo-carol");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/me");
        await Expect(page.Locator("#customer-name")).ToHaveTextAsync("Carol Clark");
    }

    [SkippableFact]
    public async Task An_unknown_address_gets_the_same_answer_and_no_mail()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var (context, page) = await fixture.NewPageAsync();
        await using var _ = context;
        var before = fixture.Mails().Count;
        var unknown = await AskForLinkAsync(page, "nobody@example.com");
        var known = await AskForLinkAsync(page, "Carol@Example.com");
        Assert.Equal(known, unknown);
        // Requests are handled in order: when carol's mail is there, the unknown address's turn has passed.
        var (to, _) = await fixture.NextMailAsync(before);
        Assert.Equal("Carol@Example.com", to);
        Assert.DoesNotContain(fixture.Mails().Skip(before), m => m.To.Contains("nobody", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task An_expired_link_signs_no_one_in()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var (context, page) = await fixture.NewPageAsync();
        await using var _ = context;
        var before = fixture.Mails().Count;
        await AskForLinkAsync(page, "carol@example.com");
        var link = PortalFixture.LinkIn((await fixture.NextMailAsync(before)).Message);
        // The daemon's clock cannot be moved from outside: age the stored link instead (what 15 minutes would do).
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(fixture.Daemon.DataDirectory, "ccgw.db")}"))
        {
            await db.OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = "UPDATE customer_sign_in_links SET expires_at = '2000-01-01T00:00:00.0000000Z' WHERE used_at IS NULL";
            Assert.True(await command.ExecuteNonQueryAsync() >= 1);
        }
        await FollowAsync(page, link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This sign-in link does not work" })).ToBeVisibleAsync();
        await page.GotoAsync(fixture.Url("/me"));
        await page.WaitForURLAsync("**/me/sign-in**");
    }

    [SkippableFact]
    public async Task Changes_are_validated_audited_for_agents_and_forged_forms_change_nothing()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var (context, page) = await SignedInAsCarolAsync();
        await using var _ = context;
        var dialogs = 0;
        page.Dialog += (_, d) =>
        {
            dialogs++;
            _ = d.DismissAsync();
        };
        var original = await page.Locator("#details-name").InputValueAsync();

        // A forged antiforgery token: 400, nothing changed.
        await page.Locator("#details-name").FillAsync("Mallory");
        await page.Locator("form[action='/me/details'] input[name=__csrf]").EvaluateAsync("e => e.value = 'forged'");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my details" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This form was not accepted" })).ToBeVisibleAsync();
        Assert.Equal(original, (await fixture.AdminGetAsync("/api/admin/customers/carol")).GetProperty("name").GetString());

        // Oversized: refused naming the field, nothing changed (the browser's maxlength is bypassed on purpose).
        await page.GotoAsync(fixture.Url("/me"));
        await page.Locator("#details-name").EvaluateAsync("e => { e.removeAttribute('maxlength'); e.value = 'x'.repeat(101); }");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my details" }).ClickAsync();
        await Expect(page.Locator("#details-errors")).ToContainTextAsync("Name: at most 100 characters");
        await Expect(page.Locator("#details-name")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(original, (await fixture.AdminGetAsync("/api/admin/customers/carol")).GetProperty("name").GetString());

        // Script in the name: stored as text, shown as text, never run.
        await page.GotoAsync(fixture.Url("/me"));
        const string script = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        await page.Locator("#details-name").FillAsync(script);
        await page.Locator("#details-interests").FillAsync("fibre, roaming");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my details" }).ClickAsync();
        await Expect(page.Locator("#details .notice")).ToHaveTextAsync("Your details were saved.");
        await Expect(page.Locator("#customer-name")).ToHaveTextAsync(script);
        Assert.Equal(0, await page.Locator("header img, main img").CountAsync());
        Assert.Equal(0, dialogs);

        // Audited, and the record agents get (admin API here; the MQTT offer carries the same record) shows the change.
        var record = await fixture.AdminGetAsync("/api/admin/customers/carol");
        Assert.Equal(script, record.GetProperty("name").GetString());
        var changes = record.GetProperty("recentChanges").EnumerateArray().ToList();
        var name = changes.First(c => c.GetProperty("field").GetString() == "name");
        Assert.Equal(original, name.GetProperty("before").GetString());
        Assert.Equal(script, name.GetProperty("after").GetString());
        Assert.Equal("customer", name.GetProperty("actor").GetString());
        Assert.Contains(changes, c => c.GetProperty("field").GetString() == "interests" && c.GetProperty("after").GetString() == "fibre, roaming");

        // Put the name back for the other tests.
        await page.Locator("#details-name").FillAsync(original);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my details" }).ClickAsync();
        await Expect(page.Locator("#customer-name")).ToHaveTextAsync(original);
    }

    [SkippableFact]
    public async Task Carol_moves_and_cancels_her_call_back_but_not_someone_elses()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var later = await FirstSlotAsync("sales");
        var carols = await fixture.BookCallbackAsync("+15550100", "sales", later);
        var daves = await fixture.BookCallbackAsync("+15550101", "sales", later);
        var (context, page) = await SignedInAsCarolAsync();
        await using var _ = context;

        var mine = page.Locator($"li[data-callback='{carols}']");
        await Expect(mine).ToContainTextAsync("Scheduled");
        Assert.Equal(0, await page.Locator($"li[data-callback='{daves}']").CountAsync());

        // Dave's id in carol's own (valid) cancel form: 404, and dave's call-back is still scheduled.
        await mine.Locator("form[action$='/cancel']").EvaluateAsync($"f => f.action = '/me/callbacks/{daves}/cancel'");
        await mine.GetByRole(AriaRole.Button, new() { Name = "Cancel this call-back" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No such call-back" })).ToBeVisibleAsync();
        Assert.Equal("scheduled", await StatusAsync(daves));

        // Move to the next offered slot.
        await page.GotoAsync(fixture.Url("/me"));
        var select = mine.Locator("select[name=slot]");
        var offered = await select.Locator("option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)");
        var next = offered.Last(v => v != later); // far off: it stays scheduled while the test runs
        await select.SelectOptionAsync(next);
        await mine.GetByRole(AriaRole.Button, new() { Name = "Move" }).ClickAsync();
        await Expect(page.Locator("#callbacks .notice")).ToHaveTextAsync("The call-back was moved.");
        var moved = (await fixture.AdminGetAsync("/api/admin/callbacks")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == carols);
        Assert.Equal(next, moved.GetProperty("scheduledAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture));

        // Cancel her own.
        await mine.GetByRole(AriaRole.Button, new() { Name = "Cancel this call-back" }).ClickAsync();
        await Expect(page.Locator("#callbacks .notice")).ToHaveTextAsync("The call-back was cancelled.");
        Assert.Equal("cancelled", await StatusAsync(carols));
        Assert.Equal("scheduled", await StatusAsync(daves));
    }

    private async Task<string> StatusAsync(string id) =>
        (await fixture.AdminGetAsync("/api/admin/callbacks")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == id).GetProperty("status").GetString()!;

    /// <summary>A slot at least ten minutes away (so that the call-back stays scheduled while the test runs).</summary>
    private async Task<string> FirstSlotAsync(string topic)
    {
        using var response = await fixture.Daemon.Http.GetAsync($"/api/help-requests/slots?topic={topic}");
        var slots = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("slots");
        return slots.EnumerateArray().Select(s => s.GetProperty("start").GetDateTimeOffset())
            .First(s => s > DateTimeOffset.UtcNow.AddMinutes(10)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
    }
}
