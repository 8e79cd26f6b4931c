using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Sqlite;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// Issue 17, the wizard and ordering side, against the running daemon with the demo seed (config/self-help.json):
/// staff author and publish with ccgwctl and the served wizard follows without a restart; bad content is refused
/// naming the field; carol's steps and her order reach alice's screen pop over MQTT (mosquitto_sub).
/// </summary>
public sealed class SelfHelpDaemonTests : IAsyncLifetime
{
    private const string Token = "demo-admin-token-change-me";
    private const string Wizard = "fibre-500-help"; // config/self-help.json
    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync() => _daemon = await DaemonUnderTest.StartAsync();

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    private Task<ExternalProcess> Ctl(params string[] args) =>
        ExternalProcess.RunAsync("dotnet", [Binaries.Ctl, .. args, "--url", $"http://127.0.0.1:{_daemon.Listeners.Http}", "--token", Token],
            TimeSpan.FromSeconds(60));

    private async Task<JsonElement> AdminGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await _daemon.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>What carol is served now: her wizards, the demo one first, as the customer page would get them.</summary>
    private async Task<JsonElement> CarolsWizardAsync() =>
        (await AdminGetAsync("/api/admin/customers/carol/wizard")).EnumerateArray().Single(w => w.GetProperty("wizard").GetString() == Wizard);

    private static IReadOnlyList<string> StepIds(JsonElement wizard) =>
        [.. wizard.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];

