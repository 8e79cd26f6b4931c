using Ccgw.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ccgw.Daemon;

/// <summary>
/// Hosts one of the core's event loops (<see cref="IEventLoop"/>: call-back scheduler, history recorder, customer alerts,
/// the IM gateway) for the daemon's lifetime, under <see cref="LoopSupervisor"/> with the loop's registered
/// <see cref="LoopPolicy{TLoop}"/>. The loop is resolved with the hosted services, before any starts, so it subscribes
/// before the core runs; its subscription outlives a restart, so a restarted loop resumes where it stopped. If it
/// stops the daemon, <see cref="FaultedServices"/> names the loop.
/// </summary>
internal sealed class EventLoopService<TLoop>(TLoop loop, LoopSupervisor supervisor, LoopPolicy<TLoop>? policy = null)
    : BackgroundService where TLoop : class, IEventLoop
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        supervisor.RunAsync(typeof(TLoop).Name, policy?.OnFailure ?? LoopFailurePolicy.StopDaemon, loop.RunAsync, stoppingToken);
}

internal static class EventLoopRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TLoop"/> as a singleton (unless already registered), run by a hosted service in
    /// registration order under <paramref name="onFailure"/>.
    /// </summary>
    public static IServiceCollection AddEventLoop<TLoop>(this IServiceCollection services,
        LoopFailurePolicy onFailure = LoopFailurePolicy.StopDaemon) where TLoop : class, IEventLoop
    {
        services.AddLoopSupervision();
        services.TryAddSingleton<TLoop>();
        services.AddSingleton(new LoopPolicy<TLoop>(onFailure));
        return services.AddHostedService<EventLoopService<TLoop>>();
    }

    /// <summary>The supervisor and the health it reports; once per host.</summary>
    public static IServiceCollection AddLoopSupervision(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoopHealth>();
        services.TryAddSingleton<LoopSupervisor>();
        return services;
    }
}
