using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Web.Help;

namespace Ccgw.Web.Tests;

/// <summary>Issue 18, the automated IVR call-back: "ivr" is taken only for a topic with a flow (SelfHelp:TopicFlows), else refused naming <c>medium</c>.</summary>
public sealed class HelpIvrMediumTests
{
    private static readonly CallbackPolicies Queues = new([new CallbackQueuePolicy("sales", "Sales"), new CallbackQueuePolicy("billing", "Billing")]);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HelpSiteOptions WithFlows() => new("Test centre", TimeSpan.FromMinutes(3),
        Flows: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["sales"] = "main" });

    [Fact]
    public void Ivr_is_valid_only_for_a_topic_with_a_flow()
    {
        var site = WithFlows();
        var valid = HelpRequestValidation.Validate(new HelpRequestInput("+15550100", Topic: "SALES", Medium: "ivr"), Queues, HelpApiHost.T0, out var errors, site.HasFlow);
        Assert.Empty(errors);
        Assert.Equal(HelpMedium.Ivr, valid!.Medium);
        Assert.Equal("+15550100", valid.Address);

        Assert.Null(HelpRequestValidation.Validate(new HelpRequestInput("+15550100", Topic: "billing", Medium: "ivr"), Queues, HelpApiHost.T0, out errors, site.HasFlow));
        Assert.Contains("no automated call-back", Assert.Single(errors, e => e.Key == "medium").Value[0], StringComparison.Ordinal);
        Assert.Single(errors);

        // It is a call-back: it needs a number like any other.
        Assert.Null(HelpRequestValidation.Validate(new HelpRequestInput(Topic: "sales", Medium: "ivr"), Queues, HelpApiHost.T0, out errors, site.HasFlow));
        Assert.Equal("number", Assert.Single(errors.Keys));
    }

    [Fact]
    public async Task An_ivr_request_is_stored_with_its_medium_and_shown_as_an_automated_call_back()
    {
        await using var host = await HelpApiHost.StartAsync(WithFlows());
        using var r = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"sales","medium":"ivr"}"""));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var id = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HelpMedium.Ivr, (await host.Callbacks.GetAsync(id))!.Medium);
        var status = await host.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{id}");
        Assert.Equal("ivr", status.GetProperty("medium").GetString());
        var page = await host.Http.GetStringAsync($"/help/requests/{id}");
        Assert.Contains("data-medium=\"ivr\"", page, StringComparison.Ordinal);
        Assert.Contains("Automated call-back", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ivr_for_a_topic_without_a_flow_is_problem_json_naming_medium_and_nothing_is_stored()
    {
        await using var host = await HelpApiHost.StartAsync(WithFlows());
        using var r = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"billing","medium":"ivr"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.True((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("medium", out _));
        Assert.Empty(await host.Callbacks.ListAsync());
    }

    [Fact]
    public async Task The_help_form_offers_the_automated_call_back_when_a_topic_has_a_flow()
    {
        await using var host = await HelpApiHost.StartAsync(WithFlows());
        var html = await host.Http.GetStringAsync("/");
        Assert.Contains("<input type=\"radio\" name=\"medium\" id=\"medium-ivr\" value=\"ivr\"><label for=\"medium-ivr\">Automated call-back", html, StringComparison.Ordinal);

        using var form = await host.Http.PostAsync("/help", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["number"] = "+15550100", ["topic"] = "sales", ["medium"] = "ivr",
        }));
        Assert.True(form.IsSuccessStatusCode || form.StatusCode == HttpStatusCode.SeeOther, form.StatusCode.ToString());
        Assert.Equal(HelpMedium.Ivr, Assert.Single(await host.Callbacks.ListAsync()).Medium);
    }
}
