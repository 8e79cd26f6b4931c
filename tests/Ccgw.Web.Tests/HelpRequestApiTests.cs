using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Core.Repositories;

namespace Ccgw.Web.Tests;

/// <summary>POST/GET /api/help-requests, /api/status and the form, over HTTP against the real store and core.</summary>
public sealed class HelpRequestApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Body(HttpResponseMessage r) => await r.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task A_valid_request_is_accepted_with_id_position_wait_and_status_after_it_is_stored()
    {
        await using var host = await HelpApiHost.StartAsync();
        using var first = await host.Http.PostAsync("/api/help-requests",
            Json("""{"number":"+44 20 7946 0018","topic":"sales","preferredTime":"now","pageUrl":"https://shop.example/tv?x=1","name":"Dana"}"""));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var a = await Body(first);
        var id = a.GetProperty("id").GetString()!;
        Assert.Equal(32, id.Length);
        Assert.Equal(1, a.GetProperty("position").GetInt32());
        Assert.Equal(JsonValueKind.Null, a.GetProperty("ewtSeconds").ValueKind); // nobody staffed yet: unknown
        Assert.Equal("scheduled", a.GetProperty("status").GetString());

        var stored = await host.Callbacks.GetAsync(id);
        Assert.NotNull(stored);
        Assert.Equal("+442079460018", stored.Address);
        Assert.Equal("https://shop.example/tv?x=1", stored.PageUrl);
        Assert.Equal(InteractionChannel.Callback, stored.Channel);
        Assert.Equal(HelpApiHost.T0, stored.OriginalStartedAt);

        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        using var second = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"sip:erin@example.org","topic":"sales"}"""));
        var b = await Body(second);
        Assert.Equal(2, b.GetProperty("position").GetInt32());
        Assert.True(b.GetProperty("ewtSeconds").GetDouble() > 0);

        using var status = await host.Http.GetAsync($"/api/help-requests/{id}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(1, (await Body(status)).GetProperty("position").GetInt32());
        using var unknown = await host.Http.GetAsync($"/api/help-requests/{new string('0', 32)}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("""{"topic":"sales"}""", "number")]
    [InlineData("""{"number":"5550100","topic":"sales"}""", "number")]
    [InlineData("""{"number":"sip:@nowhere","topic":"sales"}""", "number")]
    [InlineData("""{"number":5550100,"topic":"sales"}""", "number")]
    [InlineData("""{"number":"+15550100"}""", "topic")]
    [InlineData("""{"number":"+15550100","topic":"plumbing"}""", "topic")]
    [InlineData("""{"number":"+15550100","topic":"sales","preferredTime":"whenever"}""", "preferredTime")]
    [InlineData("""{"number":"+15550100","topic":"sales","preferredTime":"2026-11-20T10:00Z"}""", "preferredTime")]
    [InlineData("""{"number":"+15550100","topic":"sales","preferredTime":"2027-06-01T10:00Z"}""", "preferredTime")]
    [InlineData("""{"number":"+15550100","topic":"sales","preferredTime":"2026-11-24T10:00"}""", "timeZone")]
    [InlineData("""{"number":"+15550100","topic":"sales","preferredTime":"2026-11-24T10:00","timeZone":"Atlantis/Capital"}""", "timeZone")]
    [InlineData("""{"number":"+15550100","topic":"sales","pageUrl":"javascript:alert(1)"}""", "pageUrl")]
    [InlineData("""{"number":"+15550100","topic":"sales","imAddress":"not an address"}""", "imAddress")]
    [InlineData("""{"number":"+15550100","topic":"sales","name":"\u0007bell"}""", "name")]
    public async Task Each_invalid_field_gives_a_400_problem_naming_it(string json, string field)
    {
        await using var host = await HelpApiHost.StartAsync();
        using var response = await host.Http.PostAsync("/api/help-requests", Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Body(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), problem.ToString());
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.Empty(await host.Callbacks.ListAsync());
    }

    [Fact]
    public async Task Two_requests_for_the_same_number_and_topic_give_one_call_back()
    {
        await using var host = await HelpApiHost.StartAsync();
        using var first = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"sales"}"""));
        using var again = await host.Http.PostAsync("/api/help-requests",
            Json("""{"number":"+1 555 0100","topic":"sales","preferredTime":"2026-11-23T15:00Z","pageUrl":"https://shop.example/later"}"""));
        using var otherTopic = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"billing"}"""));
        var id = (await Body(first)).GetProperty("id").GetString();
        var merged = await Body(again);
        // Merged, but answered as a fresh accept (issue 16): an id of its own, nothing of the first request.
        Assert.NotEqual(id, merged.GetProperty("id").GetString());
        Assert.False(merged.GetProperty("updated").GetBoolean());
        Assert.NotEqual(id, (await Body(otherTopic)).GetProperty("id").GetString());

        var list = await host.Callbacks.ListAsync(statuses: [CallbackStatus.Scheduled]);
        Assert.Equal(2, list.Count);
        var sales = list.Single(c => c.QueueId == "sales");
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero), sales.ScheduledAt);
        Assert.Equal("https://shop.example/later", sales.PageUrl);
        Assert.Equal(HelpApiHost.T0, sales.OriginalStartedAt);
    }

    [Fact]
    public async Task A_merged_request_gets_its_own_id_and_learns_nothing_of_the_first()
    {
        await using var host = await HelpApiHost.StartAsync();
        using var first = await host.Http.PostAsync("/api/help-requests",
            Json("""{"number":"+15550100","topic":"sales","name":"Carol","pageUrl":"https://shop.example/secret-order"}"""));
        var firstId = (await Body(first)).GetProperty("id").GetString()!;
        // The first call-back was tried once and is waiting for its retry: a stranger must not see that.
        var callback = Assert.Single(await host.Callbacks.ListAsync());
        Assert.NotNull(await host.Callbacks.BeginAttemptAsync(callback.Id, host.Time.GetUtcNow()));
        Assert.True(await host.Callbacks.RecordOutcomeAsync(callback.Id, CallbackStatus.Scheduled, "busy", HelpApiHost.T0.AddHours(3)));

        using var again = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"sales","preferredTime":"2026-11-23T14:00Z"}"""));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var raw = await again.Content.ReadAsStringAsync();
        var merged = JsonDocument.Parse(raw).RootElement;
        var alias = merged.GetProperty("id").GetString()!;
        Assert.NotEqual(firstId, alias);
        Assert.DoesNotContain(firstId, raw, StringComparison.Ordinal);
        Assert.Equal(0, merged.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, merged.GetProperty("lastOutcome").ValueKind);
        Assert.Equal("scheduled", merged.GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero), merged.GetProperty("scheduledAt").GetDateTimeOffset());

        // Its status page follows the one call-back (now at the time asked last), still without the earlier attempt.
        var status = await host.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{alias}");
        Assert.Equal(alias, status.GetProperty("id").GetString());
        Assert.Equal(0, status.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("lastOutcome").ValueKind);
        Assert.DoesNotContain("secret-order", status.GetRawText(), StringComparison.Ordinal);
        Assert.Single(await host.Callbacks.ListAsync());
    }

    [Fact]
    public async Task A_denied_destination_is_refused_with_403_problem_json_naming_the_rule()
    {
        var deny = new DialOutPolicy { TrunkId = "pbx", Deny = ["+1900"], Allow = ["+1", "*.example.com"] };
        await using var host = await HelpApiHost.StartAsync(new CallbackQueuePolicy("sales", "Sales") { DialOut = deny }, new CallbackQueuePolicy("billing", "Billing"));
        foreach (var (number, rule) in new[] { ("+19005550100", "deny"), ("+445550100", "allow"), ("sip:+19005550100@pbx.example.com", "deny") })
        {
            using var response = await host.Http.PostAsync("/api/help-requests", Json($$"""{"number":"{{number}}","topic":"sales"}"""));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await Body(response);
            Assert.Equal(rule, problem.GetProperty("rule").GetString());
            Assert.Contains($"'{rule}'", problem.GetProperty("errors").GetProperty("number")[0].GetString(), StringComparison.Ordinal);
        }
        using (var ok = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"sip:carol@pbx.example.com","topic":"sales"}""")))
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        // Another topic's trunk has no such rule.
        using (var billing = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+19005550100","topic":"billing"}""")))
            Assert.Equal(HttpStatusCode.Accepted, billing.StatusCode);
        Assert.Equal(2, (await host.Callbacks.ListAsync()).Count);
    }

    [Fact]
    public async Task The_per_source_cap_counts_every_number_asked_from_one_address()
    {
        var capped = new DialOutPolicy { TrunkId = "pbx", MaxPerSourcePerDay = 3 };
        await using var host = await HelpApiHost.StartAsync(new CallbackQueuePolicy("sales", "Sales") { DialOut = capped });
        for (var i = 0; i < 3; i++)
        {
            using var ok = await host.Http.PostAsync("/api/help-requests", Json($$"""{"number":"+1555010{{i}}","topic":"sales"}"""));
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }
        using var fourth = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550109","topic":"sales"}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Equal("maxPerSourcePerDay", (await Body(fourth)).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Concurrent_requests_are_each_answered_after_their_group_commit()
    {
        await using var host = await HelpApiHost.StartAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            host.Http.PostAsync("/api/help-requests", Json($$"""{"number":"+1555{{i:D6}}","topic":"{{(i % 2 == 0 ? "sales" : "billing")}}"}"""))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await Body(r)).GetProperty("id").GetString()!));
        Assert.Equal(64, ids.Distinct().Count());
        Assert.Equal(64, (await host.Callbacks.ListAsync()).Count);
        Assert.Equal(64, host.Store.Committed);
        foreach (var r in responses) r.Dispose();
    }

    [Fact]
    public async Task A_full_slot_is_refused_naming_preferredTime_and_not_offered()
    {
        await using var host = await HelpApiHost.StartAsync(
            new CallbackQueuePolicy("sales", "Sales", SlotLength: TimeSpan.FromMinutes(30), MaxPerSlot: 2),
            new CallbackQueuePolicy("billing", "Billing"));
        foreach (var n in new[] { "+15550201", "+15550202" })
        {
            using var ok = await host.Http.PostAsync("/api/help-requests", Json($$"""{"number":"{{n}}","topic":"sales","preferredTime":"2026-11-23T10:10Z"}"""));
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }
        using var full = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550203","topic":"sales","preferredTime":"2026-11-23T10:20Z"}"""));
        Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
        Assert.True((await Body(full)).GetProperty("errors").TryGetProperty("preferredTime", out _));
        // The same customer moving within the full slot is an update, not an extra booking.
        using var move = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550201","topic":"sales","preferredTime":"2026-11-23T10:25Z"}"""));
        Assert.Equal(HttpStatusCode.Accepted, move.StatusCode);
        // Billing has no cap.
        using var billing = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550203","topic":"billing","preferredTime":"2026-11-23T10:20Z"}"""));
        Assert.Equal(HttpStatusCode.Accepted, billing.StatusCode);

        using var slots = await host.Http.GetAsync("/api/help-requests/slots?topic=sales");
        var starts = (await Body(slots)).GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("start").GetDateTimeOffset()).ToList();
        Assert.DoesNotContain(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), starts);
        Assert.Contains(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero), starts);
        var page = await host.Http.GetStringAsync("/");
        var salesGroup = page[page.IndexOf("data-queue=\"sales\"><option", StringComparison.Ordinal)..];
        salesGroup = salesGroup[..salesGroup.IndexOf("</optgroup>", StringComparison.Ordinal)];
        Assert.DoesNotContain("value=\"2026-11-23T10:00Z\"", salesGroup, StringComparison.Ordinal);
        Assert.Contains("value=\"2026-11-23T10:30Z\"", salesGroup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_each_queue_without_customer_data()
    {
        await using var host = await HelpApiHost.StartAsync();
        await host.Engine.SetAgentStateAsync("alice", AgentStateRequest.Ready);
        var idle = JsonDocument.Parse(await host.Http.GetStringAsync("/api/status")).RootElement.EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!);
        Assert.Equal(["sales", "billing"], idle.Keys);
        Assert.Equal(1, idle["sales"].GetProperty("agentsAvailable").GetInt32());
        Assert.Equal(JsonValueKind.Number, idle["sales"].GetProperty("ewtSeconds").ValueKind);

        await host.Engine.SubmitInteractionAsync(new InteractionRequest { Channel = InteractionChannel.Voice, QueueId = "billing", Address = "+15550100", CustomerId = "carol" });
        var text = await host.Http.GetStringAsync("/api/status");
        var queues = JsonDocument.Parse(text).RootElement.EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!);
        Assert.Equal(1, queues["billing"].GetProperty("waiting").GetInt32()); // offered to alice
        Assert.Equal(0, queues["sales"].GetProperty("agentsAvailable").GetInt32());
        Assert.Equal(1, queues["sales"].GetProperty("agentsBusy").GetInt32());
        Assert.DoesNotContain("5550100", text, StringComparison.Ordinal);
        Assert.DoesNotContain("carol", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_form_works_without_javascript_redirecting_to_a_status_page_or_showing_errors_on_their_fields()
    {
        await using var host = await HelpApiHost.StartAsync();
        var page = await host.Http.GetStringAsync("/?ref=https%3A%2F%2Fshop.example%2Fcart");
        Assert.Contains("<label for=\"field-number\">", page, StringComparison.Ordinal);
        Assert.Contains("<legend>", page, StringComparison.Ordinal);
        Assert.Contains("name=\"pageUrl\" value=\"https://shop.example/cart\"", page, StringComparison.Ordinal);

        using var bad = await host.Http.PostAsync("/help", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["number"] = "555", ["topic"] = "sales", ["preferredTime"] = "now", ["pageUrl"] = "https://shop.example/cart",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"#field-number\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"error-number\"", html, StringComparison.Ordinal);
        Assert.Matches("id=\"field-number\"[^>]*aria-describedby=\"hint-number error-number\" aria-invalid=\"true\"", html);
        Assert.Contains("value=\"555\"", html, StringComparison.Ordinal);

        using var good = await host.Http.PostAsync("/help", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["number"] = "+15550100", ["topic"] = "billing", ["preferredTime"] = "now", ["pageUrl"] = "https://shop.example/cart",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, good.StatusCode);
        var location = good.Headers.Location!.ToString();
        Assert.StartsWith("/help/requests/", location, StringComparison.Ordinal);
        var statusPage = await host.Http.GetStringAsync(location);
        Assert.Contains("Scheduled: we will call you", statusPage, StringComparison.Ordinal);
        var stored = await host.Callbacks.GetAsync(location["/help/requests/".Length..]);
        Assert.Equal("https://shop.example/cart", stored!.PageUrl);
    }
}
