using System.Globalization;
using System.Text;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Web.Wizard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// The customer's side of self-help on <c>/me</c> (issue 17): a wizard step as a page
/// (<c>GET /me/wizard/{wizard}/{step}</c>), starting a wizard and taking a choice (POSTs recorded on the trail through
/// <see cref="WizardDesk"/>, which the agent's next offer carries), and placing an order (<c>POST /me/orders</c>,
/// through <see cref="OrderDesk"/>, which only accepts items offered to this customer now). Every POST checks the
/// antiforgery token first (<see cref="MeEndpoints.RefuseAsync"/>).
/// </summary>
public static partial class SelfHelpPortal
{
    /// <summary>Registers the Self-help and ordering sections; the desks come from the host's self-help wiring.</summary>
    public static IServiceCollection AddSelfHelpPortal(this IServiceCollection services)
    {
        services.AddSingleton<IMeSection, SelfHelpSection>();
        services.AddSingleton<IMeSection, OrderingSection>();
        return services;
    }

    public static IEndpointRouteBuilder MapSelfHelpPortal(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me/wizard/{wizardId}", async (string wizardId, HttpContext http, WizardDesk desk, CancellationToken ct) =>
            await FindAsync(http, desk, wizardId, ct) is { } found
                ? MeEndpoints.SeeOther(http, StepUrl(wizardId, found.Wizard.Content.Start))
                : NoSuchWizard(http)).RequireAuthorization(CustomerPortal.Policy);

