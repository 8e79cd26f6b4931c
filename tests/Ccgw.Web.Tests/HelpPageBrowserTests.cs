using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ccgw.Web.Tests;

/// <summary>
/// The help page in a real browser (Debian's Chromium, headless, driven by Playwright) against the real daemon: it
/// shows the live waiting times, submits the form, lands on the status page and sees the status and the wait.
/// Skipped visibly when /usr/bin/chromium is absent (<c>apt-get install chromium</c>).
/// </summary>
public sealed class HelpPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task A_customer_submits_the_help_page_and_sees_the_status_and_wait()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox"],
                Timeout = 60_000,
            });
            var page = await browser.NewPageAsync();
            // Generous: CI runs the interop suite on the same two cores at the same time.
            page.SetDefaultTimeout(90_000);
            page.SetDefaultNavigationTimeout(90_000);
            SetDefaultExpectTimeout(30_000);
            await page.GotoAsync($"{daemon.Http.BaseAddress}?ref=https%3A%2F%2Fshop.example%2Ftv");

            await Expect(page.Locator("#waits li[data-queue=sales] .ewt")).Not.ToBeEmptyAsync();
            await Expect(page.Locator("#field-timeZone")).Not.ToHaveValueAsync(""); // filled in by the script
            await page.GetByLabel("Phone number or SIP address").FillAsync("+44 20 7946 0018");
            await page.GetByLabel("Your name (optional)").FillAsync("Dana");
            await page.GetByLabel("Topic", new() { Exact = true }).SelectOptionAsync("billing");
            // Only the chosen topic's slots are offered; take the first at least three minutes away, so the wait the
            // status page shows is "about N minutes" whenever in its slot the test happens to run.
            await Expect(page.Locator("#field-preferredTime optgroup[data-queue=sales]")).ToBeDisabledAsync();
            var options = page.Locator("#field-preferredTime optgroup[data-queue=billing] option");
            string? slot = null;
            var index = -1;
            foreach (var option in await options.AllAsync())
            {
                var value = await option.GetAttributeAsync("value");
                if (value is null || DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture) < DateTimeOffset.UtcNow.AddMinutes(3)) continue;
                slot = value;
                index = await option.EvaluateAsync<int>("o => o.index"); // the same time is also listed (disabled) under sales
                break;
            }
            Assert.NotNull(slot);
            await page.GetByLabel("Preferred time").SelectOptionAsync(new SelectOptionValue { Index = index });
            await page.GetByRole(AriaRole.Button, new() { Name = "Call me back" }).ClickAsync();

            await page.WaitForURLAsync("**/help/requests/*", new() { WaitUntil = WaitUntilState.Commit });
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your call-back request" })).ToBeVisibleAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync("Scheduled: we will call you");
            await Expect(page.Locator("#ewt")).ToContainTextAsync("about");
            var shown = await page.Locator("#ewt").TextContentAsync();
            var untilSlot = (DateTimeOffset.Parse(slot, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow).TotalMinutes;
            var minutes = int.Parse(shown!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(minutes, Math.Floor(untilSlot) - 1, Math.Ceiling(untilSlot) + 1);

            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/callbacks");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-admin-token-change-me");
            using var list = await daemon.Http.SendAsync(request);
            var stored = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single();
            Assert.Equal("https://shop.example/tv", stored.GetProperty("pageUrl").GetString());
            Assert.Equal("+442079460018", stored.GetProperty("address").GetString());
            Assert.Equal(slot, stored.GetProperty("scheduledAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await daemon.DisposeAsync();
            daemon.DeleteRoot();
        }
    }
}
