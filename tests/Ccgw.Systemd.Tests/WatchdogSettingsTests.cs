namespace Ccgw.Systemd.Tests;

public sealed class WatchdogSettingsTests
{
    [Theory]
    [InlineData("30000000", 30_000, 15_000)]
    [InlineData("1000", 1, 0.5)]
    [InlineData("3", 0.003, 0.0015)]
    public void Valid_WATCHDOG_USEC_enables_pings_at_half_the_timeout(string usec, double timeoutMs, double intervalMs)
    {
        var settings = WatchdogSettings.FromEnvironment(Environment(usec, pid: null));

        Assert.True(settings.IsEnabled);
        Assert.Null(settings.DisabledReason);
        Assert.Equal(TimeSpan.FromMilliseconds(timeoutMs), settings.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(intervalMs), settings.PingInterval);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("18446744073709551615")] // UINT64_MAX is systemd's "infinity"
    [InlineData("99999999999999999999999")]
    public void Invalid_WATCHDOG_USEC_disables_the_watchdog(string? usec)
    {
        var settings = WatchdogSettings.FromEnvironment(Environment(usec, pid: null));

        Assert.False(settings.IsEnabled);
        Assert.Equal(TimeSpan.Zero, settings.PingInterval);
        Assert.Contains("WATCHDOG_USEC", settings.DisabledReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Matching_WATCHDOG_PID_enables_the_watchdog() =>
        Assert.True(WatchdogSettings.FromEnvironment(Environment("2000000", pid: "4242")).IsEnabled);

    [Theory]
    [InlineData("4243")]
    [InlineData("1")]
    public void WATCHDOG_PID_of_another_process_disables_the_watchdog(string pid)
    {
        var settings = WatchdogSettings.FromEnvironment(Environment("2000000", pid));

        Assert.False(settings.IsEnabled);
        Assert.Contains("another process", settings.DisabledReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("pid")]
    [InlineData("-4242")]
    public void Malformed_WATCHDOG_PID_disables_the_watchdog(string pid)
    {
        var settings = WatchdogSettings.FromEnvironment(Environment("2000000", pid));

        Assert.False(settings.IsEnabled);
        Assert.Contains("WATCHDOG_PID", settings.DisabledReason, StringComparison.Ordinal);
    }

    private static FakeEnvironment Environment(string? usec, string? pid)
    {
        var environment = new FakeEnvironment(processId: 4242);
        if (usec is not null) environment.Variables["WATCHDOG_USEC"] = usec;
        if (pid is not null) environment.Variables["WATCHDOG_PID"] = pid;
        return environment;
    }
}
