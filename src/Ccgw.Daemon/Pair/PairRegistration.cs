using Ccgw.Web.Admin;

namespace Ccgw.Daemon.Pair;

/// <summary>The pair's part of the full daemon: the lease keeper, metrics and status (the standby is <see cref="PairStandby"/>).</summary>
internal static class PairRegistration
{
    public static void AddPair(IServiceCollection services, PairNode? pair)
    {
        // Status is mapped with or without a pair, so the admin API (and its OpenAPI document) is the same on every node.
        services.AddSingleton(sp => new PairStatusSource(sp.GetRequiredService<DaemonState>(), pair));
        if (pair is null) return;
        services.AddSingleton(pair);
        services.AddHostedService<PairLeaseKeeper>();
        services.AddSingleton<PairMetrics>();
    }

    public static void MapPair(WebApplication app)
    {
        // Eager, like DaemonMetrics: the instruments exist from the first scrape.
        if (app.Services.GetService<PairNode>() is not null) app.Services.GetRequiredService<PairMetrics>();
        PairEndpoints.MapPairStatus(app, app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<AuthFailureLimiter>());
    }
}
