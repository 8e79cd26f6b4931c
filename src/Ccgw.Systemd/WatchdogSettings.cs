using System.Globalization;

namespace Ccgw.Systemd;

/// <summary>
/// The watchdog contract from <c>$WATCHDOG_USEC</c> / <c>$WATCHDOG_PID</c>, following sd_watchdog_enabled(3):
/// enabled when WATCHDOG_USEC is a positive integer and WATCHDOG_PID is unset or equals our PID.
/// Pings are due every half timeout, as the man page recommends.
/// </summary>
public sealed class WatchdogSettings
{
    public const string UsecVariable = "WATCHDOG_USEC";
    public const string PidVariable = "WATCHDOG_PID";

    private WatchdogSettings(TimeSpan timeout, string? disabledReason)
    {
        Timeout = timeout;
        DisabledReason = disabledReason;
    }

    public bool IsEnabled => DisabledReason is null;

    /// <summary>The timeout systemd enforces; zero when disabled.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Half of <see cref="Timeout"/>.</summary>
    public TimeSpan PingInterval => Timeout / 2;

    /// <summary>Why the watchdog is off (for the startup log); null when enabled.</summary>
    public string? DisabledReason { get; }

    public static WatchdogSettings FromEnvironment(ISystemdEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var usec = environment.GetVariable(UsecVariable);
        if (usec is null) return Disabled($"{UsecVariable} is not set");
        // Like systemd: digits only, non-zero, and not "infinity" (UINT64_MAX); we also need it to fit a TimeSpan.
        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds)
            || microseconds == 0 || microseconds > (ulong)(TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMicrosecond))
            return Disabled($"{UsecVariable}='{usec}' is not a usable positive number of microseconds");

        var pid = environment.GetVariable(PidVariable);
        if (pid is not null)
        {
            if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var watchdogPid) || watchdogPid <= 0)
                return Disabled($"{PidVariable}='{pid}' is not a process id");
            if (watchdogPid != environment.ProcessId)
                return Disabled($"{PidVariable}={watchdogPid} is another process (we are {environment.ProcessId})");
        }
        return new WatchdogSettings(TimeSpan.FromTicks((long)microseconds * TimeSpan.TicksPerMicrosecond), null);
    }

    private static WatchdogSettings Disabled(string reason) => new(TimeSpan.Zero, reason);
}
