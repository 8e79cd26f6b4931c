using System.Security.Claims;
using System.Threading.RateLimiting;
using Ccgw.Web.Edge;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Ccgw.Web.Portal;

/// <summary>
/// The customer portal (issue 17): sign-in at <c>/me/sign-in</c> (mailed one-time link or XMPP account), the session
/// cookie, CSRF protection and the personal page <c>/me</c> built from <see cref="IMeSection"/>s. Other features reach
/// the signed-in customer through <see cref="Policy"/>: an endpoint with <c>RequireAuthorization("customer")</c> sees
/// them as <c>HttpContext.User</c> with the <see cref="ClaimType"/> claim holding the customer id.
/// </summary>
public static class CustomerPortal
{
    /// <summary>The cookie authentication scheme of customers (staff have their own, "ccgw-staff").</summary>
    public const string Scheme = "ccgw-customer";

    /// <summary>The claim holding the signed-in customer's id.</summary>
    public const string ClaimType = "ccgw:customer";

    /// <summary>The authorization policy every customer endpoint requires.</summary>
    public const string Policy = "customer";

    /// <summary>Rate-limit policy of sign-in attempts per client address.</summary>
    public const string SignInRateLimit = "ccgw-sign-in";

    /// <summary>The hidden field carrying the antiforgery token in every form.</summary>
    public const string CsrfField = FormProtection.FieldName;

    /// <summary>The signed-in customer's id (null when the request has no customer session).</summary>
    public static string? CustomerId(this ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == Scheme ? user.FindFirst(ClaimType)?.Value : null;

    /// <summary>Registers the scheme, the policy, antiforgery, the sign-in limits and the page's own sections.</summary>
    public static IServiceCollection AddCustomerPortal(this IServiceCollection services, PortalSettings settings)
    {
        services.AddSingleton(settings);
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = Scheme;
            o.Cookie.HttpOnly = true;
            // Lax: the session survives a link into /me from elsewhere; every write also needs the antiforgery token.
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = settings.SessionIdle;
            o.SlidingExpiration = true;
            o.LoginPath = "/me/sign-in";
            o.LogoutPath = "/me/sign-out";
            o.AccessDeniedPath = "/me/sign-in";
            o.ReturnUrlParameter = "returnUrl";
        });
        services.AddAuthorization(o => o.AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireClaim(ClaimType)));
        services.AddFormProtection();
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(SignInRateLimit, http =>
            RateLimitPartition.GetFixedWindowLimiter(WebEdge.PartitionKey(http.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.SignInsPerAddressPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            })));
        services.AddSingleton<SignInLinks>();
        services.AddHostedService(sp => sp.GetRequiredService<SignInLinks>());
        services.AddSingleton<XmppSignIn>();
        services.AddSingleton<CustomerCallbacks>();
        services.AddSingleton<IMeSection, DetailsSection>();
        // Chat as the customer (issue 18): the window, and the one-time tokens /xmpp accepts for their account.
        services.AddSingleton<Ccgw.Core.Security.CustomerChatTokens>();
        services.AddSingleton<IMeSection, MeChatSection>();
        services.AddSingleton<IMeSection, CallbacksSection>();
        services.AddSingleton<IMeSection, CentreStatusSection>();
        services.AddSingleton<IMeSection, OrdersSection>();
        services.AddSingleton<IMeSection, HistorySection>();
        return services;
    }

    /// <summary>
    /// Invitations on /me (issue 18): the desk, who is on the page, and the section; the composition root registers
    /// an <see cref="Ccgw.Core.Repositories.IInvitationRepository"/> first.
    /// </summary>
    public static IServiceCollection AddCustomerInvitations(this IServiceCollection services)
    {
        services.AddSingleton<Ccgw.Core.Invitations.PortalPresence>();
        services.AddSingleton<Ccgw.Core.Invitations.InvitationDesk>();
        services.AddSingleton<IMeSection, InvitationsSection>();
        return services;
    }

    /// <summary>
    /// Status alerts by the customer's medium (issue 18): the section, and the loop that mails order status changes;
    /// the composition root registers an <see cref="Ccgw.Core.Repositories.IAlertMediumStore"/> and an IMailSender first.
    /// </summary>
    public static IServiceCollection AddStatusAlerts(this IServiceCollection services)
    {
        services.AddSingleton<StatusAlerts>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusAlerts>());
        services.AddSingleton<IMeSection, AlertMediumSection>();
        return services;
    }

    /// <summary>Maps <c>/me</c>, its forms, sign-in and sign-out, and <c>/assets/portal.css</c>.</summary>
    public static IEndpointRouteBuilder MapCustomerPortal(this IEndpointRouteBuilder app)
    {
        SignInEndpoints.Map(app);
        MeEndpoints.Map(app);
        MeChatSection.Map(app);
        if (app.ServiceProvider.GetService<StatusAlerts>() is not null) AlertMediumSection.Map(app);
        if (app.ServiceProvider.GetService<Ccgw.Core.Invitations.InvitationDesk>() is not null) InvitationsSection.Map(app);
        PortalAssets.Map(app);
        return app;
    }
}
