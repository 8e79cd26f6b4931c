using System.Text.Json;
using Ccgw.Core.Provisioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Admin;

/// <summary>
/// Trunks and DIDs at run time under <c>/api/admin/</c> (issue 20, docs/admin-api.md): each change is checked with the
/// configuration's trunk rules (400 problem JSON naming the field), stored with its audit entry under the admin token's
/// identity, and applied at once; a trunk carrying calls is not removed (409).
/// </summary>
public static class TrunkApi
{
    public static RouteGroupBuilder MapTrunkProvisioning(this RouteGroupBuilder admin, AdminApiOptions options, ITrunkProvisioning trunks)
    {
        var actor = options.Actor;

        admin.MapGet("/trunks", () => trunks.ListTrunks())
            .Produces<IReadOnlyList<TrunkView>>();
        admin.MapGet("/trunks/{id}", (string id) => trunks.GetTrunk(id) is { } trunk
                ? Results.Ok(trunk)
                : Results.Problem(statusCode: 404, title: $"no trunk '{id}'", detail: "add trunks with PUT /api/admin/trunks/{id} or ccgwctl trunk set"))
            .Produces<TrunkView>().ProducesProblem(404);
        admin.MapPut("/trunks/{id}", async (string id, JsonElement settings, CancellationToken ct) =>
                Answer(await trunks.PutTrunkAsync(actor, id, settings, ct), $"/api/admin/trunks/{id}"))
            .Produces<TrunkView>().Produces<TrunkView>(201).ProducesValidationProblem();
        admin.MapDelete("/trunks/{id}", async (string id, CancellationToken ct) =>
                Answer(await trunks.RemoveTrunkAsync(actor, id, ct), noContent: true))
            .Produces(204).ProducesProblem(404).ProducesProblem(409);

        admin.MapGet("/dids", () => trunks.ListDids())
            .Produces<IReadOnlyList<DidView>>();
        admin.MapPut("/dids/{did}", async (string did, DidBody? body, CancellationToken ct) =>
                Answer(await trunks.PutDidAsync(actor, did, body?.Flow, body?.Trunk, ct), $"/api/admin/dids/{did}"))
            .Produces<DidView>().Produces<DidView>(201).ProducesValidationProblem();
        admin.MapDelete("/dids/{did}", async (string did, CancellationToken ct) =>
                Answer(await trunks.RemoveDidAsync(actor, did, ct), noContent: true))
            .Produces(204).ProducesProblem(404);
        return admin;
    }

    internal static IResult Answer<T>(ProvisioningResult<T> result, string? location = null, bool noContent = false) => result.Outcome switch
    {
        ProvisioningOutcome.Created => Results.Created(location, result.Value),
        ProvisioningOutcome.Ok => noContent ? Results.NoContent() : Results.Ok(result.Value),
        ProvisioningOutcome.NotFound => Results.Problem(statusCode: 404, title: result.Message),
        ProvisioningOutcome.Conflict => Results.Problem(statusCode: 409, title: "the change was refused", detail: result.Message),
        _ => Results.ValidationProblem(new Dictionary<string, string[]> { [result.Field ?? "body"] = [result.Message ?? "invalid"] }, title: "invalid request"),
    };
}

/// <summary>Body of <c>PUT /api/admin/dids/{did}</c>: the flow the number enters and the trunk it comes through (left out: as now, or the only trunk).</summary>
public sealed record DidBody(string? Flow = null, string? Trunk = null);
