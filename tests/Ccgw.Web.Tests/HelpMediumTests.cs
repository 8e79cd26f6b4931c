using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Web.Help;

namespace Ccgw.Web.Tests;

/// <summary>Issue 18, the choice of medium: validated, stored with the call-back, shown back; chat and documents create nothing.</summary>
public sealed class HelpMediumTests
{
    private static readonly CallbackPolicies Queues = new([new CallbackQueuePolicy("sales", "Sales")]);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HelpSiteOptions WithDocuments() => new("Test centre", TimeSpan.FromMinutes(3), Documents: new Dictionary<string, IReadOnlyList<HelpDocument>>
    {
        ["sales"] = [new HelpDocument("Fibre 500 quick start", "/self-help/content/fibre-500-quick-start.txt")],
    });

    [Theory]
    [InlineData(null, HelpMedium.Voice)]
    [InlineData("", HelpMedium.Voice)]
    [InlineData("voice", HelpMedium.Voice)]
    [InlineData("VOICE", HelpMedium.Voice)]
    public void A_call_back_without_a_medium_is_a_voice_call_back(string? medium, HelpMedium expected)
    {
        var valid = HelpRequestValidation.Validate(new HelpRequestInput("+15550100", Topic: "sales", Medium: medium), Queues, HelpApiHost.T0, out var errors);
        Assert.Empty(errors);
        Assert.Equal(expected, valid!.Medium);
    }

    [Theory]
    [InlineData("fax")]
    [InlineData("<script>")]
    [InlineData("ivr")]
    [InlineData("email")]
    public void An_unknown_or_not_yet_served_medium_is_named(string medium)
    {
        Assert.Null(HelpRequestValidation.Validate(new HelpRequestInput("+15550100", Topic: "sales", Medium: medium), Queues, HelpApiHost.T0, out var errors));
        Assert.Equal("medium", Assert.Single(errors.Keys));
    }

    [Theory]
    [InlineData("chat-now")]
    [InlineData("documents")]
    public void Chat_and_documents_need_only_a_topic(string medium)
    {
        var valid = HelpRequestValidation.Validate(new HelpRequestInput(Number: "not a number", Topic: "sales", Medium: medium), Queues, HelpApiHost.T0, out var errors);
        Assert.Empty(errors);
        Assert.Equal(medium, HelpMediums.Name(valid!.Medium));
        Assert.Null(HelpRequestValidation.Validate(new HelpRequestInput(Medium: medium), Queues, HelpApiHost.T0, out errors));
        Assert.Equal("topic", Assert.Single(errors.Keys));
    }

    [Fact]
    public async Task The_medium_is_stored_with_the_call_back_and_shown_in_the_answer_and_status()
    {
        await using var host = await HelpApiHost.StartAsync();
        using var r = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"sales","medium":"voice"}"""));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var id = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HelpMedium.Voice, (await host.Callbacks.GetAsync(id))!.Medium);
        var status = await host.Http.GetFromJsonAsync<JsonElement>($"/api/help-requests/{id}");
        Assert.Equal("voice", status.GetProperty("medium").GetString());
        var page = await host.Http.GetStringAsync($"/help/requests/{id}");
        Assert.Contains("data-medium=\"voice\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_medium_is_problem_json_naming_the_field_and_nothing_is_stored()
    {
        await using var host = await HelpApiHost.StartAsync();
        using var r = await host.Http.PostAsync("/api/help-requests", Json("""{"number":"+15550100","topic":"sales","medium":"pigeon"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var problem = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("pigeon", problem.GetProperty("errors").GetProperty("medium")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.Callbacks.ListAsync());
    }

    [Fact]
    public async Task Documents_answer_with_the_topics_links_and_create_no_call_back()
    {
        await using var host = await HelpApiHost.StartAsync(WithDocuments());
        using var r = await host.Http.PostAsync("/api/help-requests", Json("""{"topic":"sales","medium":"documents"}"""));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("documents", body.GetProperty("medium").GetString());
        var doc = body.GetProperty("documents")[0];
        Assert.Equal("Fibre 500 quick start", doc.GetProperty("title").GetString());
        Assert.Equal("/self-help/content/fibre-500-quick-start.txt", doc.GetProperty("url").GetString());
        Assert.Empty(await host.Callbacks.ListAsync());

        // The form without JavaScript: a page of links, and again no call-back.
        using var form = await host.Http.PostAsync("/help", new FormUrlEncodedContent(new Dictionary<string, string> { ["topic"] = "sales", ["medium"] = "documents" }));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var html = await form.Content.ReadAsStringAsync();
        Assert.Contains("href=\"/self-help/content/fibre-500-quick-start.txt\"", html, StringComparison.Ordinal);
        Assert.Empty(await host.Callbacks.ListAsync());
    }

    [Fact]
    public async Task Documents_for_a_topic_without_any_and_chat_without_a_chat_window_are_refused_by_field()
    {
        await using var host = await HelpApiHost.StartAsync(WithDocuments());
        using var noDocs = await host.Http.PostAsync("/api/help-requests", Json("""{"topic":"billing","medium":"documents"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, noDocs.StatusCode);
        Assert.True((await noDocs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("medium", out _));
        using var noChat = await host.Http.PostAsync("/api/help-requests", Json("""{"topic":"sales","medium":"chat-now"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, noChat.StatusCode);
        Assert.True((await noChat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("medium", out _));
        Assert.Empty(await host.Callbacks.ListAsync());
    }

    [Fact]
    public async Task The_help_form_offers_the_media_as_a_labelled_radio_group()
    {
        await using var host = await HelpApiHost.StartAsync(WithDocuments());
        var html = await host.Http.GetStringAsync("/");
        Assert.Contains("<fieldset id=\"field-medium\"", html, StringComparison.Ordinal);
        Assert.Contains("<legend>How would you like to be helped?</legend>", html, StringComparison.Ordinal);
        Assert.Contains("<input type=\"radio\" name=\"medium\" id=\"medium-voice\" value=\"voice\" checked><label for=\"medium-voice\">", html, StringComparison.Ordinal);
        Assert.Contains("id=\"medium-documents\" value=\"documents\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"medium-chat-now\"", html, StringComparison.Ordinal); // no chat window on this host
        Assert.DoesNotContain("id=\"medium-ivr\"", html, StringComparison.Ordinal); // not served yet

        // An invalid choice comes back with its error tied to the group.
        using var bad = await host.Http.PostAsync("/help", new FormUrlEncodedContent(new Dictionary<string, string> { ["topic"] = "sales", ["medium"] = "fax" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var again = await bad.Content.ReadAsStringAsync();
        Assert.Contains("<a href=\"#field-medium\">How to help you:", again, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"hint-medium error-medium\" aria-invalid=\"true\"", again, StringComparison.Ordinal);
    }
}
