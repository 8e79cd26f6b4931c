using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Systemd;

/// <summary>
/// Sends <c>WATCHDOG=1</c> every <see cref="WatchdogSettings.PingInterval"/> while the health gate says healthy.
/// Does nothing when the watchdog or the notify socket is not configured.
/// </summary>
public sealed class SystemdWatchdogService : BackgroundService
{
    private readonly SystemdNotifications _notifier;
    private readonly WatchdogSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly IWatchdogHealthGate _healthGate;
    private readonly ILogger _logger;
    private int _withholding;
    private ITimer? _timer;

    public SystemdWatchdogService(
        SystemdNotifications notifier,
        WatchdogSettings settings,
        TimeProvider timeProvider,
        IWatchdogHealthGate? healthGate = null,
        ILogger<SystemdWatchdogService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _notifier = notifier;
        _settings = settings;
        _timeProvider = timeProvider;
        _healthGate = healthGate ?? new AlwaysHealthyWatchdogGate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Arms the ping timer before the host continues (BackgroundService runs ExecuteAsync on the thread pool
    /// since .NET 10, and the first ping must not depend on when that gets scheduled).
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_settings.IsEnabled)
            SystemdLog.WatchdogDisabled(_logger, _settings.DisabledReason!);
        else if (!_notifier.IsEnabled)
            SystemdLog.WatchdogDisabled(_logger, "WATCHDOG_USEC is set but NOTIFY_SOCKET is not usable");
        else
        {
            SystemdLog.WatchdogEnabled(_logger, _settings.Timeout, _settings.PingInterval);
            // A plain timer rather than a PeriodicTimer loop: the ping is a non-blocking datagram, and firing it
            // from the timer callback keeps every ping exactly on the TimeProvider's schedule.
            _timer = _timeProvider.CreateTimer(static state => ((SystemdWatchdogService)state!).Ping(), this,
                _settings.PingInterval, _settings.PingInterval);
        }
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        DisarmTimer();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        DisarmTimer();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is null) return;
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = stoppingToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), stopped);
        await stopped.Task;
    }

    private void DisarmTimer() => Interlocked.Exchange(ref _timer, null)?.Dispose();

    private void Ping()
    {
        if (!IsHealthy())
        {
            if (Interlocked.Exchange(ref _withholding, 1) == 0) SystemdLog.WatchdogWithheld(_logger);
            return;
        }
        if (Interlocked.Exchange(ref _withholding, 0) == 1) SystemdLog.WatchdogResumed(_logger);
        _notifier.NotifyWatchdog();
    }

    private bool IsHealthy()
    {
        try
        {
            return _healthGate.IsHealthy;
        }
        catch (Exception e) // a faulty health check must read as "unhealthy", not kill the timer thread
        {
            SystemdLog.HealthGateFailed(_logger, e);
            return false;
        }
    }
}
