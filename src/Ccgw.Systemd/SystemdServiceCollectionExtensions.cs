using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd;

public static class SystemdServiceCollectionExtensions
{
    /// <summary>
    /// Microsoft.Extensions.Hosting.Systemd's <c>AddSystemd()</c> (under systemd: SystemdLifetime sends READY=1 and
    /// STOPPING=1, console logs take the journald format), then what it lacks: <see cref="SystemdNotifications"/>
    /// (STATUS=, and READY/STOPPING when NOTIFY_SOCKET is set without systemd as parent), <see cref="WatchdogSettings"/>
    /// from the environment and the watchdog. Register an <see cref="IWatchdogHealthGate"/> to gate watchdog pings;
    /// without one the process counts as healthy. Everything is inert without NOTIFY_SOCKET.
    /// </summary>
    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSystemd();
        // AddSystemd registers the notifier only under systemd; the library's own client serves the other case too.
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISystemdEnvironment, SystemdProcessEnvironment>();
        services.TryAddSingleton(sp => new SystemdNotifications(sp.GetRequiredService<ISystemdNotifier>(),
            sp.GetService<IHostLifetime>() is SystemdLifetime, sp.GetService<ILogger<SystemdNotifications>>()));
        services.TryAddSingleton(sp => WatchdogSettings.FromEnvironment(sp.GetRequiredService<ISystemdEnvironment>()));
        services.TryAddSingleton<IWatchdogHealthGate, AlwaysHealthyWatchdogGate>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SystemdWatchdogService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SystemdStoppingNotificationService>());
        return services;
    }
}
