using System.Text.Json;
using Ccgw.Core;
using Ccgw.Core.Provisioning;
using Ccgw.Core.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Admin;

/// <summary>
/// Provisioning at run time under <c>/api/admin/</c> (CONTRACT section 9): agents, supervisors and queues' routing
/// settings, each change applied at once through <see cref="ProvisioningService"/> and audited under the admin token's
/// identity. Refusals that would strand work are 409 problem JSON naming why; bad fields are 400 naming the field.
/// </summary>
internal static class ProvisioningApi
{
    public static void MapProvisioning(this RouteGroupBuilder admin, AdminApiOptions options, ProvisioningService provisioning)
    {
        var actor = options.Actor;

        admin.MapPost("/agents", async (AgentBody? body, CancellationToken ct) =>
        {
            if (body?.Id is not { Length: > 0 } id) return FieldProblem("id", "give the new agent's id");
            return Answer(await provisioning.CreateAgentAsync(actor, id, body.ToChange(null), ct), $"/api/admin/agents/{id}");
        });
        admin.MapPut("/agents/{id}", async (string id, AgentBody? body, CancellationToken ct) =>
            Answer(await provisioning.UpdateAgentAsync(actor, id, (body ?? new AgentBody()).ToChange(null), replace: true, ct)));
        admin.MapPatch("/agents/{id}", async (string id, AgentBody? body, CancellationToken ct) =>
            Answer(await provisioning.UpdateAgentAsync(actor, id, (body ?? new AgentBody()).ToChange(provisioning.GetAgent(id)?.Capacity), replace: false, ct)));
        admin.MapDelete("/agents/{id}", async (string id, CancellationToken ct) =>
            Answer(await provisioning.RemoveAgentAsync(actor, id, ct), noContent: true));

        admin.MapGet("/supervisors", () => provisioning.ListSupervisors());
        admin.MapPost("/supervisors", async (SupervisorBody? body, CancellationToken ct) =>
        {
            if (body?.Id is not { Length: > 0 } id) return FieldProblem("id", "give the new supervisor's id");
            return Answer(await provisioning.SaveSupervisorAsync(actor, id, body.Name, body.Password, create: true, ct), $"/api/admin/supervisors/{id}");
        });
        admin.MapMethods("/supervisors/{id}", ["PUT", "PATCH"], async (string id, SupervisorBody? body, CancellationToken ct) =>
            Answer(await provisioning.SaveSupervisorAsync(actor, id, body?.Name, body?.Password, create: false, ct)));
        admin.MapDelete("/supervisors/{id}", async (string id, CancellationToken ct) =>
            Answer(await provisioning.RemoveSupervisorAsync(actor, id, ct), noContent: true));

        admin.MapGet("/queues/{id}", async (string id, CancellationToken ct) =>
            (await provisioning.ListQueuesAsync(ct)).FirstOrDefault(q => q.Id == id) is { } q
                ? Results.Ok(q)
                : Results.Problem(statusCode: 404, title: $"no queue '{id}'", detail: "create it with POST /api/admin/queues"));
        admin.MapPost("/queues", async (QueueCreateBody? body, CancellationToken ct) =>
        {
            if (body?.Id is not { Length: > 0 } id) return FieldProblem("id", "give the new queue's id");
            return Answer(await provisioning.CreateQueueAsync(actor, id, body.ToChange(), ct), $"/api/admin/queues/{id}");
        })
            .Produces<ProvisionedQueue>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        // Refused (409, naming why) while anything waits in the queue, is in hand from it, overflows into it or is a
        // pending call-back for it, and for the configuration file's queues; drain-then-remove is not offered yet.
        admin.MapDelete("/queues/{id}", async (string id, CancellationToken ct) =>
            Answer(await provisioning.RemoveQueueAsync(actor, id, ct), noContent: true))
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapMethods("/queues/{id}", ["PUT", "PATCH"], async (string id, QueueBody? body, CancellationToken ct) =>
            Answer(await provisioning.UpdateQueueAsync(actor, id, (body ?? new QueueBody()).ToChange(), ct)));

        admin.MapGet("/audit", async (string? resource, string? id, int? limit, CancellationToken ct) =>
            (await provisioning.ListAuditAsync(resource, id, limit ?? 100, ct)).Select(AuditView.From));
    }

