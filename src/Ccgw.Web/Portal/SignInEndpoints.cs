using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Ccgw.Web.Portal.PortalHtml;

namespace Ccgw.Web.Portal;

/// <summary>
/// <c>/me/sign-in</c>: ask for a mailed link, or sign in with the XMPP account. Opening a mailed link shows a button
/// that signs in (a POST): mail scanners that fetch every link in a message must not use up the customer's one use.
/// Every form carries the antiforgery token; every POST is rate-limited per client address.
/// </summary>
internal static class SignInEndpoints
{
    private static readonly IReadOnlyList<(string Field, string Label)> LinkLabels = [("email", "E-mail address")];
    private static readonly IReadOnlyList<(string Field, string Label)> XmppLabels = [("user", "Chat login name"), ("password", "Password")];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/me/sign-in", async (string? sent, string? signedOut, HttpContext http) =>
        {
            // Anonymous endpoint: the customer scheme is not the default, so ask it whether a session is there.
            if ((await http.AuthenticateAsync(CustomerPortal.Scheme)).Principal?.CustomerId() is not null) return MeEndpoints.SeeOther(http, "/me");
            var notice = sent is not null
                ? "If this address belongs to one of our customers, a sign-in link is on its way to it. It works once, for a short time."
                : signedOut is not null ? "You are signed out." : null;
            return Form(http, notice, null, null, null, 200);
        });

        app.MapPost("/me/sign-in/link", async (HttpContext http, SignInLinks links, CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            var email = form["email"].ToString().Trim();
            if (!DetailsForm.IsEmail(email))
                return Form(http, null, new Dictionary<string, string[]> { ["email"] = [$"give your e-mail address, like name@example.com (at most {DetailsForm.MaxEmailLength} characters)"] },
                    null, email, 400);
            // Known or not, the same answer at once: the lookup, the link and the mail happen in the background.
            links.Request(email);
            return MeEndpoints.SeeOther(http, "/me/sign-in?sent=1");
        }).RequireRateLimiting(CustomerPortal.SignInRateLimit);

        app.MapGet("/me/sign-in/link", (string? token, HttpContext http) =>
        {
            if (!SignInLinks.IsTokenShape(token))
                return MeEndpoints.Message(http, "This sign-in link does not work", "The link is incomplete. Copy the whole link from the message, or ask for a new one.",
                    StatusCodes.Status400BadRequest, "/me/sign-in", "Ask for a new link");
            var settings = http.RequestServices.GetRequiredService<PortalSettings>();
            var sb = new StringBuilder(2048);
            Head(sb, $"Sign in – {settings.SiteName}");
            sb.Append("<main><h1>Sign in</h1><p>Press the button to sign in to your page. The link works once.</p>")
              .Append("<form method=\"post\" action=\"/me/sign-in/link/confirm\">").Append(MeEndpoints.CsrfField(http))
              .Append("<input type=\"hidden\" name=\"token\" value=\"").Append(E(token)).Append("\">")
              .Append("<button type=\"submit\">Sign in</button></form></main>");
            Foot(sb);
            return Results.Text(sb.ToString(), "text/html; charset=utf-8");
        });

        app.MapPost("/me/sign-in/link/confirm", async (HttpContext http, SignInLinks links, CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            return await links.ConsumeAsync(form["token"], ct) is { } customerId
                ? await SignInAsync(http, customerId, "link")
                : MeEndpoints.Message(http, "This sign-in link does not work", "It has expired or was used already. Ask for a new one.",
                    StatusCodes.Status400BadRequest, "/me/sign-in", "Ask for a new link");
        }).RequireRateLimiting(CustomerPortal.SignInRateLimit);

        app.MapPost("/me/sign-in/xmpp", async (HttpContext http, XmppSignIn xmpp, CancellationToken ct) =>
        {
            if (await MeEndpoints.RefuseAsync(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(ct);
            var user = form["user"].ToString();
            var (outcome, customerId) = await xmpp.CheckAsync(user, form["password"], http.Connection.RemoteIpAddress, ct);
            return outcome switch
            {
                XmppSignIn.Outcome.SignedIn => await SignInAsync(http, customerId!, "xmpp"),
                XmppSignIn.Outcome.TooMany => Form(http, null, null, new Dictionary<string, string[]> { ["password"] = ["too many failed attempts for this login name; try again in a minute"] },
                    null, StatusCodes.Status429TooManyRequests, user),
                _ => Form(http, null, null, new Dictionary<string, string[]> { ["password"] = ["the login name or the password is wrong"] }, null, 400, user),
            };
        }).RequireRateLimiting(CustomerPortal.SignInRateLimit);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, string customerId, string method)
    {
        var identity = new ClaimsIdentity([new Claim(CustomerPortal.ClaimType, customerId), new Claim("ccgw:sign-in", method)], CustomerPortal.Scheme);
        // A session cookie (gone when the browser closes) whose ticket also ends after the idle time (sliding).
        await http.SignInAsync(CustomerPortal.Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return MeEndpoints.SeeOther(http, "/me");
    }

    private static IResult Form(HttpContext http, string? notice, IReadOnlyDictionary<string, string[]>? linkErrors,
        IReadOnlyDictionary<string, string[]>? xmppErrors, string? email, int status, string? user = null)
    {
        var settings = http.RequestServices.GetRequiredService<PortalSettings>();
        var csrf = MeEndpoints.CsrfField(http);
        var sb = new StringBuilder(4096);
        Head(sb, (linkErrors ?? xmppErrors) is { Count: > 0 } ? $"Error: sign in – {settings.SiteName}" : $"Sign in – {settings.SiteName}");
        sb.Append("<main><h1>Sign in to your page</h1>");
        if (notice is not null) sb.Append("<p class=\"notice\" role=\"status\" id=\"sign-in-notice\">").Append(E(notice)).Append("</p>");
        sb.Append("<section aria-labelledby=\"link-title\"><h2 id=\"link-title\">With a link by e-mail</h2>");
        ErrorSummary(sb, "link", linkErrors, LinkLabels);
        sb.Append("<form method=\"post\" action=\"/me/sign-in/link\" novalidate>").Append(csrf);
        Input(sb, "link", "email", "E-mail address", "email", email, DetailsForm.MaxEmailLength, linkErrors,
            hint: "We send a link that signs you in; it works once, for a short time.", autocomplete: "email", required: true);
        sb.Append("<button type=\"submit\">Send me a link</button></form></section>");
        sb.Append("<section aria-labelledby=\"xmpp-title\"><h2 id=\"xmpp-title\">With your chat account</h2>");
        ErrorSummary(sb, "xmpp", xmppErrors, XmppLabels);
        sb.Append("<form method=\"post\" action=\"/me/sign-in/xmpp\" novalidate>").Append(csrf);
        Input(sb, "xmpp", "user", "Chat login name", "text", user, XmppSignIn.MaxUserLength, xmppErrors,
            hint: $"Your chat address, e.g. name@{settings.XmppDomain}, or the name before the @", autocomplete: "username", required: true);
        Input(sb, "xmpp", "password", "Password", "password", null, XmppSignIn.MaxPasswordLength, xmppErrors, autocomplete: "current-password", required: true);
        sb.Append("<button type=\"submit\">Sign in</button></form></section></main>");
        Foot(sb);
        return Results.Text(sb.ToString(), "text/html; charset=utf-8", statusCode: status);
    }
}
