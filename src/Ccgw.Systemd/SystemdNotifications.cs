using System.Net.Sockets;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Systemd;

/// <summary>
/// What Microsoft.Extensions.Hosting.Systemd does not send: <c>STATUS=</c> text and <c>WATCHDOG=1</c>, plus
/// <c>READY=1</c>/<c>STOPPING=1</c> when <c>NOTIFY_SOCKET</c> is set but the library's <see cref="SystemdLifetime"/>
/// is not active (it only activates when the parent process is systemd, see <see cref="SystemdHelpers.IsSystemdService"/>;
/// the interop tests and a supervisor other than systemd hand us a socket without being our parent).
/// Datagrams go through the library's <see cref="ISystemdNotifier"/>. Its send throws on socket errors; here they
/// are logged and reported as <c>false</c>: losing a status update must not take the daemon down.
/// </summary>
public sealed class SystemdNotifications
{
    private readonly ISystemdNotifier _notifier;
    private readonly ILogger _logger;

    /// <param name="notifier">The notify socket client.</param>
    /// <param name="lifetimeSendsReadyAndStopping">True when the library's <see cref="SystemdLifetime"/> is the host lifetime.</param>
    /// <param name="logger">Where send failures go.</param>
    public SystemdNotifications(ISystemdNotifier notifier, bool lifetimeSendsReadyAndStopping, ILogger<SystemdNotifications>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        _notifier = notifier;
        LifetimeSendsReadyAndStopping = lifetimeSendsReadyAndStopping;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>True when <c>$NOTIFY_SOCKET</c> is set.</summary>
    public bool IsEnabled => _notifier.IsEnabled;

    /// <summary>True when READY=1 and STOPPING=1 are the library's job (run by systemd).</summary>
    public bool LifetimeSendsReadyAndStopping { get; }

    /// <summary>
    /// Once every listener is bound: <c>STATUS=</c> with <paramref name="status"/>, preceded by <c>READY=1</c> in the
    /// same datagram unless the library's lifetime sends READY=1 itself.
    /// </summary>
    public bool NotifyReady(string status) =>
        Notify(LifetimeSendsReadyAndStopping ? Status(status) : "READY=1\n" + Status(status));

    /// <summary><c>STATUS=</c>: free text shown by <c>systemctl status</c>. Line feeds are replaced by spaces.</summary>
    public bool NotifyStatus(string status) => Notify(Status(status));

    /// <summary><c>STOPPING=1</c>, unless the library's lifetime sends it.</summary>
    public bool NotifyStopping() => !LifetimeSendsReadyAndStopping && Notify("STOPPING=1");

    /// <summary><c>WATCHDOG=1</c>: keep-alive ping.</summary>
    public bool NotifyWatchdog() => Notify("WATCHDOG=1");

    /// <summary>Sends raw assignments (newline-separated) in one datagram. False when disabled or on failure.</summary>
    public bool Notify(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!_notifier.IsEnabled) return false;
        try
        {
            _notifier.Notify(new ServiceState(state));
            return true;
        }
        catch (Exception e) when (e is SocketException or ArgumentException or ObjectDisposedException)
        {
            // ArgumentException: a NOTIFY_SOCKET value the endpoint refuses (e.g. longer than sun_path).
            SystemdLog.SendFailed(_logger, state, e);
            return false;
        }
    }

    private static string Status(string text) => "STATUS=" + text.Replace('\n', ' ');
}
