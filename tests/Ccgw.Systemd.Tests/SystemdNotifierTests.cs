using Ccgw.Testing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd.Tests;

public sealed class SystemdNotifierTests
{
    [Fact]
    public async Task Ready_status_and_stopping_arrive_as_exact_datagrams_on_a_path_socket()
    {
        using var listener = NotifySocketListener.InTempDirectory();
        using var notifier = new SystemdNotifier(listener.Environment(), TimeProvider.System);

        Assert.True(notifier.IsEnabled);
        Assert.True(await notifier.NotifyReadyAsync());
        Assert.Equal("READY=1", await listener.ReceiveAsync());
        Assert.True(await notifier.NotifyReadyAsync("Listening on udp/5060"));
        Assert.Equal("READY=1\nSTATUS=Listening on udp/5060", await listener.ReceiveAsync());
        Assert.True(await notifier.NotifyStatusAsync("3 calls active"));
        Assert.Equal("STATUS=3 calls active", await listener.ReceiveAsync());
        Assert.True(await notifier.NotifyStoppingAsync());
        Assert.Equal("STOPPING=1", await listener.ReceiveAsync());
        Assert.Equal(0, listener.Pending);
    }

    [Fact]
    public async Task Abstract_namespace_socket_receives_datagrams()
    {
        using var listener = NotifySocketListener.InAbstractNamespace();
        using var notifier = new SystemdNotifier(listener.Environment(), TimeProvider.System);

        Assert.True(await notifier.NotifyReadyAsync("up"));

        Assert.Equal("READY=1\nSTATUS=up", await listener.ReceiveAsync());
    }

    [Fact]
    public async Task Reloading_carries_monotonic_microseconds_from_the_time_provider()
    {
        using var listener = NotifySocketListener.InTempDirectory();
        var clock = new ManualTimeProvider();
        clock.Advance(TimeSpan.FromSeconds(12.5));
        using var notifier = new SystemdNotifier(listener.Environment(), clock);

        Assert.True(await notifier.NotifyReloadingAsync("Reloading routing tables"));

        Assert.Equal("RELOADING=1\nMONOTONIC_USEC=12500000\nSTATUS=Reloading routing tables", await listener.ReceiveAsync());
    }

    [Fact]
    public async Task Errno_mainpid_watchdog_and_multiline_status_are_formatted_per_the_protocol()
    {
        using var listener = NotifySocketListener.InTempDirectory();
        using var notifier = new SystemdNotifier(listener.Environment(), TimeProvider.System);

        await notifier.NotifyErrnoAsync(98);
        await notifier.NotifyMainPidAsync(1234);
        await notifier.NotifyWatchdogAsync();
        await notifier.NotifyStatusAsync("line one\nREADY=1");
        Assert.True(notifier.Notify("EXTEND_TIMEOUT_USEC=5000000"));

        Assert.Equal("ERRNO=98", await listener.ReceiveAsync());
        Assert.Equal("MAINPID=1234", await listener.ReceiveAsync());
        Assert.Equal("WATCHDOG=1", await listener.ReceiveAsync());
        // A line feed in free text must not smuggle in a second assignment.
        Assert.Equal("STATUS=line one READY=1", await listener.ReceiveAsync());
        Assert.Equal("EXTEND_TIMEOUT_USEC=5000000", await listener.ReceiveAsync());
    }

    [Fact]
    public async Task Without_NOTIFY_SOCKET_the_notifier_is_a_silent_noop()
    {
        var logger = new CapturingLogger<SystemdNotifier>();
        using var notifier = new SystemdNotifier(new FakeEnvironment(), TimeProvider.System, logger);

        Assert.False(notifier.IsEnabled);
        Assert.False(await notifier.NotifyReadyAsync("up"));
        Assert.False(notifier.Notify("WATCHDOG=1"));
        Assert.Empty(logger.Entries);
    }

    [Theory]
    [InlineData("relative/notify")]
    [InlineData("vsock:2:1234")]
    [InlineData("@")]
    public async Task Unsupported_NOTIFY_SOCKET_values_disable_the_notifier_with_a_warning(string value)
    {
        var environment = new FakeEnvironment();
        environment.Variables["NOTIFY_SOCKET"] = value;
        var logger = new CapturingLogger<SystemdNotifier>();
        using var notifier = new SystemdNotifier(environment, TimeProvider.System, logger);

        Assert.False(notifier.IsEnabled);
        Assert.False(await notifier.NotifyReadyAsync());
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_failure_is_logged_and_returned_as_false_never_thrown()
    {
        var environment = new FakeEnvironment();
        environment.Variables["NOTIFY_SOCKET"] = Path.Combine(Path.GetTempPath(), "ccgw-missing-" + Guid.NewGuid().ToString("N")[..8]);
        var logger = new CapturingLogger<SystemdNotifier>();
        using var notifier = new SystemdNotifier(environment, TimeProvider.System, logger);

        Assert.True(notifier.IsEnabled);
        Assert.False(await notifier.NotifyReadyAsync());
        Assert.False(notifier.Notify("WATCHDOG=1"));
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("failed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sends_after_dispose_return_false()
    {
        using var listener = NotifySocketListener.InTempDirectory();
        var notifier = new SystemdNotifier(listener.Environment(), TimeProvider.System);
        notifier.Dispose();

        Assert.False(await notifier.NotifyStoppingAsync());
        Assert.False(notifier.Notify("STOPPING=1"));
        Assert.Equal(0, listener.Pending);
    }
}