    [SkippableFact]
    public async Task Staff_publish_a_new_step_with_ccgwctl_and_carol_is_served_it_without_a_restart_while_the_draft_is_not()
    {
        var served = await CarolsWizardAsync();
        Assert.Equal(1, served.GetProperty("version").GetInt32());
        Assert.Equal("ownedProduct", served.GetProperty("reason").GetString());
        Assert.DoesNotContain("cable", StepIds(served));

        // Staff take the published content, add a step reached from the start, and save it as the draft.
        var shown = await Ctl("wizard", "show", Wizard);
        Assert.True(shown.ExitCode == 0, shown.StandardError);
        var content = JsonNode.Parse(shown.StandardOutput)!["published"]!["content"]!.AsObject();
        content["steps"]!.AsArray().Add(new JsonObject
        {
            ["id"] = "cable", ["title"] = "Check the fibre cable",
            ["ending"] = new JsonObject { ["kind"] = "answer", ["text"] = "Press the green plug into the FIBRE port until it clicks." },
        });
        content["steps"]![0]!["choices"]!.AsArray().Add(new JsonObject { ["label"] = "The FIBRE light blinks", ["next"] = "cable" });
        var file = Path.Combine(_daemon.Root, "wizard.json");
        await File.WriteAllTextAsync(file, content.ToJsonString());
        await using (var put = await Ctl("wizard", "put", file))
            Assert.True(put.ExitCode == 0, put.StandardError);

        // The draft: listed and previewed, never served.
        await using (var list = await Ctl("wizard", "list"))
        {
            Assert.True(list.ExitCode == 0, $"{list.ExitCode}: {list.StandardError}");
            var line = JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray().Single(w => w.GetProperty("wizardId").GetString() == Wizard);
            Assert.Equal((1, 2), (line.GetProperty("publishedVersion").GetInt32(), line.GetProperty("draftVersion").GetInt32()));
        }
        await using (var preview = await Ctl("wizard", "preview", Wizard, "carol"))
        {
            Assert.True(preview.ExitCode == 0, preview.StandardError);
            Assert.Contains("cable", StepIds(JsonDocument.Parse(preview.StandardOutput).RootElement));
        }
        served = await CarolsWizardAsync();
        Assert.Equal(1, served.GetProperty("version").GetInt32());
        Assert.DoesNotContain("cable", StepIds(served));

        await using (var publish = await Ctl("wizard", "publish", Wizard))
            Assert.True(publish.ExitCode == 0, publish.StandardError);
        served = await CarolsWizardAsync();
        Assert.Equal(2, served.GetProperty("version").GetInt32());
        Assert.Contains("cable", StepIds(served));
        var start = served.GetProperty("steps").EnumerateArray().First(s => s.GetProperty("id").GetString() == "start");
        Assert.Contains("cable", start.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("next").GetString()));
    }

    [SkippableFact]
    public async Task Bad_content_is_refused_naming_the_field_and_changes_nothing()
    {
        var bad = Path.Combine(_daemon.Root, "bad.json");
        await File.WriteAllTextAsync(bad, """
            { "id": "fibre-500-help", "title": "Broken", "start": "start",
              "steps": [ { "id": "start", "title": "Start", "choices": [ { "label": "Go", "next": "nowhere" } ] } ] }
            """);
        await using (var put = await Ctl("wizard", "put", bad))
        {
            Assert.Equal(1, put.ExitCode);
            Assert.Contains("steps[0].choices[0].next", put.StandardError);
        }

        async Task<JsonElement> PutAsync(string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/admin/wizards/{Wizard}", UriKind.Relative))
            {
                Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var response = await _daemon.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        }
        var oversized = await PutAsync($$"""
            { "id": "fibre-500-help", "title": "T", "start": "a",
              "steps": [ { "id": "a", "title": "A", "text": "{{new string('x', 5000)}}", "ending": { "kind": "liveHelp" } } ] }
            """);
        Assert.True(oversized.TryGetProperty("steps[0].text", out _), oversized.ToString());
        var wrongKind = await PutAsync("""
            { "id": "fibre-500-help", "title": "T", "start": "a", "steps": [ { "id": "a", "title": "A", "ending": { "kind": "teleport" } } ] }
            """);
        Assert.Contains("steps[0].ending.kind", wrongKind.ToString());
        var noStart = await PutAsync("""{ "id": "fibre-500-help", "title": "T", "steps": [ { "id": "a", "title": "A", "ending": { "kind": "liveHelp" } } ] }""");
        Assert.True(noStart.TryGetProperty("start", out _), noStart.ToString());

        var detail = await AdminGetAsync($"/api/admin/wizards/{Wizard}");
        Assert.False(detail.TryGetProperty("draft", out _), detail.ToString()); // no draft was saved
        Assert.Equal(1, detail.GetProperty("published").GetProperty("version").GetInt32());
    }

    /// <summary>
    /// The customer-facing pages arrive with the portal's sign-in; until then carol walks through the same service the
    /// pages call (the core's desks over the daemon's own database), as a test can honestly do without her cookie.
    /// </summary>
    [SkippableFact]
    public async Task Alices_offer_for_carol_carries_her_wizard_steps_and_her_order()
    {
        MqttInterop.RequireClients();
        var db = new SqliteDatabase(Path.Combine(_daemon.DataDirectory, "ccgw.db"));
        var time = TimeProvider.System;
        var customers = new SqliteCustomerRepository(db, time);
        // The demo seed has no purchase dates yet (the portal's seed adds them): carol bought her Fibre 500 last week.
        var carol = (await customers.GetAsync("carol"))!;
        await customers.UpsertAsync(carol with
        {
            Products = [.. carol.Products.Select(p => p with { Since = p.Code == "fibre-500" ? DateTimeOffset.UtcNow.AddDays(-7) : null })],
        });
        var wizards = new WizardDesk(new SqliteWizardRepository(db, time), customers, new SqliteInteractionHistoryRepository(db),
            new SqliteSelfHelpTrailRepository(db), time);
        Assert.Equal(WizardWalkError.None, (await wizards.StartAsync("carol", Wizard)).Error);
        var parts = await wizards.ChooseAsync("carol", Wizard, "start", 2); // "I need a spare part or a technician"
        Assert.Equal("parts", parts.Walk!.Step.Step.Id);
        var psu = await wizards.ChooseAsync("carol", Wizard, "parts", 0);
        Assert.Equal("fibre-500-psu", psu.Walk!.Step.Step.Ending!.CatalogueItem);
        var orders = new OrderDesk(customers, new SqliteCatalogueRepository(db, time), new SqliteOrderRepository(db), time, TimeSpan.FromDays(90));
        var (order, error) = await orders.PlaceAsync("carol", "fibre-500-psu", 1);
        Assert.Equal(OrderError.None, error);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        // Staff confirm it with ccgwctl; a move the lifecycle forbids is refused.
        await using (var confirm = await Ctl("order-status", order!.OrderId, "confirmed"))
            Assert.True(confirm.ExitCode == 0, confirm.StandardError);
        await using (var skip = await Ctl("order-status", order.OrderId, "placed"))
            Assert.Equal(1, skip.ExitCode);

        // carol asks for a call-back; alice's console gets the offer.
        await using var console = await SubscribeAsync("alice", "demo-alice", "ccgw/agents/alice/offers");
        using (var posted = await _daemon.Http.PostAsJsonAsync("/api/help-requests",
            new { number = "+15550100", topic = "sales", preferredTime = "now", pageUrl = "https://shop.example/fibre" }))
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        await MqttInterop.SetAgentStateAsync(_daemon, "alice", "ready", null);
        Assert.True(await console.WaitForExitAsync(TimeSpan.FromSeconds(45)), $"alice got no offer\n{Tail(_daemon.Process.StandardOutput)}");
        var offer = JsonDocument.Parse(console.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
        Assert.Equal("carol", offer.GetProperty("customer").GetProperty("id").GetString());
        var trail = offer.GetProperty("selfHelp").EnumerateArray().ToList();
        Assert.Equal(["start", "parts", "order-psu"], trail.Select(t => t.GetProperty("step").GetString()));
        Assert.All(trail, t => Assert.Equal(Wizard, t.GetProperty("wizard").GetString()));
        var placed = Assert.Single(offer.GetProperty("orders").EnumerateArray());
        Assert.Equal(order.OrderId, placed.GetProperty("orderId").GetString());
        Assert.Equal("confirmed", placed.GetProperty("status").GetString());
        Assert.Equal(["placed", "confirmed"], placed.GetProperty("statusChanges").EnumerateArray().Select(c => c.GetProperty("status").GetString()));
        // The customer record's orders view has it too, beside the seeded ones.
        Assert.Contains(order.OrderId, offer.GetProperty("customer").GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()));

        // And into the history: the steps now belong to that interaction.
        var interaction = offer.GetProperty("interactionId").GetString();
        var history = await AdminGetAsync("/api/admin/customers/carol/self-help");
        Assert.All(history.EnumerateArray(), t => Assert.Equal(interaction, t.GetProperty("interactionId").GetString()));
    }

    [SkippableFact]
    public async Task Wizard_downloads_come_from_the_content_directory_and_nothing_outside_it()
    {
        using (var ok = await _daemon.Http.GetAsync("/self-help/content/fibre-500-quick-start.txt"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("Fibre 500 quick start", await ok.Content.ReadAsStringAsync());
        }
        foreach (var path in new[] { "../ccgw.json", "..%2Fccgw.json", "%2E%2E/ccgw.json", "nope.txt" })
        {
            using var refused = await _daemon.Http.GetAsync(new Uri("/self-help/content/" + path, UriKind.Relative));
            Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
            Assert.DoesNotContain("\"Listeners\"", await refused.Content.ReadAsStringAsync());
        }
    }

    /// <summary>mosquitto_sub for one message, returned once subscribed (as CallbackDialTests does).</summary>
    private async Task<ExternalProcess> SubscribeAsync(string user, string password, string topic)
    {
        // stdbuf: mosquitto_sub's stdout is block-buffered into a pipe; line buffering shows the SUBACK as it comes.
        var sub = ExternalProcess.Start("/usr/bin/stdbuf",
            ["-oL", MqttInterop.Sub, "-h", "127.0.0.1", "-p", I(_daemon.Listeners.Mqtt), "-V", "mqttv311", "-u", user, "-P", password,
             "-t", topic, "-C", "1", "-W", "90", "-d"]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal) && !sub.HasExited && !deadline.IsCancellationRequested)
            await Task.Delay(50);
        Assert.True(sub.StandardOutput.Contains("SUBACK", StringComparison.Ordinal), $"{user}'s console did not subscribe:\n{sub.StandardOutput}\n{sub.StandardError}");
        return sub;
    }

    private static string Tail(string text) => text[^Math.Min(4000, text.Length)..];

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
