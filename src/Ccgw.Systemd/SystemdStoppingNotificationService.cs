using Microsoft.Extensions.Hosting;

namespace Ccgw.Systemd;

/// <summary>
/// Sends <c>STOPPING=1</c> the moment the host begins shutting down, when the library's SystemdLifetime (which
/// does the same under systemd) is not active; see <see cref="SystemdNotifications"/>.
/// </summary>
public sealed class SystemdStoppingNotificationService(SystemdNotifications notifications, IHostApplicationLifetime lifetime)
    : IHostedService, IDisposable
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(
            static state => ((SystemdNotifications)state!).NotifyStopping(), notifications);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration.Dispose();
}
