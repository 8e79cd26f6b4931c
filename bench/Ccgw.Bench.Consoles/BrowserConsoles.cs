using System.Text.Json;
using Microsoft.Playwright;

namespace Ccgw.Bench.Consoles;

/// <summary>
/// Chromium pages signed in through the real forms: alice's console (her state badge, <c>#state</c>) and the
/// supervisor's wallboard (alice's row), alternately. Each page logs every change of the watched text with its own
/// wall-clock time; installed through the DevTools protocol, so the pages' CSP stays on.
/// </summary>
internal sealed class BrowserConsoles : IAsyncDisposable
{
    private const string Observer = """
        selector => {
          window.__log = [];
          let last = null;
          const look = () => {
            const text = document.querySelector(selector)?.textContent ?? null;
            if (text !== last) { last = text; window.__log.push([text, performance.timeOrigin + performance.now()]); }
          };
          new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
          look();
        }
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<IPage> _pages;

    private BrowserConsoles(IPlaywright playwright, IBrowser browser, List<IPage> pages)
    {
        _playwright = playwright;
        _browser = browser;
        _pages = pages;
    }

    public static async Task<BrowserConsoles> OpenAsync(int httpPort, int count)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox"], Timeout = 120_000,
        });
        var pages = new List<IPage>();
        for (var i = 0; i < count; i++)
        {
            var agent = i % 2 == 0;
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = $"http://127.0.0.1:{httpPort}", ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(60_000);
            var console = agent ? "/console" : "/supervisor";
            await page.GotoAsync("/console/sign-in?next=" + console);
            await page.FillAsync("#user", agent ? "alice" : "sup");
            await page.FillAsync("#password", agent ? "demo-alice" : "demo-sup");
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync("**" + console);
            await page.WaitForSelectorAsync("#link.link-online");
            var selector = agent ? "#state" : "tr[data-agent='alice'] td";
            await page.WaitForSelectorAsync(selector);
            await page.EvaluateAsync(Observer, selector);
            pages.Add(page);
        }
        return new BrowserConsoles(playwright, browser, pages);
    }

    /// <summary>How long after <paramref name="sentAt"/> each page showed <paramref name="token"/> (pages that did not within the wait are left out).</summary>
    public async Task<List<double>> WaitForAsync(string token, double sentAt, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var seen = new Dictionary<int, double>();
        while (seen.Count < _pages.Count && DateTime.UtcNow < deadline)
        {
            for (var i = 0; i < _pages.Count; i++)
            {
                if (seen.ContainsKey(i)) continue;
                var json = await _pages[i].EvaluateAsync<string>("t => JSON.stringify(window.__log.filter(e => e[0] && e[0].includes(t)).map(e => e[1]))", token);
                var times = JsonSerializer.Deserialize<double[]>(json)!;
                if (times.Length > 0) seen[i] = times.Min() - sentAt;
            }
            if (seen.Count < _pages.Count) await Task.Delay(5);
        }
        foreach (var page in _pages) await page.EvaluateAsync("() => { window.__log = window.__log.slice(-1); }");
        return [.. seen.Values];
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
