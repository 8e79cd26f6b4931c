using Ccgw.Core;

namespace Ccgw.Daemon;

/// <summary>Runs the routing core's single writer loop for the daemon's lifetime.</summary>
internal sealed partial class RoutingHost(RoutingEngine engine, ILogger<RoutingHost> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await engine.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The core is the one place every state change goes through; without it nothing routes. Crash loudly
            // so systemd restarts the daemon rather than leaving it half alive.
            LogCoreFailed(log, e);
            throw;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Critical, Message = "routing core stopped")]
    private static partial void LogCoreFailed(ILogger logger, Exception exception);
}
