using Ccgw.Configuration;
using Ccgw.Core.Provisioning;
using Ccgw.Core.Security;

namespace Ccgw.Daemon;

/// <summary>
/// After storage is open and the core runs, before any protocol listener: seeds an empty provisioning store from the
/// configuration file, or applies the stored people and queue settings (the store wins once seeded).
/// </summary>
internal sealed class ProvisioningStartup(ProvisioningService provisioning, GatewayOptions options, StaffLoginDirectory logins) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        provisioning.StartAsync(CoreDefinitions.ProvisionedStaff(options, logins.All), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
