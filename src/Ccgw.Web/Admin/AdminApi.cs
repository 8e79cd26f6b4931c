using System.Security.Cryptography;
using System.Text;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Admin;

/// <summary>
/// <c>/api/admin/</c>: supervisor and operator verbs over live routing state and the stores, behind a bearer token.
/// Errors are RFC 9457 problem JSON naming the field.
/// </summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder app, AdminApiOptions options, AuthFailureLimiter limiter,
        Core.Provisioning.ProvisioningService? provisioning = null)
    {
        var admin = app.MapAdminGroup(options, limiter);

        // What this daemon serves, from routing itself: the OpenAPI check (tests/Ccgw.Interop.Tests/OpenApiTests)
        // compares it with the document, so an endpoint added later cannot be left out of it unnoticed.
        admin.MapGet("/endpoints", ([Microsoft.AspNetCore.Mvc.FromServices] EndpointDataSource endpoints) => endpoints.Endpoints.OfType<RouteEndpoint>()
                .Select(e => new EndpointView(e.RoutePattern.RawText ?? "", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
                .OrderBy(e => e.Route, StringComparer.Ordinal))
            .WithSummary("Every endpoint the daemon maps (route and methods)");

        // Live state, with the provisioned settings (name, skills, ...) when provisioning runs.
        admin.MapGet("/agents", (RoutingEngine engine) =>
            engine.Snapshot.Agents.Values.OrderBy(a => a.AgentId, StringComparer.Ordinal).Select(a => AgentView.From(a, provisioning?.GetAgent(a.AgentId))));

        admin.MapGet("/agents/{id}", (string id, RoutingEngine engine) =>
            engine.Snapshot.Agents.TryGetValue(id, out var agent) ? Results.Ok(AgentView.From(agent, provisioning?.GetAgent(id))) : UnknownAgent(id));

        admin.MapPut("/agents/{id}/state", async (string id, AgentStateChange? change, RoutingEngine engine, CancellationToken ct) =>
        {
            if (!Enum.TryParse<AgentStateRequest>(change?.State, ignoreCase: true, out var state) || !Enum.IsDefined(state))
                return FieldProblem("state", $"'{change?.State}' is not a state an agent can be set to; use ready, notReady or offline");
            if (!engine.Snapshot.Agents.ContainsKey(id)) return UnknownAgent(id);
            var result = await engine.SetAgentStateAsync(id, state, change!.Reason, ct);
            if (result.Status != CommandStatus.Ok)
                return Results.Problem(statusCode: 409, title: "the state was not changed", detail: result.Error);
            return engine.Snapshot.Agents.TryGetValue(id, out var updated) ? Results.Ok(AgentView.From(updated, provisioning?.GetAgent(id))) : UnknownAgent(id);
        });

        if (provisioning is not null) admin.MapProvisioning(options, provisioning);

        admin.MapGet("/queues", (RoutingEngine engine) =>
            engine.Snapshot.Queues.Values.OrderBy(q => q.QueueId, StringComparer.Ordinal).Select(QueueView.From));

        admin.MapGet("/customers/{id}", async (string id, ICustomerRepository customers, CancellationToken ct) =>
            await customers.GetAsync(id, ct) is { } customer ? Results.Ok(customer) : Results.Problem(statusCode: 404, title: $"no customer '{id}'"));

        admin.MapGet("/customers", async (string? phone, string? im, ICustomerRepository customers, CancellationToken ct) =>
        {
            if (phone is null && im is null) return FieldProblem("phone", "give phone (E.164) or im (bare address) to look a customer up");
            var customer = phone is not null ? await customers.FindByPhoneAsync(phone, ct) : await customers.FindByImAddressAsync(im!, ct);
            return customer is null ? Results.Problem(statusCode: 404, title: "no customer with that phone or address") : Results.Ok(customer);
        });

        admin.MapGet("/interactions", async (string? agent, string? customer, string? product, DateTimeOffset? from,
            DateTimeOffset? to, int? limit, IInteractionHistoryRepository history, CancellationToken ct) =>
            await history.QueryAsync(new InteractionHistoryQuery(agent, customer, product, from, to, limit ?? 100), ct));

        admin.MapGet("/interactions/{id}/events", async (string id, IInteractionHistoryRepository history, CancellationToken ct) =>
            await history.GetEventsAsync(id, ct));

        admin.MapGet("/callbacks", async (string? status, ICallbackRepository callbacks, CancellationToken ct) =>
        {
            CallbackStatus[]? statuses = null;
            if (status is not null)
            {
                if (!Enum.TryParse<CallbackStatus>(status, ignoreCase: true, out var s) || !Enum.IsDefined(s))
                    return FieldProblem("status", $"'{status}' is not a call-back status; use {string.Join(", ", Enum.GetNames<CallbackStatus>())}");
                statuses = [s];
            }
            var list = await callbacks.ListAsync(statuses: statuses, cancellationToken: ct);
            return Results.Ok(list.Select(CallbackView.From));
        });

        admin.MapMethods("/callbacks/{id}", ["PATCH"], async (string id, CallbackChange? change, ICallbackRepository callbacks,
            RoutingEngine engine, CancellationToken ct) =>
        {
            if (change is null || (change.Priority is null && change.ScheduledAt is null))
                return FieldProblem("priority", "give priority and/or scheduledAt");
            if (change.Priority is < -100 or > 100)
                return FieldProblem("priority", "use a priority from -100 to 100 (higher is served first)");
            if (change.Priority is { } p)
            {
                if (!await callbacks.ReprioritiseAsync(id, p, ct)) return UnknownCallback(id);
                // A due call-back waits in the core's queue: its place there moves with it (not found: not handed over
                // yet, so it enters with the new priority; already taken by an agent: nothing left to move).
                if ((await callbacks.GetAsync(id, ct))?.Status == CallbackStatus.Queued)
                    await engine.ReprioritiseAsync(id, p, ct);
            }
            if (change.ScheduledAt is { } at && !await callbacks.RescheduleAsync(id, at, ct)) return UnknownCallback(id);
            return Results.Ok(CallbackView.From((await callbacks.GetAsync(id, ct))!));
        });

        admin.MapMethods("/interactions/{id}", ["PATCH"], async (string id, InteractionChange? change, RoutingEngine engine, CancellationToken ct) =>
        {
            if (change?.Priority is not { } priority)
                return FieldProblem("priority", "give priority");
            if (priority is < -100 or > 100)
                return FieldProblem("priority", "use a priority from -100 to 100 (higher is served first)");
            var result = await engine.ReprioritiseAsync(id, priority, ct);
            if (result.Status == CommandStatus.NotFound)
                return Results.Problem(statusCode: 404, title: $"no live interaction '{id}'");
            if (result.Status != CommandStatus.Ok)
                return Results.Problem(statusCode: 409, title: "the priority was not changed", detail: result.Error);
            return await engine.GetInteractionAsync(id, ct) is { } status
                ? Results.Ok(new InteractionPriorityView(id, status.Interaction.QueueId, status.Interaction.Request.Channel,
                    status.Interaction.State, priority, status.Position, status.Ewt.Seconds))
                : Results.Problem(statusCode: 404, title: $"no live interaction '{id}'");
        });

        admin.MapDelete("/callbacks/{id}", async (string id, ICallbackRepository callbacks, RoutingEngine engine, CancellationToken ct) =>
        {
            var queued = (await callbacks.GetAsync(id, ct))?.Status == CallbackStatus.Queued;
            if (!await callbacks.CancelAsync(id, ct)) return UnknownCallback(id);
            // A due call-back waits in the core's queue: take it out, so no agent is offered it (not found: it was not
            // handed over yet, and being cancelled it never will be).
            if (queued) await engine.AbandonInteractionAsync(id, "cancelled by a supervisor", ct);
            return Results.NoContent();
        });

        admin.MapReports();
    }

    /// <summary>
    /// The admin surface's gate: 404 without a configured token, 429 after repeated failures from one address, 401
    /// without the right bearer token. Also guards <c>/api/openapi.json</c>, which describes the admin API.
    /// </summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> RequireToken(
        AdminApiOptions options, AuthFailureLimiter limiter) => async (context, next) =>
    {
        if (options.TokenSha256 is null)
            return Results.Problem(statusCode: 404, title: "the admin API is disabled", detail: "set Admin:TokenSha256 in the configuration");
        var http = context.HttpContext;
        var remote = http.Connection.RemoteIpAddress;
        if (!limiter.IsAllowed(remote, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: 429, title: "too many failed authentications from this address");
        }
        if (!IsAuthorized(http.Request.Headers.Authorization.ToString(), options.TokenSha256))
        {
            limiter.RecordFailure(remote);
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ccgw-admin\"";
            return Results.Problem(statusCode: 401, title: "a valid bearer token is required");
        }
        return await next(context);
    };

    /// <summary>
    /// The <c>/api/admin</c> route group behind <see cref="RequireToken"/>; every feature's admin endpoints (e.g.
    /// <c>Wizard/WizardAdminApi</c>) map onto a group from here, so they share one gate.
    /// </summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app, AdminApiOptions options, AuthFailureLimiter limiter) =>
        app.MapGroup("/api/admin").AddEndpointFilter(RequireToken(options, limiter));

    /// <summary>Compares SHA-256 digests in constant time, so the comparison leaks nothing about the token.</summary>
    internal static bool IsAuthorized(string header, byte[] expectedSha256)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, expectedSha256);
    }

    private static IResult FieldProblem(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "invalid request");

    private static IResult UnknownAgent(string id) =>
        Results.Problem(statusCode: 404, title: $"no agent '{id}'", detail: "add agents with POST /api/admin/agents or ccgwctl agent add");

    private static IResult UnknownCallback(string id) =>
        Results.Problem(statusCode: 404, title: $"no scheduled or interrupted call-back '{id}'",
            detail: "call-backs being dialled, connected or finished cannot be changed");
}
