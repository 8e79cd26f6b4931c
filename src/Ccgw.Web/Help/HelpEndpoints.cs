using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Web.Edge;

namespace Ccgw.Web.Help;

/// <summary>
/// The public help surface (CONTRACT §7): <c>GET /</c> (the help page), <c>POST /help</c> (the same form without
/// JavaScript, answered with a redirect to <c>/help/requests/{id}</c>), <c>POST /api/help-requests</c>,
/// <c>GET /api/help-requests/{id}</c>, <c>GET /api/help-requests/slots?topic=</c> and <c>GET /api/status</c>.
/// </summary>
public static class HelpEndpoints
{
    /// <summary>Largest request body read (JSON or form); larger ones get 413.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddHelpRequests(this IServiceCollection services, HelpSiteOptions site)
    {
        services.AddSingleton(site);
        // The one call-back intake (Ccgw.Core): the daemon registers it for the IM bot and the IVR as well; a host of the
        // web surface alone gets it here.
        services.TryAddSingleton(sp => new DialOutMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<CallbackIntake>();
        services.AddSingleton<HelpRequestService>();
        // Customer alerts: the caller registers the ICustomerAlertStore; the IM channel reads CustomerAlertOutbox.
        services.AddSingleton<CustomerAlertOutbox>();
        services.AddSingleton<CustomerAlertWatcher>();
        services.AddSingleton<CustomerAlertService>();
        return services;
    }

    public static void MapHelpRequests(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/help-requests", async (HttpContext http, HelpRequestService service, CancellationToken ct) =>
        {
            if (http.Request.ContentLength > MaxBodyBytes) return Results.Problem(statusCode: 413, title: $"the request body is larger than {MaxBodyBytes} bytes");
            HelpRequestInput? input;
            try
            {
                using var limited = new MemoryStream();
                await CopyBoundedAsync(http.Request.Body, limited, ct);
                limited.Position = 0;
                input = await JsonSerializer.DeserializeAsync<HelpRequestInput>(limited, Json, ct);
            }
            catch (JsonException e)
            {
                var field = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "body";
                return FieldProblems(new() { [field] = [$"not valid JSON here: {e.Message.Split('.')[0]}"] }, 400);
            }
            catch (InvalidDataException)
            {
                return Results.Problem(statusCode: 413, title: $"the request body is larger than {MaxBodyBytes} bytes");
            }
            if (input is null) return FieldProblems(new() { ["body"] = ["send a JSON object with number, topic and preferredTime"] }, 400);
            var outcome = await service.SubmitAsync(input, http.Request.Headers.Referer.ToString() is { Length: > 0 } r ? r : null, Source(http), ct);
            return outcome.Kind switch
            {
                SubmitKind.Accepted => Results.Json(outcome.View, statusCode: 202),
                // Chat now and documents: nothing was stored, so 200 with where to go (the chat window, the downloads).
                SubmitKind.OnPage => Results.Json(outcome.Medium, statusCode: 200),
                SubmitKind.Invalid => FieldProblems(outcome.Errors!, 400),
                SubmitKind.SlotFull => FieldProblems(outcome.Errors!, 409),
                SubmitKind.Refused => Refused(outcome),
                _ => Results.Problem(statusCode: 503, title: "the request could not be stored; please try again"),
            };
        }).RequireRateLimiting(WebEdge.SubmissionsPolicy);

        app.MapGet("/api/help-requests/slots", async (string? topic, HelpRequestService service, CancellationToken ct) =>
        {
            var policy = topic is null ? null : service.Policies.Find(topic);
            if (policy is null) return FieldProblems(new() { ["topic"] = ["give a known topic"] }, 400);
            return Results.Ok(new
            {
                topic = policy.QueueId,
                slotMinutes = policy.EffectiveSlotLength.TotalMinutes,
                slots = await service.FreeSlotsAsync(policy, 96, ct),
            });
        }).RequireRateLimiting(WebEdge.LookupsPolicy);

        app.MapGet("/api/help-requests/{id}", async (string id, HelpRequestService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } view ? Results.Ok(view) : Results.Problem(statusCode: 404, title: "no such help request")).RequireRateLimiting(WebEdge.LookupsPolicy);

        app.MapGet("/api/status", (HelpRequestService service) => Results.Ok(service.Status())).RequireRateLimiting(WebEdge.LookupsPolicy);

        HelpAssets.Map(app);
        Ccgw.Web.Assets.ClientAssets.Map(app);

        app.MapGet("/", async (string? @ref, HttpContext http, HelpRequestService service, CancellationToken ct) =>
        {
            var pageUrl = @ref is { Length: > 0 } && HelpRequestValidation.IsPageUrl(@ref) ? @ref
                : http.Request.Headers.Referer.ToString() is { Length: > 0 } r && HelpRequestValidation.IsPageUrl(r) ? r : null;
            var html = await HelpPage.RenderFormAsync(service, new HelpRequestInput(PreferredTime: "now", PageUrl: pageUrl, Medium: "voice"), null, ct,
                http.RequestServices.GetService<Chat.WebChatSetup>());
            return Html(html, 200);
        });

        app.MapPost("/help", async (HttpContext http, HelpRequestService service, CancellationToken ct) =>
        {
            if (!http.Request.HasFormContentType || http.Request.ContentLength > MaxBodyBytes)
                return Results.Problem(statusCode: 415, title: "post the help form (application/x-www-form-urlencoded)");
            var form = await http.Request.ReadFormAsync(ct);
            var input = new HelpRequestInput(form["number"], form["imAddress"], form["preferredTime"], form["timeZone"],
                form["topic"], form["pageUrl"], form["name"], form["medium"]);
            var outcome = await service.SubmitAsync(input, null, Source(http), ct);
            return outcome.Kind switch
            {
                SubmitKind.Accepted => SeeOther(http, $"/help/requests/{outcome.View!.Id}"),
                SubmitKind.OnPage when outcome.Medium!.ChatUrl is { } chatUrl => SeeOther(http, chatUrl),
                SubmitKind.OnPage => Html(HelpPage.RenderDocuments(service, outcome.Medium!), 200),
                SubmitKind.Invalid or SubmitKind.SlotFull or SubmitKind.Refused => Html(await HelpPage.RenderFormAsync(service, input, outcome.Errors, ct),
                    outcome.Kind switch { SubmitKind.Invalid => 400, SubmitKind.SlotFull => 409, _ => RefusedStatus(outcome.Rule!) }),
                _ => Html(await HelpPage.RenderFormAsync(service, input, new Dictionary<string, string[]> { ["form"] = ["your request could not be stored; please try again"] }, ct), 503),
            };
        }).RequireRateLimiting(WebEdge.SubmissionsPolicy);

        app.MapPost("/api/alerts", async (HttpContext http, CustomerAlertService alerts, CancellationToken ct) =>
        {
            JsonElement body;
            try
            {
                using var limited = new MemoryStream();
                await CopyBoundedAsync(http.Request.Body, limited, ct);
                limited.Position = 0;
                body = await JsonSerializer.DeserializeAsync<JsonElement>(limited, Json, ct);
            }
            catch (JsonException)
            {
                return FieldProblems(new() { ["body"] = ["send a JSON object with topic and thresholdMinutes"] }, 400);
            }
            catch (InvalidDataException)
            {
                return Results.Problem(statusCode: 413, title: $"the request body is larger than {MaxBodyBytes} bytes");
            }
            if (body.ValueKind != JsonValueKind.Object) return FieldProblems(new() { ["body"] = ["send a JSON object with topic and thresholdMinutes"] }, 400);
            var (view, errors) = await alerts.CreateAsync(new AlertInput(Text(body, "topic"), Text(body, "thresholdMinutes"), Text(body, "channel"), Text(body, "imAddress")), Source(http), ct);
            return view is null ? FieldProblems(errors, AlertErrorStatus(errors)) : Results.Json(view, statusCode: 202);
        }).RequireRateLimiting(WebEdge.SubmissionsPolicy);

        app.MapGet("/api/alerts/{id}", async (string id, CustomerAlertService alerts, CancellationToken ct) =>
            await alerts.GetAsync(id, ct) is { } view ? Results.Ok(view) : Results.Problem(statusCode: 404, title: "no such alert")).RequireRateLimiting(WebEdge.LookupsPolicy);

        app.MapPost("/alerts", async (HttpContext http, HelpRequestService service, CustomerAlertService alerts, CancellationToken ct) =>
        {
            if (!http.Request.HasFormContentType || http.Request.ContentLength > MaxBodyBytes)
                return Results.Problem(statusCode: 415, title: "post the alert form (application/x-www-form-urlencoded)");
            var form = await http.Request.ReadFormAsync(ct);
            var (view, errors) = await alerts.CreateAsync(new AlertInput(form["topic"], form["thresholdMinutes"], form["channel"], form["imAddress"]), Source(http), ct);
            if (view is not null) return SeeOther(http, $"/alerts/{view.Id}");
            var renamed = errors.ToDictionary(e => "alert-" + e.Key, e => e.Value);
            return Html(await HelpPage.RenderFormAsync(service, new HelpRequestInput(PreferredTime: "now"), renamed, ct), AlertErrorStatus(errors));
        }).RequireRateLimiting(WebEdge.SubmissionsPolicy);

        app.MapGet("/alerts/{id}", async (string id, HelpRequestService service, CustomerAlertService alerts, CancellationToken ct) =>
            await alerts.GetAsync(id, ct) is { } view
                ? Html(HelpPage.RenderAlert(service, view, alerts.TopicName(view.Topic)), 200)
                : Html(HelpPage.RenderNotFound(service), 404)).RequireRateLimiting(WebEdge.LookupsPolicy);

        app.MapGet("/help/requests/{id}", async (string id, HelpRequestService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } view
                ? Html(HelpPage.RenderStatus(service, view), 200)
                : Html(HelpPage.RenderNotFound(service), 404)).RequireRateLimiting(WebEdge.LookupsPolicy);
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.Null => null,
            _ => "\u0000",
        } : null;

