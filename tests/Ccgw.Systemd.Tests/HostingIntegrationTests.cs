using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ccgw.Systemd.Tests;

public sealed class HostingIntegrationTests
{
    [Fact]
    public async Task STOPPING_is_sent_when_the_application_starts_stopping()
    {
        using var listener = NotifySocketListener.InTempDirectory();
        using var notifier = new SystemdNotifier(listener.Environment(), TimeProvider.System);
        using var lifetime = new FakeLifetime();
        using var service = new SystemdStoppingNotificationService(notifier, lifetime);
        await service.StartAsync(CancellationToken.None);
        Assert.Equal(0, listener.Pending);

        lifetime.StopApplication();

        Assert.Equal("STOPPING=1", await listener.ReceiveAsync());
    }

    [Fact]
    public void AddSystemdNotify_wires_notifier_settings_gate_and_hosted_services_from_the_environment()
    {
        using var listener = NotifySocketListener.InTempDirectory();
        var environment = listener.Environment();
        environment.Variables["WATCHDOG_USEC"] = "8000000";
        var services = new ServiceCollection();
        services.AddSingleton<ISystemdEnvironment>(environment);
        services.AddSingleton<IHostApplicationLifetime, FakeLifetime>();
        services.AddLogging();
        services.AddSystemdNotify();
        services.AddSystemdNotify(); // idempotent

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.True(provider.GetRequiredService<SystemdNotifier>().IsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(4), provider.GetRequiredService<WatchdogSettings>().PingInterval);
        Assert.True(provider.GetRequiredService<IWatchdogHealthGate>().IsHealthy);
        var hosted = provider.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        Assert.Equal([typeof(SystemdWatchdogService), typeof(SystemdStoppingNotificationService)], hosted);
    }
}
