using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The retained call-back list of a queue (<c>ccgw/queues/{queue}/callbacks</c>, an extension of CONTRACT §6) on the
/// real daemon, read with Debian's mosquitto_sub as the supervisor and as an agent: a help request posted to the web
/// API appears on it, and leaves it when a supervisor cancels it through the admin API. Nobody is ready in the demo
/// centre (agents start offline), so the scheduler never dials the request.
/// </summary>
public sealed class MqttCallbackListTests(MqttDaemonFixture fixture) : IClassFixture<MqttDaemonFixture>
{
    private const string Topic = "ccgw/queues/sales/callbacks";
    private const string Number = "+15550123";

    private DaemonUnderTest Daemon => fixture.Daemon;

    [SkippableFact]
    public async Task A_help_request_appears_on_the_retained_list_without_its_number_and_leaves_it_when_cancelled()
    {
        MqttInterop.RequireClients();
        foreach (var agent in new[] { "alice", "bob" })
            Assert.NotEqual("ready", (await MqttInterop.AgentAsync(Daemon, agent)).GetProperty("state").GetString());

        var initial = await RetainedListAsync("sup", "demo-sup");
        Assert.Equal("sales", initial.GetProperty("queue").GetString());
        Assert.Equal(0, initial.GetProperty("pending").GetInt32());
        Assert.Empty(initial.GetProperty("items").EnumerateArray());

        using var posted = await Daemon.Http.PostAsync("/api/help-requests", new StringContent(
            $$"""{"number":"{{Number}}","topic":"sales","preferredTime":"now","pageUrl":"https://shop.example/p/1"}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var listed = await WaitForListAsync("sup", "demo-sup", l => Ids(l).Contains(id), "list the new call-back");
        Assert.Equal(1, listed.GetProperty("pending").GetInt32());
        Assert.Equal(1, listed.GetProperty("dueNow").GetInt32());
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray());
        // Issue 15: a due call-back goes to the core's queue within a second (queued, its attempt counted), whether or
        // not an agent is free; the list may show it before or after that.
        var status = item.GetProperty("status").GetString();
        Assert.Contains(status, new[] { "scheduled", "queued" });
        Assert.Equal("https://shop.example/p/1", item.GetProperty("pageUrl").GetString());
        Assert.Equal(status == "queued" ? 1 : 0, item.GetProperty("attempts").GetInt32());
        Assert.EndsWith("Z", item.GetProperty("scheduledAt").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Number, listed.GetRawText(), StringComparison.Ordinal);

        // Agents read ccgw/queues/# (CONTRACT §6), so alice's console sees the same list.
        Assert.Contains(id, Ids(await RetainedListAsync("alice", "demo-alice", version: "311")));

        using (var cancel = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/admin/callbacks/{id}", UriKind.Relative)))
        {
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MqttInterop.AdminToken);
            using var cancelled = await Daemon.Http.SendAsync(cancel);
            Assert.Equal(HttpStatusCode.NoContent, cancelled.StatusCode);
        }
        var after = await WaitForListAsync("sup", "demo-sup", l => !Ids(l).Contains(id), "drop the cancelled call-back");
        Assert.Equal(0, after.GetProperty("pending").GetInt32());
        Assert.Equal(0, after.GetProperty("dueNow").GetInt32());
    }

    private static List<string> Ids(JsonElement list) =>
        [.. list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    /// <summary>What a console connecting now gets: the retained message, received as the first one.</summary>
    private async Task<JsonElement> RetainedListAsync(string user, string password, string version = "5")
    {
        await using var sub = await MqttInterop.SubAsync(Daemon.Listeners.Mqtt, version, user, password, "-t", Topic, "-C", "1");
        Assert.True(sub.ExitCode == 0, $"{user} could not read {Topic}: {sub.StandardError}");
        return MqttInterop.LastJson(sub);
    }

    /// <summary>The list is republished within about a second of a change: read the retained one until it shows the change.</summary>
    private Task<JsonElement> WaitForListAsync(string user, string password, Func<JsonElement, bool> condition, string what) =>
        MqttInterop.PollAsync(() => RetainedListAsync(user, password), condition, $"the retained list did not {what}", TimeSpan.FromSeconds(15));
}
