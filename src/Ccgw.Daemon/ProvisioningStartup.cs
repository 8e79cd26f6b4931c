using Ccgw.Configuration;
using Ccgw.Core.Provisioning;

namespace Ccgw.Daemon;

/// <summary>
/// After storage is open and the core runs, before any protocol listener: seeds an empty provisioning store from the
/// configuration file, or applies the stored people and queue settings (the store wins once seeded). The file's people,
/// whose plain passwords cost two PBKDF2 runs each, are made only for the empty store (issue 21).
/// </summary>
internal sealed class ProvisioningStartup(ProvisioningService provisioning, GatewayOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        provisioning.StartAsync(() => CoreDefinitions.ProvisionedStaff(options, CoreDefinitions.StaffLogins(options)), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
