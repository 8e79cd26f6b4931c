using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ccgw.Systemd;

/// <summary>
/// Client side of the sd_notify protocol: newline-separated <c>KEY=VALUE</c> assignments sent as one datagram
/// to <c>$NOTIFY_SOCKET</c>. A no-op when not started by systemd (<see cref="IsEnabled"/> false). Send failures are
/// logged and reported as <c>false</c>, never thrown: losing a status update must not take the daemon down.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    internal const string Watchdog = "WATCHDOG=1";

    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly Socket? _socket;

    public SystemdNotifier(ISystemdEnvironment environment, TimeProvider timeProvider, ILogger<SystemdNotifier>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var value = environment.GetVariable(NotifySocketAddress.Variable);
        _endPoint = NotifySocketAddress.Parse(value, out var problem);
        if (problem is not null) SystemdLog.UnusableNotifySocket(_logger, value!, problem);
        if (_endPoint is null) return;
        try
        {
            // Non-blocking: if systemd's queue is full a send fails fast instead of stalling a timer thread.
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
        }
        catch (SocketException e)
        {
            SystemdLog.UnusableNotifySocket(_logger, value!, e.Message);
            _endPoint = null;
        }
    }

    /// <summary>True when <c>$NOTIFY_SOCKET</c> names a usable socket.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary><c>READY=1</c> (plus <c>STATUS=</c>): send once every listener is bound.</summary>
    public ValueTask<bool> NotifyReadyAsync(string? status = null, CancellationToken cancellationToken = default) =>
        NotifyAsync(WithStatus("READY=1", status), cancellationToken);

    /// <summary><c>STATUS=</c>: free text shown by <c>systemctl status</c>. Line feeds are replaced by spaces.</summary>
    public ValueTask<bool> NotifyStatusAsync(string status, CancellationToken cancellationToken = default) =>
        NotifyAsync("STATUS=" + SingleLine(status), cancellationToken);

    /// <summary><c>STOPPING=1</c> (plus <c>STATUS=</c>).</summary>
    public ValueTask<bool> NotifyStoppingAsync(string? status = null, CancellationToken cancellationToken = default) =>
        NotifyAsync(WithStatus("STOPPING=1", status), cancellationToken);

    /// <summary>
    /// <c>RELOADING=1</c> with <c>MONOTONIC_USEC=</c> (required by Type=notify-reload since systemd 253).
    /// The timestamp comes from the injected TimeProvider; the system provider's timestamp is CLOCK_MONOTONIC on Linux.
    /// Send <see cref="NotifyReadyAsync"/> when the reload is complete.
    /// </summary>
    public ValueTask<bool> NotifyReloadingAsync(string? status = null, CancellationToken cancellationToken = default) =>
        NotifyAsync(WithStatus($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds().ToString(CultureInfo.InvariantCulture)}", status), cancellationToken);

    /// <summary><c>WATCHDOG=1</c>: keep-alive ping.</summary>
    public ValueTask<bool> NotifyWatchdogAsync(CancellationToken cancellationToken = default) =>
        NotifyAsync(Watchdog, cancellationToken);

    /// <summary><c>ERRNO=</c>: the errno-style reason for a failure.</summary>
    public ValueTask<bool> NotifyErrnoAsync(int errno, CancellationToken cancellationToken = default) =>
        NotifyAsync("ERRNO=" + errno.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary><c>MAINPID=</c>: the main process when it is not the one systemd started.</summary>
    public ValueTask<bool> NotifyMainPidAsync(int processId, CancellationToken cancellationToken = default) =>
        NotifyAsync("MAINPID=" + processId.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>Sends raw assignments (newline-separated) in one datagram. False when disabled or on failure.</summary>
    public async ValueTask<bool> NotifyAsync(string state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_socket is null || _endPoint is null) return false;
        try
        {
            await _socket.SendToAsync(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            SystemdLog.SendFailed(_logger, state, e);
            return false;
        }
    }

    /// <summary>
    /// Synchronous variant for timer and cancellation callbacks, which cannot await. The socket is non-blocking,
    /// so this never waits on systemd.
    /// </summary>
    public bool Notify(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_socket is null || _endPoint is null) return false;
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            SystemdLog.SendFailed(_logger, state, e);
            return false;
        }
    }

    public void Dispose() => _socket?.Dispose();

    private long MonotonicMicroseconds() =>
        (long)((Int128)_timeProvider.GetTimestamp() * 1_000_000 / _timeProvider.TimestampFrequency);

    private static string WithStatus(string assignment, string? status) =>
        status is null ? assignment : assignment + "\nSTATUS=" + SingleLine(status);

    private static string SingleLine(string text) => text.Replace('\n', ' ');
}
