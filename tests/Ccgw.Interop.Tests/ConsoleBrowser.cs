using System.Text.Json;
using Ccgw.Testing;
using Microsoft.Playwright;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright against the real daemon, for the staff consoles (issue 19): one browser,
/// one context (own cookies) per person signed in, 1366x768 like the issue asks, and axe-core from ClientApp's lockfile.
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<ConsoleBrowser> StartAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox"],
            Timeout = 60_000,
        });
        return new ConsoleBrowser(playwright, browser);
    }

    /// <summary>Signs <paramref name="user"/> in through the form and waits until the console's MQTT link is online.</summary>
    public async Task<IPage> SignInAsync(int httpPort, string user, string password, string console)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = $"http://127.0.0.1:{httpPort}",
            ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/console/sign-in?next=" + console);
        await page.FillAsync("#user", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**" + console);
        await page.WaitForSelectorAsync("#link.link-online");
        return page;
    }

    /// <summary>axe-core's serious and critical violations on the page as it is now (empty: none).</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        var axe = Path.Combine(RepoPaths.Root, "src", "Ccgw.Web", "ClientApp", "node_modules", "axe-core", "axe.min.js");
        // Evaluated through the DevTools protocol, not as a <script> tag, so the page's CSP (no inline script) stays on.
        await page.EvaluateAsync(await File.ReadAllTextAsync(axe));
        var json = await page.EvaluateAsync<string>("""
            async () => JSON.stringify((await axe.run(document, { resultTypes: ['violations'] })).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))
            """);
        return JsonSerializer.Deserialize<string[]>(json)!;
    }

    /// <summary>With CCGW_SCREENSHOTS=1, saves the page (1366x768) as docs/images/NAME.png for docs/consoles.md.</summary>
    public static async Task ScreenshotForDocsAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CCGW_SCREENSHOTS") != "1") return;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.Root, "docs", "images", name + ".png") });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
