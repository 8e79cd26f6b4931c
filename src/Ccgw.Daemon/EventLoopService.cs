using Ccgw.Core;

namespace Ccgw.Daemon;

/// <summary>
/// Hosts one of the core's event loops (<see cref="IEventLoop"/>: call-back scheduler, history recorder, customer alerts)
/// for the daemon's lifetime. The loop is resolved with the hosted services, before any starts, so it subscribes before
/// the core runs; if it throws, the host stops and <see cref="FaultedServices"/> names the loop.
/// </summary>
internal sealed class EventLoopService<TLoop>(TLoop loop) : BackgroundService where TLoop : class, IEventLoop
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => loop.RunAsync(stoppingToken);
}

internal static class EventLoopRegistration
{
    /// <summary>Registers <typeparamref name="TLoop"/> as a singleton, run by a hosted service in registration order.</summary>
    public static IServiceCollection AddEventLoop<TLoop>(this IServiceCollection services) where TLoop : class, IEventLoop
    {
        services.AddSingleton<TLoop>();
        return services.AddHostedService<EventLoopService<TLoop>>();
    }
}
