using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Microsoft.Extensions.DependencyInjection;

namespace Ccgw.Web.Tests;

/// <summary>"Tell me when the wait drops below N minutes": created over HTTP, triggered from the core's figures, sent once.</summary>
public sealed class CustomerAlertTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_alert_is_triggered_once_when_the_wait_drops_below_its_threshold()
    {
        await using var host = await HelpApiHost.StartAsync();
        var watcher = host.Services.GetRequiredService<CustomerAlertWatcher>();
        var outbox = host.Services.GetRequiredService<CustomerAlertOutbox>();
        var events = host.Engine.Subscribe();

        using var created = await host.Http.PostAsync("/api/alerts", Json("""{"topic":"sales","thresholdMinutes":5,"channel":"im","imAddress":"carol@localhost"}"""));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var alert = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = alert.GetProperty("id").GetString()!;
        Assert.Equal("waiting", alert.GetProperty("status").GetString()); // nobody staffed: the wait is unknown

        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var triggered = new List<CustomerAlert>();
        while (events.TryRead(out var e)) triggered.AddRange(await watcher.HandleAsync(e, default));
        Assert.Equal([id], triggered.Select(a => a.Id));

        using var status = await host.Http.GetAsync($"/api/alerts/{id}");
        Assert.Equal("triggered", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.True(outbox.Reader.TryRead(out var notice));
        Assert.Equal("carol@localhost", notice.Address);

        // Sent once: further figures below the threshold trigger nothing more.
        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.NotReady);
        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        while (events.TryRead(out var e)) Assert.Empty(await watcher.HandleAsync(e, default));
        Assert.False(outbox.Reader.TryRead(out _));

        var page = await host.Http.GetStringAsync($"/alerts/{id}");
        Assert.Contains("is now short", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alert_asked_for_while_the_wait_is_already_short_is_triggered_at_once_and_web_alerts_are_not_pushed()
    {
        await using var host = await HelpApiHost.StartAsync();
        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        using var created = await host.Http.PostAsync("/api/alerts", Json("""{"topic":"sales","thresholdMinutes":"10"}"""));
        var alert = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("triggered", alert.GetProperty("status").GetString());
        Assert.Equal("web", alert.GetProperty("channel").GetString());
        Assert.False(host.Services.GetRequiredService<CustomerAlertOutbox>().Reader.TryRead(out _));
    }

    [Theory]
    [InlineData("""{"topic":"plumbing","thresholdMinutes":5}""", "topic")]
    [InlineData("""{"topic":"sales","thresholdMinutes":0}""", "thresholdMinutes")]
    [InlineData("""{"topic":"sales","thresholdMinutes":"soon"}""", "thresholdMinutes")]
    [InlineData("""{"topic":"sales","thresholdMinutes":5,"channel":"fax"}""", "channel")]
    [InlineData("""{"topic":"sales","thresholdMinutes":5,"channel":"im"}""", "imAddress")]
    public async Task Each_invalid_field_gives_a_400_problem_naming_it(string json, string field)
    {
        await using var host = await HelpApiHost.StartAsync();
        using var response = await host.Http.PostAsync("/api/alerts", Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task The_help_page_offers_the_alert_form_which_works_without_javascript()
    {
        await using var host = await HelpApiHost.StartAsync();
        var page = await host.Http.GetStringAsync("/");
        Assert.Contains("action=\"/alerts\"", page, StringComparison.Ordinal);
        using var posted = await host.Http.PostAsync("/alerts", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["topic"] = "billing", ["thresholdMinutes"] = "3", ["channel"] = "web",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var alertPage = await host.Http.GetStringAsync(posted.Headers.Location!.ToString());
        Assert.Contains("drops below 3 minutes", alertPage, StringComparison.Ordinal);
    }
}