        app.MapGet("/me/wizard/{wizardId}/{stepId}", async (string wizardId, string stepId, HttpContext http, WizardDesk desk, OrderDesk orders,
            CancellationToken ct) =>
        {
            if (await FindAsync(http, desk, wizardId, ct) is not { } found || found.Wizard.Step(stepId, found.Profile) is not { } step)
                return NoSuchWizard(http);
            return await StepPageAsync(http, found.Wizard, step, orders, ct);
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/wizard/{wizardId}/start", async (string wizardId, HttpContext http, WizardDesk desk, CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var (walk, _) = await desk.StartAsync(http.User.CustomerId()!, wizardId, ct);
            return walk is null ? NoSuchWizard(http) : MeEndpoints.SeeOther(http, StepUrl(wizardId, walk.Step.Step.Id));
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/wizard/{wizardId}/{stepId}/choose", async (string wizardId, string stepId, HttpContext http, WizardDesk desk,
            CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            if (!int.TryParse(form["choice"], NumberStyles.None, CultureInfo.InvariantCulture, out var choice))
                return MeEndpoints.Message(http, "Choose one of the answers", "That answer was not understood. Nothing was recorded.", 400);
            var (walk, error) = await desk.ChooseAsync(http.User.CustomerId()!, wizardId, stepId, choice, ct);
            return error switch
            {
                WizardWalkError.None => MeEndpoints.SeeOther(http, StepUrl(wizardId, walk!.Step.Step.Id)),
                WizardWalkError.ChoiceNotOffered => MeEndpoints.Message(http, "Choose one of the answers",
                    "That answer is not offered on this step (the guide may have changed meanwhile). Nothing was recorded.", 400, StepUrl(wizardId, stepId), "Back to the step"),
                _ => NoSuchWizard(http),
            };
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/orders", async (HttpContext http, OrderDesk orders, ILoggerFactory loggers, CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            var quantityText = form["quantity"].ToString();
            var quantity = quantityText.Length == 0 ? 1 : int.TryParse(quantityText, NumberStyles.None, CultureInfo.InvariantCulture, out var q) ? q : -1;
            var customerId = http.User.CustomerId()!;
            var (order, error) = await orders.PlaceAsync(customerId, form["item"].ToString(), quantity, ct);
            switch (error)
            {
                case OrderError.None:
                    var log = loggers.CreateLogger(typeof(SelfHelpPortal));
                    LogOrderPlaced(log, customerId, order!.OrderId, order.ItemId);
                    return MeEndpoints.SeeOther(http, "/me?notice=order-placed#order");
                case OrderError.BadQuantity:
                    return MeEndpoints.Message(http, "This order was not placed",
                        $"Give a quantity from 1 to {OrderDesk.MaxQuantity}. Nothing was ordered.", 400, "/me#order", "Back to ordering");
                default:
                    return MeEndpoints.Message(http, "This order was not placed",
                        "That item is not offered to you: parts and services are offered for products you bought recently. Nothing was ordered.",
                        StatusCodes.Status404NotFound, "/me#order", "Back to ordering");
            }
        }).RequireAuthorization(CustomerPortal.Policy);
        return app;
    }

    private static string StepUrl(string wizardId, string stepId) => "/me/wizard/" + Uri.EscapeDataString(wizardId) + "/" + Uri.EscapeDataString(stepId);

    private static async Task<(PersonalWizard Wizard, SelfHelpProfile Profile)?> FindAsync(HttpContext http, WizardDesk desk, string wizardId,
        CancellationToken ct)
    {
        if (await desk.ForCustomerAsync(http.User.CustomerId()!, ct) is not { } mine) return null;
        var wizard = mine.Wizards.FirstOrDefault(w => string.Equals(w.Content.Id, wizardId, StringComparison.Ordinal));
        return wizard is null ? null : (wizard, mine.Profile);
    }

    private static IResult NoSuchWizard(HttpContext http) => MeEndpoints.Message(http, "No such guide",
        "There is no guide or step at this address for you (it may have been withdrawn). Nothing was recorded.", StatusCodes.Status404NotFound);

    /// <summary>One step: its text, its ending (answer, download, order form, live help) and its choices as buttons of one form.</summary>
    private static async Task<IResult> StepPageAsync(HttpContext http, PersonalWizard wizard, PersonalStep step, OrderDesk orders, CancellationToken ct)
    {
        var settings = http.RequestServices.GetRequiredService<PortalSettings>();
        var csrf = MeEndpoints.CsrfField(http);
        var s = step.Step;
        var sb = new StringBuilder(4096);
        Head(sb, $"{s.Title} – {wizard.Content.Title} – {settings.SiteName}");
        sb.Append("<header><p class=\"site\">").Append(E(settings.SiteName)).Append("</p><form method=\"post\" action=\"/me/sign-out\">").Append(csrf)
          .Append("<button type=\"submit\" class=\"secondary\">Sign out</button></form></header>");
        sb.Append("<nav aria-label=\"Where you are\"><ul><li><a href=\"/me#self-help\">Your page</a></li><li><a href=\"")
          .Append(E(StepUrl(wizard.Content.Id, wizard.Content.Start))).Append("\">").Append(E(wizard.Content.Title)).Append(": first step</a></li></ul></nav>");
        sb.Append("<main class=\"wizard\"><p class=\"hint\" id=\"wizard-title\">").Append(E(wizard.Content.Title)).Append("</p><h1 id=\"step-title\">")
          .Append(E(s.Title)).Append("</h1>");
        if (s.Text is { Length: > 0 } text) sb.Append("<p id=\"step-text\">").Append(E(text)).Append("</p>");
        if (s.Ending is { } ending) await EndingAsync(sb, http, ending, csrf, orders, ct);
        if (step.Choices.Count > 0)
        {
            sb.Append("<form method=\"post\" id=\"choices\" action=\"").Append(E(StepUrl(wizard.Content.Id, s.Id))).Append("/choose\">").Append(csrf)
              .Append("<fieldset><legend>").Append(s.Ending is null ? "Choose what fits" : "Still need help?").Append("</legend><ul class=\"choices\">");
            foreach (var (index, choice) in step.Choices)
                sb.Append("<li><button type=\"submit\" name=\"choice\" value=\"").Append(index.ToString(CultureInfo.InvariantCulture)).Append("\">")
                  .Append(E(choice.Label)).Append("</button></li>");
            sb.Append("</ul></fieldset></form>");
        }
        sb.Append("</main>");
        Foot(sb);
        return Results.Text(sb.ToString(), "text/html; charset=utf-8");
    }

    private static async Task EndingAsync(StringBuilder sb, HttpContext http, WizardEnding ending, string csrf, OrderDesk orders, CancellationToken ct)
    {
        sb.Append("<div class=\"ending\" id=\"ending\" data-kind=\"").Append(ending.Kind.ToString().ToLowerInvariant()).Append("\">");
        // An answer's text was already shown as the step's text when the step has none of its own.
        if (ending.Text is { Length: > 0 } note) sb.Append("<p>").Append(E(note)).Append("</p>");
        switch (ending.Kind)
        {
            case WizardEndingKind.Download when ending.File is { Length: > 0 } file:
                var href = SelfHelpContent.Prefix + "/" + string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
                sb.Append("<p><a id=\"download\" href=\"").Append(E(href)).Append("\" download>Download ").Append(E(Path.GetFileName(file))).Append("</a></p>");
                break;
            case WizardEndingKind.Order when ending.CatalogueItem is { } itemId:
                var offered = await orders.OfferAsync(http.User.CustomerId()!, ct) ?? [];
                if (offered.FirstOrDefault(i => string.Equals(i.Id, itemId, StringComparison.Ordinal)) is { } item)
                {
                    sb.Append("<ul class=\"catalogue\">");
                    OrderingSection.OrderForm(sb, csrf, item, "wizard");
                    sb.Append("</ul>");
                }
                else
                {
                    sb.Append("<p id=\"not-offered\">This can be ordered online only for products bought recently. <a href=\"/\">Ask us</a> and we will help.</p>");
                }
                break;
            case WizardEndingKind.LiveHelp:
                sb.Append("<p><a id=\"live-help\" href=\"/").Append(ending.Topic is { Length: > 0 } topic ? "?topic=" + E(Uri.EscapeDataString(topic)) : "")
                  .Append("\">Get live help</a></p>");
                break;
        }
        sb.Append("</div>");
    }

    [LoggerMessage(EventId = 17500, Level = LogLevel.Information, Message = "Customer {CustomerId} placed order {OrderId} for {ItemId} on their page")]
    private static partial void LogOrderPlaced(ILogger logger, string customerId, string orderId, string itemId);
}
