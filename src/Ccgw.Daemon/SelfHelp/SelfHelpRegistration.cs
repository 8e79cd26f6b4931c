using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Sqlite;
using Ccgw.Web.Admin;
using Ccgw.Web.Orders;
using Ccgw.Web.Portal;
using Ccgw.Web.Wizard;

namespace Ccgw.Daemon.SelfHelp;

/// <summary>
/// Wires the self-help wizard, the catalogue and ordering (issue 17) to SQLite and the host: repositories, the core's
/// desks, the screen pop's briefing, the seed loader, and the admin and content endpoints.
/// </summary>
internal static class SelfHelpRegistration
{
    public static void AddSelfHelp(this IServiceCollection services, GatewayOptions options)
    {
        services.AddSingleton<WizardDesk>();
        services.AddSingleton(sp => new OrderDesk(sp.GetRequiredService<ICustomerRepository>(), sp.GetRequiredService<ICatalogueRepository>(),
            sp.GetRequiredService<IOrderRepository>(), sp.GetRequiredService<TimeProvider>(), TimeSpan.FromDays(options.SelfHelp.OrderWindowDays)));
        services.AddSingleton<ISelfHelpBriefing, SelfHelpBriefing>();
        // The customer's side on /me: the Self-help and ordering sections over the desks above.
        services.AddSelfHelpPortal();
    }

    /// <summary>After the customer seed (wizards may be previewed as a seeded customer), before READY.</summary>
    public static void AddSelfHelpSeed(this IServiceCollection services) => services.AddHostedService<SelfHelpSeeder>();

    public static void MapSelfHelp(this WebApplication app, LoadedConfiguration config)
    {
        var admin = app.MapAdminGroup(app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<Core.Security.AuthFailureLimiter>());
        admin.MapWizardAdminApi();
        admin.MapOrderAdminApi();
        app.MapSelfHelpPortal();
        app.MapSelfHelpContent(config.Options.SelfHelp.ContentDirectory is { Length: > 0 } content ? config.Context.Resolve(content) : null);
    }
}
