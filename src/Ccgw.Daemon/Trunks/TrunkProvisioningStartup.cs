using Ccgw.Core.Provisioning;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Voice.Edge;
using Ccgw.Voice.Trunks;

namespace Ccgw.Daemon.Trunks;

/// <summary>
/// After storage is open, before the SIP listeners: the configuration file's trunks and DIDs are applied over the
/// store (seeding an empty one), so the first INVITE is admitted and routed on the trunks as provisioned.
/// </summary>
internal sealed class TrunkProvisioningStartup(TrunkProvisioningService trunks, GatewayOptions options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) => await trunks.ApplyFileAsync(options, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Registers the live trunk list, the store, the service (also as the admin API's <see cref="ITrunkProvisioning"/>) and this start step.</summary>
    public static void Add(IServiceCollection services, GatewayOptions options)
    {
        // The file's trunks until the store's are applied at start (then provisioning and reload replace them).
        services.AddSingleton(_ => new TrunkDirectory([.. options.Trunks.Select(t => DaemonHost.Trunk(options, t))]));
        services.AddSingleton<ITrunkProvisioningStore>(sp => new SqliteTrunkProvisioningStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton(sp => new TrunkProvisioningService(sp.GetRequiredService<ITrunkProvisioningStore>(), sp.GetRequiredService<TrunkDirectory>(),
            options, id => sp.GetService<SipStackHost>()?.CallsOnTrunk(id) ?? 0, sp.GetRequiredService<Ccgw.Core.Flows.FlowCatalog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TrunkProvisioningService>>()));
        services.AddSingleton<ITrunkProvisioning>(sp => sp.GetRequiredService<TrunkProvisioningService>());
        services.AddHostedService<TrunkProvisioningStartup>();
    }
}
