using System.Text;
using Ccgw.Core.Repositories;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// <c>GET /me</c> (the sections in order) and its forms: details, a call-back's move and cancel, sign-out. Every POST
/// checks the antiforgery token first: a forged or missing one gets a 400 page and changes nothing. Successful forms
/// answer 303 back to the page (post/redirect/get), failed ones the page again with the errors.
/// </summary>
internal static class MeEndpoints
{
    /// <summary>HttpContext item: the details form as posted, so that the form shows it again with its errors.</summary>
    internal const string PostedDetailsKey = "ccgw:portal:details";

    /// <summary>Largest form body read; the fields' own limits are far below it.</summary>
    public const int MaxFormBytes = 16 * 1024;

    private static readonly Dictionary<string, (string Section, string Text)> Notices = new(StringComparer.Ordinal)
    {
        ["details-saved"] = (DetailsSection.SectionId, "Your details were saved."),
        ["details-unchanged"] = (DetailsSection.SectionId, "Nothing to change: your details are as they were."),
        ["callback-cancelled"] = (CallbacksSection.SectionId, "The call-back was cancelled."),
        ["callback-moved"] = (CallbacksSection.SectionId, "The call-back was moved."),
        ["alerts-saved"] = (AlertMediumSection.SectionId, "Your choice was saved."),
        ["invitation-declined"] = (InvitationsSection.SectionId, "You declined the invitation."),
        ["agent-invited"] = (InvitationsSection.SectionId, "Your invitation was sent; the chat opens here when the agent accepts."),
        ["order-placed"] = (OrderingSection.SectionId, "Your order was placed; it is listed under your orders with its status."),
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/me", async (string? notice, HttpContext http, CancellationToken ct) =>
        {
            var feedback = notice is not null && Notices.TryGetValue(notice, out var n) ? new MeFeedback(n.Section, null, n.Text) : null;
            return await PageAsync(http, feedback, 200, ct);
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/details", async (HttpContext http, ICustomerAccountStore accounts, TimeProvider time, CancellationToken ct) =>
        {
            if (await RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            var input = DetailsForm.Input.From(form);
            var id = http.User.CustomerId()!;
            var details = DetailsForm.Validate(input, out var errors);
            if (details?.Email is { } email && await accounts.FindIdByEmailAsync(email, ct) is { } owner && owner != id)
            {
                errors["email"] = ["this address cannot be used for your account; give another"];
                details = null;
            }
            if (details is null)
            {
                http.Items[PostedDetailsKey] = input;
                return await PageAsync(http, new MeFeedback(DetailsSection.SectionId, errors, null), 400, ct);
            }
            var changes = await accounts.UpdateDetailsAsync(id, details, "customer", time.GetUtcNow(), ct);
            if (changes is null) return await SignOutAsync(http);
            return SeeOther(http, changes.Count == 0 ? "/me?notice=details-unchanged#details" : "/me?notice=details-saved#details");
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/callbacks/{id}/cancel", async (string id, HttpContext http, CustomerCallbacks mine, ICustomerRepository customers, CancellationToken ct) =>
        {
            if (await RefuseAsync(http) is { } refused) return refused;
            if (await customers.GetAsync(http.User.CustomerId()!, ct) is not { } customer) return await SignOutAsync(http);
            return await mine.CancelAsync(customer, id, ct) == CustomerCallbacks.Result.Done
                ? SeeOther(http, "/me?notice=callback-cancelled#callbacks")
                : NoSuchCallback(http);
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/callbacks/{id}/move", async (string id, HttpContext http, CustomerCallbacks mine, ICustomerRepository customers, CancellationToken ct) =>
        {
            if (await RefuseAsync(http) is { } refused) return refused;
            if (await customers.GetAsync(http.User.CustomerId()!, ct) is not { } customer) return await SignOutAsync(http);
            var form = await http.Request.ReadFormAsync(ct);
            return await mine.MoveAsync(customer, id, form["slot"], ct) switch
            {
                CustomerCallbacks.Result.Done => SeeOther(http, "/me?notice=callback-moved#callbacks"),
                CustomerCallbacks.Result.SlotUnavailable => await PageAsync(http, new MeFeedback(CallbacksSection.SectionId,
                    new Dictionary<string, string[]> { ["slot"] = ["that time is no longer offered; choose another"] }, null), 409, ct),
                _ => NoSuchCallback(http),
            };
        }).RequireAuthorization(CustomerPortal.Policy);

        app.MapPost("/me/sign-out", async (HttpContext http) =>
        {
            if (await RefuseAsync(http) is { } refused) return refused;
            return await SignOutAsync(http);
        }).RequireAuthorization(CustomerPortal.Policy);
    }

    /// <summary>The page: every registered section in order, each in its own landmark, with a table of contents.</summary>
    private static async Task<IResult> PageAsync(HttpContext http, MeFeedback? feedback, int status, CancellationToken ct)
    {
        var services = http.RequestServices;
        var customers = services.GetRequiredService<ICustomerRepository>();
        if (await customers.GetAsync(http.User.CustomerId()!, ct) is not { } customer) return await SignOutAsync(http);
        var settings = services.GetRequiredService<PortalSettings>();
        var sections = services.GetServices<IMeSection>().OrderBy(s => s.Order).ToList();
        var csrf = CsrfField(http);
        var context = new MeContext(customer, http, csrf, feedback);

        var sb = new StringBuilder(16 * 1024);
        Head(sb, (feedback?.Errors is { Count: > 0 } ? "Error: " : "") + $"Your page – {settings.SiteName}");
        sb.Append("<header><p class=\"site\">").Append(E(settings.SiteName)).Append("</p><p class=\"who\">Signed in as <strong id=\"customer-name\">")
          .Append(E(customer.Name)).Append("</strong></p><form method=\"post\" action=\"/me/sign-out\">").Append(csrf)
          .Append("<button type=\"submit\" class=\"secondary\">Sign out</button></form></header>");
        sb.Append("<nav aria-label=\"On this page\"><ul>");
        foreach (var s in sections) sb.Append("<li><a href=\"#").Append(E(s.Id)).Append("\">").Append(E(s.Title)).Append("</a></li>");
        sb.Append("</ul></nav><main><h1>Your page</h1>");
        foreach (var s in sections)
        {
            sb.Append("<section id=\"").Append(E(s.Id)).Append("\" aria-labelledby=\"").Append(E(s.Id)).Append("-title\"><h2 id=\"")
              .Append(E(s.Id)).Append("-title\">").Append(E(s.Title)).Append("</h2>");
            await s.RenderAsync(context, sb, ct);
            sb.Append("</section>");
        }
        sb.Append("</main>");
        Foot(sb);
        return Results.Text(sb.ToString(), "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>The hidden antiforgery field for this request's user (sets the antiforgery cookie when needed).</summary>
    internal static string CsrfField(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return "<input type=\"hidden\" name=\"" + E(tokens.FormFieldName) + "\" value=\"" + E(tokens.RequestToken) + "\">";
    }

    /// <summary>
    /// Null when the form may be handled; else the answer: 415 for a body that is not a form (or too large), 400 for a
    /// missing or forged antiforgery token. Checked before anything is read or changed.
    /// </summary>
    internal static async Task<IResult?> RefuseAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType || http.Request.ContentLength > MaxFormBytes)
            return Results.Problem(statusCode: 415, title: "post the form (application/x-www-form-urlencoded)");
        if (await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http)) return null;
        return Message(http, "This form was not accepted",
            "It had expired or did not come from this site's own page, so nothing was changed.", StatusCodes.Status400BadRequest);
    }

    /// <summary>A short page saying what happened (errors: announced with role=alert), with a way back.</summary>
    internal static IResult Message(HttpContext http, string title, string text, int status, string back = "/me", string backText = "Back to your page")
    {
        var settings = http.RequestServices.GetRequiredService<PortalSettings>();
        var sb = new StringBuilder(1024);
        Head(sb, $"{title} – {settings.SiteName}");
        sb.Append("<main><h1>").Append(E(title)).Append("</h1><p").Append(status >= 400 ? " role=\"alert\"" : "").Append('>').Append(E(text))
          .Append("</p><p><a href=\"").Append(E(back)).Append("\">").Append(E(backText)).Append("</a></p></main>");
        Foot(sb);
        return Results.Text(sb.ToString(), "text/html; charset=utf-8", statusCode: status);
    }

    private static IResult NoSuchCallback(HttpContext http) => Message(http, "No such call-back",
        "You have no pending call-back at this address (it may have been done or cancelled meanwhile). Nothing was changed.", StatusCodes.Status404NotFound);

    private static async Task<IResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(CustomerPortal.Scheme);
        return SeeOther(http, "/me/sign-in?signedOut=1");
    }

    /// <summary>303: the browser follows a form POST with a GET (RFC 9110 §15.4.4).</summary>
    internal static IResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }
}
