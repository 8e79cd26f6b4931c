using Ccgw.Systemd;

namespace Ccgw.Daemon;

/// <summary>
/// READY=1 once the host has started: ApplicationStarted fires only after every hosted service's StartAsync
/// returned (storage migrated, protocol listeners bound) and Kestrel is listening, so systemd never routes
/// traffic to a half-started daemon. STOPPING=1 is sent by the Systemd module on ApplicationStopping.
/// </summary>
internal sealed partial class LifecycleNotifications(
    IHostApplicationLifetime lifetime, SystemdNotifier notifier, DaemonState state, GatewayOptions options,
    ILogger<LifecycleNotifications> log) : IHostedService
{
    private CancellationTokenRegistration _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(() => _ = OnStartedAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        return Task.CompletedTask;
    }

    private async Task OnStartedAsync()
    {
        state.MarkListenersBound();
        var status = $"serving: http {options.Listeners.Http.Address}:{options.Listeners.Http.Port}";
        LogReady(log, BuildInfo.Version, status);
        await notifier.NotifyReadyAsync(status);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ccgw {Version} ready ({Status})")]
    private static partial void LogReady(ILogger logger, string version, string status);
}
