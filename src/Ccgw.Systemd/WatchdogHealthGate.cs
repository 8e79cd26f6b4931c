namespace Ccgw.Systemd;

/// <summary>
/// Decides whether the daemon deserves a watchdog ping. When it reports unhealthy, pings stop and systemd
/// restarts the service after the watchdog timeout — the point of a watchdog on a wedged process.
/// </summary>
public interface IWatchdogHealthGate
{
    bool IsHealthy { get; }
}

/// <summary>Adapts a delegate, e.g. <c>new DelegateWatchdogHealthGate(() => sipTransport.IsRunning)</c>.</summary>
public sealed class DelegateWatchdogHealthGate(Func<bool> isHealthy) : IWatchdogHealthGate
{
    private readonly Func<bool> _isHealthy = isHealthy ?? throw new ArgumentNullException(nameof(isHealthy));

    public bool IsHealthy => _isHealthy();
}

/// <summary>Used when the daemon registers no gate: a live process is considered healthy.</summary>
internal sealed class AlwaysHealthyWatchdogGate : IWatchdogHealthGate
{
    public bool IsHealthy => true;
}
