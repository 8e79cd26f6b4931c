using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Web.Wizard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Orders;

/// <summary>
/// <c>/api/admin/catalogue</c> (the per-product parts and services staff maintain) and <c>/api/admin/orders</c>
/// (orders placed by customers; staff move them through placed → confirmed → shipped → delivered, or cancel them).
/// </summary>
public static class OrderAdminApi
{
    public static void MapOrderAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/catalogue", async (string? product, ICatalogueRepository catalogue, CancellationToken ct) =>
            Results.Json(await catalogue.ListAsync(product, ct), ContentJson.Options));

        admin.MapPut("/catalogue/{id}", async (string id, HttpRequest request, ICatalogueRepository catalogue, CancellationToken ct) =>
        {
            var (item, problem) = await ContentJson.ReadAsync<CatalogueItem>(request, ct);
            if (problem is not null) return problem;
            if (item is not null && item.Id is null) item = item with { Id = id };
            if (item is not null && !string.Equals(item.Id, id, StringComparison.Ordinal))
                return Problems.Field("id", $"the body's id '{item.Id}' differs from the path's '{id}'");
            var problems = CatalogueRules.Validate(item);
            if (problems.Count > 0) return Problems.Fields(problems);
            await catalogue.UpsertAsync(item!, ct);
            return Results.Json(item, ContentJson.Options);
        });

        admin.MapDelete("/catalogue/{id}", async (string id, ICatalogueRepository catalogue, CancellationToken ct) =>
            await catalogue.DeleteAsync(id, ct) ? Results.NoContent() : Results.Problem(statusCode: 404, title: $"no catalogue item '{id}'"));

        admin.MapGet("/orders", async (string? customer, int? limit, IOrderRepository orders, CancellationToken ct) =>
            Results.Json(await orders.ListAsync(customer, Math.Clamp(limit ?? 100, 1, 1000), ct), ContentJson.Options));

        admin.MapGet("/orders/{id}", async (string id, IOrderRepository orders, CancellationToken ct) =>
            await orders.GetAsync(id, ct) is { } order ? Results.Json(order, ContentJson.Options) : UnknownOrder(id));

        admin.MapMethods("/orders/{id}", ["PATCH"], async (string id, HttpRequest request, OrderDesk desk, IEnumerable<Portal.StatusAlerts> alerts,
            CancellationToken ct) =>
        {
            var (change, problem) = await ContentJson.ReadAsync<OrderStatusRequest>(request, ct);
            if (problem is not null) return problem;
            if (change?.Status is not { } status || !Enum.IsDefined(status))
                return Problems.Field("status", "use placed, confirmed, shipped, delivered or cancelled");
            var (order, error) = await desk.ChangeStatusAsync(id, status, ct);
            // Issue 18: the customer hears of it in their medium (e-mail today); queued, never waited on here.
            if (error == OrderError.None) alerts.FirstOrDefault()?.OrderStatusChanged(order!);
            return error switch
            {
                OrderError.None => Results.Json(order, ContentJson.Options),
                OrderError.UnknownOrder => UnknownOrder(id),
                _ => Results.Problem(statusCode: 409, title: $"order '{id}' cannot go from {OrderLifecycle.Name(order!.Status)} to {OrderLifecycle.Name(status)}",
                    detail: "orders go placed → confirmed → shipped → delivered, and may be cancelled before they ship"),
            };
        });
    }

    private static IResult UnknownOrder(string id) => Results.Problem(statusCode: 404, title: $"no order '{id}'");

    private sealed record OrderStatusRequest(OrderStatus? Status);
}

/// <summary>Catalogue items as staff enter them: ids safe in URLs, a product code, a name and sane prices.</summary>
internal static class CatalogueRules
{
    public static IReadOnlyList<ContentProblem> Validate(CatalogueItem? item)
    {
        var problems = new List<ContentProblem>();
        if (item is null)
        {
            problems.Add(new ContentProblem("$", "give the item as a JSON object"));
            return problems;
        }
        if (!WizardValidator.IsId(item.Id)) problems.Add(new ContentProblem("id", "1-64 of a-z, 0-9, '-' and '_'"));
        if (!WizardValidator.IsId(item.Product)) problems.Add(new ContentProblem("product", "the product code this item is for (1-64 of a-z, 0-9, '-' and '_')"));
        if (!Enum.IsDefined(item.Kind)) problems.Add(new ContentProblem("kind", "use part or service"));
        if (string.IsNullOrWhiteSpace(item.Name)) problems.Add(new ContentProblem("name", "required"));
        else if (item.Name.Length > WizardValidator.MaxTitleLength) problems.Add(new ContentProblem("name", $"at most {WizardValidator.MaxTitleLength} characters"));
        if (item.Description is { Length: > WizardValidator.MaxTextLength }) problems.Add(new ContentProblem("description", $"at most {WizardValidator.MaxTextLength} characters"));
        if (item.PriceMinor is < 0 or > 100_000_000) problems.Add(new ContentProblem("priceMinor", "0 to 100000000 (minor units, e.g. cents)"));
        if (item.PriceMinor is not null && (item.Currency is not { Length: 3 } c || !c.All(char.IsAsciiLetterUpper)))
            problems.Add(new ContentProblem("currency", "an ISO 4217 code such as EUR, with a price"));
        return problems;
    }
}
