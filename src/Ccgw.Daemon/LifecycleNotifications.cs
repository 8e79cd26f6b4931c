using Ccgw.Systemd;

namespace Ccgw.Daemon;

/// <summary>
/// Ready once the host has started: ApplicationStarted fires only after every hosted service's StartAsync
/// returned (storage migrated, protocol listeners bound) and Kestrel is listening, so systemd never routes
/// traffic to a half-started daemon. Under systemd the library's SystemdLifetime sends READY=1 on that same event
/// and this adds STATUS=; with a NOTIFY_SOCKET but another parent, this sends READY=1 itself (SystemdNotifications).
/// STOPPING=1 likewise comes from the library or from the Systemd module on ApplicationStopping.
/// </summary>
internal sealed partial class LifecycleNotifications(
    IHostApplicationLifetime lifetime, SystemdNotifications notifier, DaemonState state, WebListeners web,
    ILogger<LifecycleNotifications> log) : IHostedService
{
    private CancellationTokenRegistration _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(OnStarted);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        return Task.CompletedTask;
    }

    private void OnStarted()
    {
        state.MarkListenersBound();
        var status = $"serving: {web.Describe()}";
        LogReady(log, BuildInfo.Version, status);
        notifier.NotifyReady(status);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ccgw {Version} ready ({Status})")]
    private static partial void LogReady(ILogger logger, string version, string status);
}