    /// <summary>The client's address as the per-source caps count it (forwarded headers are applied by the edge first, from known proxies only).</summary>
    private static string? Source(HttpContext http) => http.Connection.RemoteIpAddress is { } ip
        ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()
        : null;

    private static int AlertErrorStatus(Dictionary<string, string[]> errors) =>
        errors.ContainsKey(CustomerAlertService.SourceCapKey) ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest;

    /// <summary>403 for a destination the trunk may not dial, 429 for a cap that frees up within a day.</summary>
    private static int RefusedStatus(string rule) =>
        rule is DialOutRule.Denied or DialOutRule.NotAllowed ? StatusCodes.Status403Forbidden : StatusCodes.Status429TooManyRequests;

    /// <summary>Problem JSON naming the rule twice: in the field error a form shows, and as <c>rule</c> for programs.</summary>
    private static IResult Refused(SubmitOutcome outcome) =>
        Results.ValidationProblem(outcome.Errors!, statusCode: RefusedStatus(outcome.Rule!),
            title: $"the call-back was refused by the dial-out rule '{outcome.Rule}'",
            extensions: new Dictionary<string, object?> { ["rule"] = outcome.Rule });

    private static IResult FieldProblems(Dictionary<string, string[]> errors, int status) =>
        Results.ValidationProblem(errors, statusCode: status, title: status == 409 ? "the chosen time is not available" : "the help request is not valid");

    /// <summary>303: the browser follows a form POST with a GET of the status page (RFC 9110 §15.4.4).</summary>
    private static IResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static IResult Html(string html, int status) => Results.Text(html, "text/html; charset=utf-8", statusCode: status);

    private static async Task CopyBoundedAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[4096];
        int n;
        var total = 0;
        while ((n = await from.ReadAsync(buffer, ct)) > 0)
        {
            total += n;
            if (total > MaxBodyBytes) throw new InvalidDataException("body too large");
            await to.WriteAsync(buffer.AsMemory(0, n), ct);
        }
    }
}
