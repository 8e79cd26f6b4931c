using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ccgw.Web.Tests.Portal;

/// <summary>
/// Status alerts by the customer's medium (issue 18), Chromium against the real daemon and SMTP server: while carol's
/// medium is "page" an order status change mails nothing; once she picks e-mail on /me, the next change mails her.
/// </summary>
public sealed class MeStatusAlertBrowserTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private async Task PatchOrderAsync(string orderId, string status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/admin/orders/{orderId}", UriKind.Relative))
        {
            Content = new StringContent($$"""{"status":"{{status}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortalFixture.AdminToken);
        using var response = await fixture.Daemon.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task An_order_status_change_mails_carol_once_she_chose_e_mail_for_alerts()
    {
        Skip.IfNot(fixture.Available, $"{PortalFixture.Chromium} or {PortalFixture.Python} is not installed");
        var (context, page) = await fixture.NewPageAsync();
        await using var _ = context;
        var before = fixture.Mails().Count;
        await page.GotoAsync(fixture.Url("/me/sign-in"));
        await page.GetByLabel("E-mail address").FillAsync("carol@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        await page.GotoAsync(PortalFixture.LinkIn((await fixture.NextMailAsync(before)).Message));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/me$"));

        // An order of hers (placed through /me's own form post, with the page's antiforgery token).
        var token = await page.Locator("input[name='__csrf']").First.GetAttributeAsync("value");
        var form = page.APIRequest.CreateFormData();
        form.Set("__csrf", token!);
        form.Set("item", "fibre-500-psu");
        form.Set("quantity", "1");
        var placed = await page.APIRequest.PostAsync(fixture.Url("/me/orders"), new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(303, placed.Status);
        var orderId = (await fixture.AdminGetAsync("/api/admin/orders?customer=carol")).EnumerateArray().First().GetProperty("orderId").GetString()!;

        // Medium "page" (the default): the change shows on /me, and nothing is mailed.
        await Expect(page.GetByLabel("On this page only")).ToBeCheckedAsync();
        var mailsBefore = fixture.Mails().Count;
        await PatchOrderAsync(orderId, "confirmed");

        // carol picks e-mail; the next change reaches her mailbox (the alert loop is one queue: had the first change
        // been mailed, it would arrive first).
        await page.GetByLabel(new System.Text.RegularExpressions.Regex("By e-mail")).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save how alerts reach me" }).ClickAsync();
        await Expect(page.Locator("#alerts-notice")).ToContainTextAsync("saved");
        await Expect(page.GetByLabel(new System.Text.RegularExpressions.Regex("By e-mail"))).ToBeCheckedAsync();
        await PatchOrderAsync(orderId, "shipped");

        var (to, message) = await fixture.NextMailAsync(mailsBefore);
        Assert.Equal("carol@example.com", to);
        Assert.Equal($"Your order {orderId} is now shipped", message.Subject);
        Assert.Contains("is now shipped", message.TextBody, StringComparison.Ordinal);
    }
}
