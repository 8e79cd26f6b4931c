using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Ccgw.Systemd.Tests;

public sealed class HostingIntegrationTests
{
    [Fact]
    public async Task STOPPING_is_sent_when_the_application_starts_stopping()
    {
        var socket = new RecordingNotifier();
        var notifications = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: false);
        using var lifetime = new FakeLifetime();
        using var service = new SystemdStoppingNotificationService(notifications, lifetime);
        await service.StartAsync(CancellationToken.None);
        Assert.Equal(0, socket.Pending);

        lifetime.StopApplication();

        Assert.Equal("STOPPING=1", socket.Take());
    }

    [Fact]
    public void AddSystemdNotify_wires_notifier_settings_gate_and_hosted_services_from_the_environment()
    {
        var environment = new FakeEnvironment();
        environment.Variables["WATCHDOG_USEC"] = "8000000";
        var services = new ServiceCollection();
        services.AddSingleton<ISystemdEnvironment>(environment);
        services.AddSingleton<ISystemdNotifier>(new RecordingNotifier());
        services.AddSingleton<IHostApplicationLifetime, FakeLifetime>();
        services.AddLogging();
        services.AddSystemdNotify();
        services.AddSystemdNotify(); // idempotent

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var notifications = provider.GetRequiredService<SystemdNotifications>();
        Assert.True(notifications.IsEnabled);
        // The test host's parent is not systemd, so the library's SystemdLifetime is not active: READY is ours to send.
        Assert.False(notifications.LifetimeSendsReadyAndStopping);
        Assert.Equal(TimeSpan.FromSeconds(4), provider.GetRequiredService<WatchdogSettings>().PingInterval);
        Assert.True(provider.GetRequiredService<IWatchdogHealthGate>().IsHealthy);
        var hosted = provider.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        Assert.Equal([typeof(SystemdWatchdogService), typeof(SystemdStoppingNotificationService)], hosted);
    }

    [Fact]
    public void Without_a_notifier_of_its_own_the_library_client_reads_NOTIFY_SOCKET()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostApplicationLifetime, FakeLifetime>();
        services.AddSystemdNotify();

        using var provider = services.BuildServiceProvider();

        Assert.IsType<SystemdNotifier>(provider.GetRequiredService<ISystemdNotifier>());
        Assert.Equal(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")),
            provider.GetRequiredService<SystemdNotifications>().IsEnabled);
    }
}
