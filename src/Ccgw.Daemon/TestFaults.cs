using Ccgw.Core;

namespace Ccgw.Daemon;

/// <summary>
/// TEST-ONLY fault injection for the supervision tests against the real daemon (tests/Ccgw.Interop.Tests,
/// SupervisionDaemonTests; docs/operations.md). Set <c>CCGW_TEST_FAULTY_LOOP</c> to <c>restart</c> or <c>stop</c>
/// and the daemon hosts one extra loop that throws every time it runs, under that policy. Unset (always in
/// production), nothing is registered. It is an environment variable, not a configuration key, so that no
/// configuration file can turn it on, and the daemon logs a warning when it is set.
/// </summary>
internal static partial class TestFaults
{
    public const string Variable = "CCGW_TEST_FAULTY_LOOP";

    public static void AddFaultyLoop(IServiceCollection services)
    {
        var policy = Environment.GetEnvironmentVariable(Variable) switch
        {
            "restart" => LoopFailurePolicy.Restart,
            "stop" => LoopFailurePolicy.StopDaemon,
            _ => (LoopFailurePolicy?)null,
        };
        if (policy is null) return;
        services.AddSingleton<FaultyLoop>();
        services.AddEventLoop<FaultyLoop>(policy.Value);
    }

    /// <summary>Throws each time it runs, once the host has started (so READY is sent first and tests can watch).</summary>
    internal sealed partial class FaultyLoop(IHostApplicationLifetime lifetime, ILogger<FaultyLoop> log) : IEventLoop
    {
        public async Task RunAsync(CancellationToken stoppingToken)
        {
            LogInjected(log, Variable);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
                await started.Task.WaitAsync(stoppingToken);
            throw new InvalidOperationException($"fault injected by {Variable}");
        }

        [LoggerMessage(EventId = 16860, Level = LogLevel.Warning, Message = "{Variable} is set: running a loop that always fails (test only)")]
        private static partial void LogInjected(ILogger logger, string variable);
    }
}
