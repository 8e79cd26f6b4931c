using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Wizard;

/// <summary>
/// <c>/api/admin/wizards</c>: staff author wizards as drafts, preview them as a given customer would see them, and
/// publish; customers are only ever served published versions. Also what a customer is served now
/// (<c>/api/admin/customers/{id}/wizard</c>) and the steps they took (<c>/api/admin/customers/{id}/self-help</c>).
/// </summary>
public static class WizardAdminApi
{
    public static void MapWizardAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/wizards", async (IWizardRepository wizards, CancellationToken ct) => await wizards.ListAsync(ct));

        admin.MapGet("/wizards/{id}", async (string id, IWizardRepository wizards, CancellationToken ct) =>
        {
            var published = await wizards.GetAsync(id, WizardVersionStatus.Published, ct);
            var draft = await wizards.GetAsync(id, WizardVersionStatus.Draft, ct);
            return published is null && draft is null ? UnknownWizard(id) : Results.Json(new WizardDetailView(id, published, draft), ContentJson.Options);
        });

        // Create (201) and edit (200) both save the draft: a wizard's first draft is its creation.
        admin.MapPost("/wizards", async (HttpRequest request, IWizardRepository wizards, ICatalogueRepository catalogue, CancellationToken ct) =>
            await SaveDraftAsync(request, null, wizards, catalogue, ct));

        admin.MapPut("/wizards/{id}", async (string id, HttpRequest request, IWizardRepository wizards, ICatalogueRepository catalogue,
            CancellationToken ct) => await SaveDraftAsync(request, id, wizards, catalogue, ct));

        admin.MapGet("/wizards/{id}/preview", async (string id, string? customer, IWizardRepository wizards, WizardDesk desk, CancellationToken ct) =>
        {
            if (await wizards.GetAsync(id, WizardVersionStatus.Draft, ct) is not { } draft)
                return Results.Problem(statusCode: 404, title: $"wizard '{id}' has no draft to preview");
            var profile = customer is null ? SelfHelpProfile.Anonymous : await desk.ProfileAsync(customer, ct);
            if (profile is null) return Problems.Field("customer", $"no customer '{customer}'");
            var personal = await desk.PreviewAsync(draft, customer, ct);
            return Results.Json(PersonalWizardView.From(personal!, profile), ContentJson.Options);
        });

        admin.MapPost("/wizards/{id}/publish", async (string id, IWizardRepository wizards, CancellationToken ct) =>
            await wizards.PublishAsync(id, ct) is { } published
                ? Results.Json(published, ContentJson.Options)
                : Results.Problem(statusCode: 404, title: $"wizard '{id}' has no draft to publish"));

        admin.MapDelete("/wizards/{id}/draft", async (string id, IWizardRepository wizards, CancellationToken ct) =>
            await wizards.DeleteDraftAsync(id, ct) ? Results.NoContent() : Results.Problem(statusCode: 404, title: $"wizard '{id}' has no draft"));

        admin.MapGet("/customers/{id}/wizard", async (string id, WizardDesk desk, CancellationToken ct) =>
            await desk.ForCustomerAsync(id, ct) is { } mine
                ? Results.Json(mine.Wizards.Select(w => PersonalWizardView.From(w, mine.Profile)), ContentJson.Options)
                : Results.Problem(statusCode: 404, title: $"no customer '{id}'"));

        admin.MapGet("/customers/{id}/self-help", async (string id, int? limit, ISelfHelpTrailRepository trail, CancellationToken ct) =>
            await trail.ListAsync(id, Math.Clamp(limit ?? 100, 1, 1000), ct));
    }

    private static async Task<IResult> SaveDraftAsync(HttpRequest request, string? id, IWizardRepository wizards, ICatalogueRepository catalogue,
        CancellationToken ct)
    {
        var (content, problem) = await ContentJson.ReadAsync<WizardContent>(request, ct);
        if (problem is not null) return problem;
        if (content is not null && id is not null && !string.Equals(content.Id, id, StringComparison.Ordinal))
            return Problems.Field("id", $"the body's id '{content.Id}' differs from the path's '{id}'");
        var items = (await catalogue.ListAsync(cancellationToken: ct)).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var problems = WizardValidator.Validate(content, items.Contains);
        if (problems.Count > 0) return Problems.Fields(problems);
        var saved = await wizards.SaveDraftAsync(content!, ct);
        return id is null
            ? Results.Json(saved, ContentJson.Options, statusCode: StatusCodes.Status201Created)
            : Results.Json(saved, ContentJson.Options);
    }

    private static IResult UnknownWizard(string id) => Results.Problem(statusCode: 404, title: $"no wizard '{id}'");
}