    private static IResult Answer<T>(ProvisioningResult<T> result, string? location = null, bool noContent = false) => result.Outcome switch
    {
        ProvisioningOutcome.Created => Results.Created(location, result.Value),
        ProvisioningOutcome.Ok => noContent ? Results.NoContent() : Results.Ok(result.Value),
        ProvisioningOutcome.NotFound => Results.Problem(statusCode: 404, title: result.Message),
        ProvisioningOutcome.Conflict => Results.Problem(statusCode: 409, title: "the change was refused", detail: result.Message),
        _ => FieldProblem(result.Field ?? "body", result.Message ?? "invalid"),
    };

    private static IResult FieldProblem(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "invalid request");
}

/// <summary>Channel capacities in a request; missing ones keep the agent's (PATCH) or default to 1.</summary>
public sealed record CapacityBody(int? Voice = null, int? Im = null, int? Callback = null);

/// <summary>Body of <c>POST /api/admin/agents</c> and <c>PUT/PATCH /api/admin/agents/{id}</c>.</summary>
public sealed record AgentBody(string? Id = null, string? Name = null, string? Password = null, Dictionary<string, int>? Skills = null,
    CapacityBody? Capacity = null, List<string>? Capabilities = null, bool? ImWhileOnVoice = null, List<string>? ReasonCodes = null)
{
    internal AgentChange ToChange(ChannelCapacity? current) => new(Name, Password, Skills,
        Capacity is { } c ? new ChannelCapacity(c.Voice ?? current?.Voice ?? 1, c.Im ?? current?.Im ?? 1, c.Callback ?? current?.Callback ?? 1) : null,
        Capabilities, ImWhileOnVoice, ReasonCodes);
}

public sealed record SupervisorBody(string? Id = null, string? Name = null, string? Password = null);

public sealed record ServiceLevelBody(int? Seconds = null, double? Target = null);

/// <summary>Body of <c>PUT/PATCH /api/admin/queues/{id}</c>; missing fields stay; <c>removeOverflow</c> drops the overflow.</summary>
public sealed record QueueBody(Dictionary<string, int>? Skills = null, int? Priority = null, ServiceLevelBody? ServiceLevel = null,
    List<ProvisionedWidening>? Widening = null, ProvisionedOverflow? Overflow = null, bool RemoveOverflow = false)
{
    internal QueueChange ToChange() => new(Skills, Priority, ServiceLevel?.Seconds, ServiceLevel?.Target, Widening, Overflow, RemoveOverflow);
}

/// <summary>Body of <c>POST /api/admin/queues</c>: the id and the settings of <see cref="QueueBody"/> (missing ones take the defaults).</summary>
public sealed record QueueCreateBody(string? Id = null, Dictionary<string, int>? Skills = null, int? Priority = null, ServiceLevelBody? ServiceLevel = null,
    List<ProvisionedWidening>? Widening = null, ProvisionedOverflow? Overflow = null)
{
    internal QueueChange ToChange() => new(Skills, Priority, ServiceLevel?.Seconds, ServiceLevel?.Target, Widening, Overflow);
}

/// <summary>An audit entry with the records before and after as JSON objects.</summary>
public sealed record AuditView(long Seq, DateTimeOffset At, string Actor, string Action, string Resource, string Id, JsonElement? Before, JsonElement? After)
{
    public static AuditView From(AuditEntry e) => new(e.Sequence, e.At.ToUniversalTime(), e.Actor, e.Action, e.Resource, e.ResourceId,
        Parse(e.Before), Parse(e.After));

    private static JsonElement? Parse(string? json)
    {
        if (json is null) return null;
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
