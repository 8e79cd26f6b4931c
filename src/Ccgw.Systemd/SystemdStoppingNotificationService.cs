using Microsoft.Extensions.Hosting;

namespace Ccgw.Systemd;

/// <summary>
/// Sends <c>STOPPING=1</c> the moment the host begins shutting down, so <c>systemctl status</c> shows
/// "deactivating" while connections drain. (READY=1 is the daemon's job, once its listeners are bound.)
/// </summary>
public sealed class SystemdStoppingNotificationService(SystemdNotifier notifier, IHostApplicationLifetime lifetime)
    : IHostedService, IDisposable
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(
            static state => ((SystemdNotifier)state!).Notify("STOPPING=1"), notifier);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration.Dispose();
}
