using Ccgw.Testing;
using Microsoft.Extensions.Logging;

namespace Ccgw.Systemd.Tests;

public sealed class SystemdWatchdogServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Half = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public async Task Pings_exactly_at_each_half_timeout_without_real_waiting()
    {
        var clock = new ManualTimeProvider();
        var (service, listener) = Create(clock);
        using var __ = service;
        await service.StartAsync(CancellationToken.None);

        clock.Advance(Half - Tick);
        Assert.Equal(0, listener.Pending);
        clock.Advance(Tick);
        Assert.Equal("WATCHDOG=1", listener.Take());
        Assert.Equal(0, listener.Pending);

        clock.Advance(Half - Tick);
        Assert.Equal(0, listener.Pending);
        clock.Advance(Tick);
        Assert.Equal("WATCHDOG=1", listener.Take());

        await service.StopAsync(CancellationToken.None);
        Assert.Equal(0, clock.ActiveTimers);
        clock.Advance(Timeout * 3);
        Assert.Equal(0, listener.Pending);
    }

    [Fact]
    public async Task Withholds_pings_while_unhealthy_and_resumes_when_healthy_again()
    {
        var clock = new ManualTimeProvider();
        var healthy = true;
        var logger = new CapturingLogger<SystemdWatchdogService>();
        var (service, listener) = Create(clock, new DelegateWatchdogHealthGate(() => healthy), logger);
        using var __ = service;
        await service.StartAsync(CancellationToken.None);

        clock.Advance(Half);
        Assert.Equal("WATCHDOG=1", listener.Take());

        healthy = false;
        clock.Advance(Half);
        clock.Advance(Half);
        Assert.Equal(0, listener.Pending);
        Assert.Single(logger.Entries, e => e.Message.Contains("withholding", StringComparison.Ordinal));

        healthy = true;
        clock.Advance(Half);
        Assert.Equal("WATCHDOG=1", listener.Take());
        Assert.Single(logger.Entries, e => e.Message.Contains("resumed", StringComparison.Ordinal));
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_throwing_health_gate_counts_as_unhealthy()
    {
        var clock = new ManualTimeProvider();
        var logger = new CapturingLogger<SystemdWatchdogService>();
        var gate = new DelegateWatchdogHealthGate(() => throw new InvalidOperationException("database gone"));
        var (service, listener) = Create(clock, gate, logger);
        using var __ = service;
        await service.StartAsync(CancellationToken.None);

        clock.Advance(Half);

        Assert.Equal(0, listener.Pending);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Does_nothing_when_the_watchdog_is_not_configured()
    {
        var listener = new RecordingNotifier();
        var clock = new ManualTimeProvider();
        var environment = new FakeEnvironment();
        var notifier = new SystemdNotifications(listener, lifetimeSendsReadyAndStopping: false);
        using var service = new SystemdWatchdogService(notifier, WatchdogSettings.FromEnvironment(environment), clock);

        await service.StartAsync(CancellationToken.None);

        Assert.Equal(0, clock.ActiveTimers);
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30)); // completes by itself; the timeout only guards a hang
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, listener.Pending);
    }

    [Fact]
    public async Task Does_nothing_when_WATCHDOG_USEC_is_set_but_there_is_no_notify_socket()
    {
        var clock = new ManualTimeProvider();
        var environment = new FakeEnvironment();
        environment.Variables["WATCHDOG_USEC"] = "10000000";
        var notifier = new SystemdNotifications(new RecordingNotifier(isEnabled: false), lifetimeSendsReadyAndStopping: false);
        using var service = new SystemdWatchdogService(notifier, WatchdogSettings.FromEnvironment(environment), clock);

        await service.StartAsync(CancellationToken.None);

        Assert.Equal(0, clock.ActiveTimers);
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30)); // completes by itself; the timeout only guards a hang
    }

    private static (SystemdWatchdogService Service, RecordingNotifier Socket) Create(
        ManualTimeProvider clock, IWatchdogHealthGate? gate = null, CapturingLogger<SystemdWatchdogService>? logger = null)
    {
        var socket = new RecordingNotifier();
        var environment = new FakeEnvironment();
        environment.Variables["WATCHDOG_USEC"] = ((long)Timeout.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment.Variables["WATCHDOG_PID"] = "4242";
        var notifier = new SystemdNotifications(socket, lifetimeSendsReadyAndStopping: false);
        return (new SystemdWatchdogService(notifier, WatchdogSettings.FromEnvironment(environment), clock, gate, logger), socket);
    }
}
