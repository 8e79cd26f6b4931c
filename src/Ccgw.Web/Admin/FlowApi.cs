using System.Text.Json;
using Ccgw.Core.Provisioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Admin;

/// <summary>
/// Flows at run time under <c>/api/admin/flows</c> (issue 20, docs/admin-api.md): a flow is checked with the
/// configuration's flow rules (400 problem JSON naming the field), stored with its audit entry under the admin token's
/// identity, and applied at once (the next call or chat starts in it; one under way keeps its flow); a flow a DID or the
/// IM entry routes to is not removed (409 naming them).
/// </summary>
public static class FlowApi
{
    public static RouteGroupBuilder MapFlowProvisioning(this RouteGroupBuilder admin, AdminApiOptions options, IFlowProvisioning flows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(flows);
        var actor = options.Actor;

        admin.MapGet("/flows", () => flows.ListFlows())
            .Produces<IReadOnlyList<FlowView>>();
        admin.MapGet("/flows/{id}", (string id) => flows.GetFlow(id) is { } flow
                ? Results.Ok(flow)
                : Results.Problem(statusCode: 404, title: $"no flow '{id}'", detail: "add flows with PUT /api/admin/flows/{id} or ccgwctl flow set"))
            .Produces<FlowView>().ProducesProblem(404);
        admin.MapPut("/flows/{id}", async (string id, JsonElement definition, CancellationToken ct) =>
                TrunkApi.Answer(await flows.PutFlowAsync(actor, id, definition, ct), $"/api/admin/flows/{id}"))
            .Produces<FlowView>().Produces<FlowView>(201).ProducesValidationProblem();
        admin.MapDelete("/flows/{id}", async (string id, CancellationToken ct) =>
                TrunkApi.Answer(await flows.RemoveFlowAsync(actor, id, ct), noContent: true))
            .Produces(204).ProducesProblem(404).ProducesProblem(409);
        return admin;
    }
}
