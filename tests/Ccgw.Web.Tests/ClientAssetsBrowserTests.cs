using Ccgw.Testing;
using Microsoft.Playwright;

namespace Ccgw.Web.Tests;

/// <summary>
/// The bundled browser code (ClientApp/, npm packages locked by package-lock.json, bundled by esbuild at build time)
/// is embedded in the daemon and served under /assets/app, and the MQTT client inside it (mqtt.js) works from
/// Debian's Chromium over /mqtt on the daemon's own origin, under the page's Content-Security-Policy.
/// </summary>
public sealed class ClientAssetsBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void The_build_embeds_the_bundled_transports()
    {
        var files = Ccgw.Web.Assets.ClientAssets.Load(typeof(Ccgw.Web.Assets.ClientAssets).Assembly);
        Assert.True(files.TryGetValue("links.js", out var links), "links.js is not embedded: the BuildClientApp target did not run");
        Assert.Contains("ccgwLinks", System.Text.Encoding.UTF8.GetString(links!.Content), StringComparison.Ordinal);
        Assert.StartsWith("text/javascript", links.ContentType, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_page_connects_to_the_broker_over_websocket_with_the_bundled_mqtt_client()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium)");
        var daemon = await DaemonUnderTest.StartAsync();
        try
        {
            var missing = await daemon.Http.GetAsync("/assets/app/nothing-here.js");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox"],
                Timeout = 60_000,
            });
            var page = await browser.NewPageAsync();
            page.SetDefaultTimeout(90_000);
            await page.GotoAsync(daemon.Http.BaseAddress!.ToString()); // any page of the origin: the CSP applies to what follows
            await page.AddScriptTagAsync(new() { Url = "/assets/app/links.js" });

            // alice subscribes to her own presence (retained) and reports the first payload's state.
            var state = await page.EvaluateAsync<string>("""
                () => new Promise((resolve, reject) => {
                  const timer = setTimeout(() => reject(new Error('no presence within 60 s')), 60000);
                  const client = window.ccgwLinks.connectMqtt({
                    username: 'alice', password: 'demo-alice', clientId: 'browser-alice',
                    onMessage: (topic, text) => { clearTimeout(timer); client.end(); resolve(JSON.parse(text).state); },
                  });
                  client.on('connect', () => client.subscribe('ccgw/agents/alice/presence'));
                  client.on('error', e => { clearTimeout(timer); reject(e); });
                })
                """);
            Assert.False(string.IsNullOrEmpty(state));
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }
}
