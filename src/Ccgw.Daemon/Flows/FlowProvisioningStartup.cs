using Ccgw.Core.Flows;
using Ccgw.Core.Provisioning;
using Ccgw.Core.Repositories;

namespace Ccgw.Daemon.Flows;

/// <summary>
/// After storage is open and the core runs, before the trunks (whose DIDs name flows) and the listeners: the
/// configuration file's flows are applied over the store (seeding an empty one), so the first call or chat starts in the
/// flows as provisioned.
/// </summary>
internal sealed class FlowProvisioningStartup(FlowProvisioningService flows, GatewayOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => flows.ApplyFileAsync(options, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Registers the daemon's one flow catalogue (the voice path and the IM bot read it), the service (also as the admin
    /// API's <see cref="IFlowProvisioning"/>) and this start step. The store is the engine's (<see cref="StorageComposition"/>).
    /// </summary>
    public static void Add(IServiceCollection services, GatewayOptions options, ConfigContext context)
    {
        // The file's flows until the store's are applied at start (then provisioning and reload replace them).
        services.AddSingleton(_ => CoreDefinitions.FlowCatalog(options, context));
        services.AddSingleton(sp => new FlowProvisioningService(sp.GetRequiredService<IFlowProvisioningStore>(), sp.GetRequiredService<FlowCatalog>(),
            options, async ct => [.. (await sp.GetRequiredService<ProvisioningService>().ListQueuesAsync(ct)).Select(q => q.Id)],
            () => sp.GetRequiredService<ITrunkProvisioning>().ListDids(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FlowProvisioningService>>()));
        services.AddSingleton<IFlowProvisioning>(sp => sp.GetRequiredService<FlowProvisioningService>());
        services.AddHostedService<FlowProvisioningStartup>();
    }
}
