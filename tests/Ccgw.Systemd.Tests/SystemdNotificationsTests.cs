using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd.Tests;

public sealed class SystemdNotificationsTests
{
    [Fact]
    public void Without_systemd_as_parent_ready_status_and_stopping_are_sent_as_exact_datagrams()
    {
        var socket = new RecordingNotifier();
        var notifications = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: false);

        Assert.True(notifications.IsEnabled);
        Assert.True(notifications.NotifyReady("Listening on udp/5060"));
        Assert.Equal("READY=1\nSTATUS=Listening on udp/5060", socket.Take());
        Assert.True(notifications.NotifyStatus("3 calls active"));
        Assert.Equal("STATUS=3 calls active", socket.Take());
        Assert.True(notifications.NotifyStopping());
        Assert.Equal("STOPPING=1", socket.Take());
        Assert.Equal(0, socket.Pending);
    }

    [Fact]
    public void Under_the_library_lifetime_ready_adds_only_status_and_stopping_is_left_to_it()
    {
        var socket = new RecordingNotifier();
        var notifications = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: true);

        Assert.True(notifications.NotifyReady("serving"));
        Assert.Equal("STATUS=serving", socket.Take());
        Assert.False(notifications.NotifyStopping());
        Assert.Equal(0, socket.Pending);
    }

    [Fact]
    public void Watchdog_raw_and_multiline_status_are_formatted_per_the_protocol()
    {
        var socket = new RecordingNotifier();
        var notifications = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: false);

        notifications.NotifyWatchdog();
        notifications.NotifyStatus("line one\nREADY=1");
        Assert.True(notifications.Notify("EXTEND_TIMEOUT_USEC=5000000"));

        Assert.Equal("WATCHDOG=1", socket.Take());
        // A line feed in free text must not smuggle in a second assignment.
        Assert.Equal("STATUS=line one READY=1", socket.Take());
        Assert.Equal("EXTEND_TIMEOUT_USEC=5000000", socket.Take());
    }

    [Fact]
    public void Without_NOTIFY_SOCKET_every_send_is_a_silent_noop()
    {
        var logger = new CapturingLogger<SystemdNotifications>();
        var socket = new RecordingNotifier(isEnabled: false);
        var notifications = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: false, logger);

        Assert.False(notifications.IsEnabled);
        Assert.False(notifications.NotifyReady("up"));
        Assert.False(notifications.NotifyWatchdog());
        Assert.Equal(0, socket.Pending);
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public void Send_failure_is_logged_and_returned_as_false_never_thrown()
    {
        var logger = new CapturingLogger<SystemdNotifications>();
        var socket = new RecordingNotifier { Failure = new SocketException((int)SocketError.ConnectionRefused) };
        var notifications = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: false, logger);

        Assert.False(notifications.NotifyReady("up"));
        Assert.False(notifications.NotifyWatchdog());
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("failed", StringComparison.Ordinal)));
    }
}
