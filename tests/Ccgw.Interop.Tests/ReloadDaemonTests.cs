using System.Text.Json.Nodes;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 20: <c>kill -HUP</c> (what <c>systemctl reload ccgw</c> sends) re-reads the configuration: a changed log level
/// applies at once, a broken file is refused naming its key while the daemon keeps running on the old configuration,
/// and keys that need a restart are named.
/// </summary>
public sealed class ReloadDaemonTests : IAsyncLifetime
{
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync() => _daemon = await DaemonUnderTest.StartAsync();

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    [Fact]
    public async Task A_changed_log_level_applies_on_sighup_and_a_broken_file_is_refused_naming_the_key()
    {
        using (var before = await _daemon.Http.GetAsync(new Uri("/healthz", UriKind.Relative))) before.EnsureSuccessStatusCode();
        Assert.DoesNotContain("dbug:", _daemon.Process.StandardOutput);

        await EditAsync(c => c["Logging"]!["LogLevel"]!["Default"] = "Debug");
        await _daemon.Process.SignalAsync("HUP");
        Assert.True(await OutputContainsAsync("reload applied", 1), $"no reload was logged:\n{Tail}");
        // Any request now logs Debug lines (ASP.NET Core's Default category is no longer held at Information).
        using (var after = await _daemon.Http.GetAsync(new Uri("/healthz", UriKind.Relative))) after.EnsureSuccessStatusCode();
        Assert.True(await OutputContainsAsync("dbug:", 1), $"no Debug line after the reload:\n{Tail}");

        // A bad level and a key that needs a restart: refused as a whole, the key named, the daemon keeps running.
        await EditAsync(c =>
        {
            c["Logging"]!["LogLevel"]!["Default"] = "Loud";
            c["Routing"]!["OfferTimeoutSeconds"] = 17;
        });
        await _daemon.Process.SignalAsync("HUP");
        Assert.True(await OutputContainsAsync("reload refused", 1), $"the broken file was not refused:\n{Tail}");
        Assert.Contains("Logging:LogLevel:Default", _daemon.Process.StandardOutput);
        Assert.False(_daemon.Process.HasExited);
        using (var alive = await _daemon.Http.GetAsync(new Uri("/readyz", UriKind.Relative))) alive.EnsureSuccessStatusCode();

        // Fixed again: the level applies; the routing key is named as needing a restart.
        await EditAsync(c => c["Logging"]!["LogLevel"]!["Default"] = "Information");
        await _daemon.Process.SignalAsync("HUP");
        Assert.True(await OutputContainsAsync("reload applied", 2), $"the fixed file was not applied:\n{Tail}");
        Assert.True(await OutputContainsAsync("Routing:OfferTimeoutSeconds", 1), $"the restart-only key was not named:\n{Tail}");
        Assert.False(_daemon.Process.HasExited);
    }

    private string Tail => _daemon.Process.StandardOutput[^Math.Min(4000, _daemon.Process.StandardOutput.Length)..];

    private async Task EditAsync(Action<JsonNode> edit)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_daemon.ConfigPath))!;
        edit(config);
        await File.WriteAllTextAsync(_daemon.ConfigPath, config.ToJsonString());
    }

    /// <summary>Polls the daemon's output until <paramref name="text"/> occurs at least <paramref name="times"/> times (bounded).</summary>
    private async Task<bool> OutputContainsAsync(string text, int times)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!deadline.IsCancellationRequested)
        {
            if (Count(_daemon.Process.StandardOutput, text) >= times) return true;
            await Task.Delay(100, CancellationToken.None);
        }
        return false;
    }

    private static int Count(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
