using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;
using Microsoft.Playwright;
using MimeKit;

namespace Ccgw.Web.Tests.Portal;

/// <summary>
/// One real daemon on the demo configuration, a real SMTP server it mails sign-in links to (Debian's python3-aiosmtpd,
/// or the standard library's smtpd where that is absent: tests/Ccgw.Web.Tests/Portal/smtp_sink.py), and Debian's
/// Chromium driven by Playwright, shared by the portal's browser tests.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public const string Python = "/usr/bin/python3";
    public const string AdminToken = "demo-admin-token-change-me";

    private ExternalProcess? _smtp;
    private IPlaywright? _playwright;

    public bool Available => File.Exists(Chromium) && File.Exists(Python);

    public DaemonUnderTest Daemon { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string MailDirectory { get; } = Directory.CreateTempSubdirectory("ccgw-mail-").FullName;

    public async Task InitializeAsync()
    {
        if (!Available) return;
        var port = FreePorts.Tcp();
        _smtp = ExternalProcess.Start(Python, [Path.Combine(AppContext.BaseDirectory, "Portal", "smtp_sink.py"), port.ToString(System.Globalization.CultureInfo.InvariantCulture), MailDirectory],
            redirectInput: true);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_smtp.StandardOutput.Contains("READY", StringComparison.Ordinal))
        {
            if (_smtp.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"the SMTP server did not start: {_smtp.StandardError}");
            await Task.Delay(50);
        }
        Daemon = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Mail__Smtp__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Every test's client is 127.0.0.1; the per-address limit itself is the rate limiter's, tested at the edge.
            ["CCGW__Portal__SignInsPerAddressPerMinute"] = "1000",
            // The seed's purchase dates are fixed (Fibre 500: 2 Sep 2026); the widest window keeps them orderable as time passes.
            ["CCGW__SelfHelp__OrderWindowDays"] = "3650",
        }, readyTimeout: TimeSpan.FromMinutes(3)); // generous: eight builds share two cores, and start-up (seeding, migrations) waits its turn
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox"],
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (!Available) return;
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Daemon.DisposeAsync();
        Daemon.DeleteRoot();
        if (_smtp is not null) await _smtp.DisposeAsync();
        Directory.Delete(MailDirectory, recursive: true);
    }

    /// <summary>A fresh browser context (its own cookies) and page, with generous timeouts: CI shares two cores.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> NewPageAsync(int width = 1366, int height = 768)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(90_000);
        page.SetDefaultNavigationTimeout(90_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        return (context, page);
    }

    public string Url(string path) => new Uri(Daemon.Http.BaseAddress!, path).ToString();

    /// <summary>Messages received so far, oldest first: recipients and the parsed message.</summary>
    public IReadOnlyList<(string To, MimeMessage Message)> Mails()
    {
        var list = new List<(string, MimeMessage)>();
        foreach (var file in Directory.GetFiles(MailDirectory, "*.eml").Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(file);
            var to = ReadLine(stream);
            list.Add((to, MimeMessage.Load(stream)));
        }
        return list;
    }

    /// <summary>Waits until more than <paramref name="before"/> messages arrived; returns the first new one.</summary>
    public async Task<(string To, MimeMessage Message)> NextMailAsync(int before)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var mails = Mails();
            if (mails.Count > before) return mails[before];
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no mail arrived within 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>The sign-in link in a mailed message.</summary>
    public static string LinkIn(MimeMessage message)
    {
        var text = message.TextBody ?? "";
        var start = text.IndexOf("http", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no link in: {text}");
        var end = text.IndexOfAny(['\r', '\n', ' '], start);
        return end < 0 ? text[start..] : text[start..end];
    }

    public async Task<JsonElement> AdminGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Books a call-back through the public API; returns its id.</summary>
    public async Task<string> BookCallbackAsync(string number, string topic, string preferredTime)
    {
        using var response = await Daemon.Http.PostAsJsonAsync("/api/help-requests", new { number, topic, preferredTime });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static string ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        int b;
        while ((b = stream.ReadByte()) >= 0 && b != '\n') bytes.Add((byte)b);
        return System.Text.Encoding.UTF8.GetString([.. bytes]);
    }
}
