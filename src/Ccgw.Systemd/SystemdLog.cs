using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd;

internal static partial class SystemdLog
{
    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Sending '{State}' to the systemd notify socket failed")]
    public static partial void SendFailed(ILogger logger, string state, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "systemd watchdog disabled: {Reason}")]
    public static partial void WatchdogDisabled(ILogger logger, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "systemd watchdog enabled: timeout {Timeout}, pinging every {Interval}")]
    public static partial void WatchdogEnabled(ILogger logger, TimeSpan timeout, TimeSpan interval);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Daemon unhealthy: withholding systemd watchdog pings")]
    public static partial void WatchdogWithheld(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Daemon healthy again: systemd watchdog pings resumed")]
    public static partial void WatchdogResumed(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Watchdog health gate threw; treating the daemon as unhealthy")]
    public static partial void HealthGateFailed(ILogger logger, Exception exception);
}
