using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Ccgw.Systemd;

public static class SystemdServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SystemdNotifier"/>, <see cref="WatchdogSettings"/> (from the environment), the watchdog
    /// and STOPPING=1 hosted services. Register an <see cref="IWatchdogHealthGate"/> to gate watchdog pings;
    /// without one the process counts as healthy. Everything is inert when not run by systemd.
    /// </summary>
    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISystemdEnvironment, SystemdProcessEnvironment>();
        services.TryAddSingleton<SystemdNotifier>();
        services.TryAddSingleton(sp => WatchdogSettings.FromEnvironment(sp.GetRequiredService<ISystemdEnvironment>()));
        services.TryAddSingleton<IWatchdogHealthGate, AlwaysHealthyWatchdogGate>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SystemdWatchdogService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SystemdStoppingNotificationService>());
        return services;
    }
}
