using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ccgw.Web.Edge;

/// <summary>
/// ASP.NET Core antiforgery, configured once for every page with forms (the customer portal and the staff consoles).
/// Its options are global to the application: two features each configuring their own cookie and field name would
/// silently leave one of them with the other's settings, so both take these.
/// </summary>
public static class FormProtection
{
    public const string FieldName = "__csrf";
    public const string CookieName = "ccgw-csrf";
    public const string HeaderName = "X-CSRF";

    public static IServiceCollection AddFormProtection(this IServiceCollection services) =>
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = FieldName;
            o.HeaderName = HeaderName;
            // The edge sends X-Frame-Options: DENY on every answer already.
            o.SuppressXFrameOptionsHeader = true;
        });
}
