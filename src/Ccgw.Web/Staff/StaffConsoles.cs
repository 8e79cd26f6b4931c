using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Ccgw.Core;
using Ccgw.Core.Security;
using Ccgw.Web.Edge;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ccgw.Web.Staff;

/// <summary>
/// The staff side in the browser (issue 19): sign-in at <c>/console/sign-in</c> against the same staff logins and the
/// same kind of failure limiter as MQTT and XMPP, a cookie session (scheme <c>ccgw-staff</c>), the agent console at
/// <c>/console</c>, the supervisor console at <c>/supervisor</c>, and a one-time MQTT credential per connection
/// (<c>GET /console/api/mqtt-credential</c>) so the page never holds the password. The consoles then talk MQTT over
/// <c>/mqtt</c> like any other client: every command passes the broker's ACL and the gateway's validation.
/// </summary>
public static partial class StaffConsoles
{
    public const string Scheme = "ccgw-staff";
    internal const string SessionClaim = "ccgw-sid";
    internal const string AgentRole = "agent";
    internal const string SupervisorRole = "supervisor";
    private const int MaxFormBytes = 4096;

    /// <summary>Registers the cookie scheme, antiforgery and the consoles' services; call from the composition root.</summary>
    public static IServiceCollection AddStaffConsoles(this IServiceCollection services, StaffConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton<StaffMqttTokens>();
        services.AddFormProtection();
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = Scheme;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the request came over TLS (Listeners:Https); plain HTTP stays usable on the demo's loopback.
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.ExpireTimeSpan = options.Session;
            // A shift's session ends when it ends: no sliding renewal that would keep a forgotten tab signed in for days.
            o.SlidingExpiration = false;
            o.LoginPath = "/console/sign-in";
            o.Events.OnValidatePrincipal = context =>
            {
                // Signed out: the session's id is revoked, so a copy of the cookie kept elsewhere no longer counts.
                var sid = context.Principal?.FindFirstValue(SessionClaim);
                if (sid is null || context.HttpContext.RequestServices.GetRequiredService<StaffMqttTokens>().IsRevoked(sid))
                    context.RejectPrincipal();
                return Task.CompletedTask;
            };
        });
        return services;
    }

    public static void MapStaffConsoles(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/sign-in", (string? next, HttpContext http, IAntiforgery csrf) =>
            Html(StaffPages.SignIn(csrf.GetAndStoreTokens(http).RequestToken!, SafeNext(next), null, null), 200));

        app.MapPost("/console/sign-in", SignInAsync);

        app.MapPost("/console/sign-out", async (HttpContext http, IAntiforgery csrf, StaffMqttTokens tokens) =>
        {
            if (!await csrf.IsRequestValidAsync(http)) return Results.BadRequest();
            var user = await Staff(http);
            if (user?.FindFirstValue(SessionClaim) is { } sid) tokens.RevokeSession(sid);
            await http.SignOutAsync(Scheme);
            return Results.Redirect("/console/sign-in");
        });

        app.MapGet("/console", async (HttpContext http, IAntiforgery csrf) =>
        {
            if (await Staff(http) is not { } user) return Results.Redirect("/console/sign-in?next=/console");
            if (!user.IsInRole(AgentRole)) return Results.Redirect("/supervisor");
            return Html(StaffPages.Console(Id(user), csrf.GetAndStoreTokens(http).RequestToken!), 200);
        });

        app.MapGet("/supervisor", async (HttpContext http, IAntiforgery csrf) =>
        {
            if (await Staff(http) is not { } user) return Results.Redirect("/console/sign-in?next=/supervisor");
            if (!user.IsInRole(SupervisorRole)) return Html(StaffPages.Forbidden(Id(user)), 403);
            return Html(StaffPages.Supervisor(Id(user), csrf.GetAndStoreTokens(http).RequestToken!), 200);
        });

        // Documented (OpenAPI) as answering 401 problem JSON without a staff session, as the filter does.
        var api = app.MapGroup("/console/api").AddEndpointFilter(RequireStaff).ProducesProblem(StatusCodes.Status401Unauthorized);
        // What the page needs besides MQTT: who it is, the reason codes, the wrap-up time, queues and alert thresholds.
        api.MapGet("/session", (HttpContext http, StaffConsoleOptions options) =>
        {
            var user = http.User;
            return Results.Ok(new
            {
                staffId = Id(user),
                role = user.IsInRole(SupervisorRole) ? SupervisorRole : AgentRole,
                notReadyReasons = options.NotReadyReasons,
                wrapUpSeconds = options.WrapUpSeconds,
                queues = options.Queues,
                xmppDomain = options.XmppDomain,
                alerts = new { serviceLevelBelow = options.ServiceLevelAlertBelow, longestWaitSeconds = options.LongestWaitAlertSeconds },
            });
        });
        // One token per MQTT connection: a page asks again before each reconnect (after a restart the old ones are gone).
        api.MapGet("/mqtt-credential", (HttpContext http, StaffMqttTokens tokens, TimeProvider time) =>
        {
            var user = http.User;
            var id = Id(user);
            if (tokens.Issue(id, user.FindFirstValue(SessionClaim)!) is not { } token)
                return Results.Problem(statusCode: 401, title: "signed out");
            return Results.Ok(new
            {
                username = id,
                password = token,
                clientId = $"{id}-web-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}",
                expiresAt = (time.GetUtcNow() + StaffMqttTokens.Lifetime).ToString("O", CultureInfo.InvariantCulture),
            });
        });

        var supervisor = app.MapGroup("/supervisor/api").AddEndpointFilter(RequireSupervisor)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        // The live order of every queue and the interactions agents hold: a read the wallboard repeats when MQTT says
        // something changed (queue statistics, presence), so it follows the core without polling.
        supervisor.MapGet("/interactions", async (RoutingEngine engine, StaffConsoleOptions options, CancellationToken ct) =>
            Results.Ok(await LiveInteractions.ReadAsync(engine, options, ct)));
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery csrf, ILoginDirectory staff,
        AuthFailureLimiter limiter, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType || http.Request.ContentLength > MaxFormBytes)
            return Results.Problem(statusCode: 415, title: "post the sign-in form");
        if (!await csrf.IsRequestValidAsync(http))
            return Html(StaffPages.SignIn(csrf.GetAndStoreTokens(http).RequestToken!, "/console", null,
                "The form had expired. Please sign in again."), 400);
        var form = await http.Request.ReadFormAsync(ct);
        var user = form["user"].ToString().Trim();
        var password = form["password"].ToString();
        var next = SafeNext(form["next"]);
        var address = http.Connection.RemoteIpAddress;
        // The live directory: an agent provisioned through the admin API signs in at once (issue 20).
        var login = staff.Find(user);
        var counted = login?.Id ?? AuthFailureLimiter.UnknownUser;
        var log = loggers.CreateLogger("Ccgw.Web.Staff");
        var token = csrf.GetAndStoreTokens(http).RequestToken!;
        if (!limiter.IsAllowed(address, counted, out var retry))
        {
            LogThrottled(log, address);
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Html(StaffPages.SignIn(token, next, user, "Too many failed sign-ins. Wait a minute and try again."), 429);
        }
        if (login is null || password.Length == 0 || !login.Credential.Verify(password))
        {
            limiter.RecordFailure(address, counted);
            LogRefused(log, user, address);
            return Html(StaffPages.SignIn(token, next, user, "Wrong user name or password."), 401);
        }
        var role = login.Role == StaffRole.Supervisor ? SupervisorRole : AgentRole;
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, login.Id),
            new Claim(ClaimTypes.Role, role),
            new Claim(SessionClaim, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
        ], Scheme, ClaimTypes.NameIdentifier, ClaimTypes.Role);
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
        LogSignedIn(log, login.Id, role);
        return Results.Redirect(role == SupervisorRole ? "/supervisor" : next == "/supervisor" ? "/console" : next);
    }

    private static async ValueTask<object?> RequireStaff(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (await Staff(context.HttpContext) is not { } user) return Results.Problem(statusCode: 401, title: "sign in at /console/sign-in");
        context.HttpContext.User = user;
        return await next(context);
    }

    private static async ValueTask<object?> RequireSupervisor(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (await Staff(context.HttpContext) is not { } user) return Results.Problem(statusCode: 401, title: "sign in at /console/sign-in");
        if (!user.IsInRole(SupervisorRole)) return Results.Problem(statusCode: 403, title: "supervisors only");
        context.HttpContext.User = user;
        return await next(context);
    }

    /// <summary>The staff session of this request, if any (authenticated here, so no default scheme is needed).</summary>
    private static async Task<ClaimsPrincipal?> Staff(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        return result.Succeeded ? result.Principal : null;
    }

    private static string Id(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier)!;

    /// <summary>Only the two consoles are places to go after sign-in: never an address a link chose (open redirect).</summary>
    private static string SafeNext(string? next) => next == "/supervisor" ? "/supervisor" : "/console";

    private static IResult Html(string html, int status) => Results.Content(html, "text/html; charset=utf-8", statusCode: status);

    [LoggerMessage(EventId = 19110, Level = LogLevel.Information, Message = "console sign-in of {User} ({Role})")]
    private static partial void LogSignedIn(ILogger logger, string user, string role);

    [LoggerMessage(EventId = 19111, Level = LogLevel.Warning, Message = "console sign-in of '{User}' from {Address} refused: bad user name or password")]
    private static partial void LogRefused(ILogger logger, string user, IPAddress? address);

    [LoggerMessage(EventId = 19112, Level = LogLevel.Warning, Message = "console sign-in from {Address} refused: too many failed sign-ins, wait a minute")]
    private static partial void LogThrottled(ILogger logger, IPAddress? address);
}
