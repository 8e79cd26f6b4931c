using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ccgw.Daemon.Tests;

/// <summary>A failed loop stops a real host without an exception; the daemon must still see it to exit non-zero.</summary>
public sealed class FaultedServicesTests
{
    [Fact]
    public async Task A_background_service_that_throws_stops_the_host_quietly_and_is_found_afterwards()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHostedService<FailsAfterStart>();
        builder.Services.AddHostedService<RunsUntilStopped>();
        using var host = builder.Build();
        var hosted = host.Services.GetServices<IHostedService>().ToArray();

        await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(30)); // returns normally: the exit code would be 0

        Assert.Equal([nameof(FailsAfterStart)], FaultedServices.Find(hosted));
    }

    [Fact]
    public async Task A_host_stopped_on_request_has_no_faulted_services()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHostedService<RunsUntilStopped>();
        using var host = builder.Build();
        var hosted = host.Services.GetServices<IHostedService>().ToArray();
        await host.StartAsync();
        await host.StopAsync();

        Assert.Empty(FaultedServices.Find(hosted));
    }

    [Fact]
    public async Task A_core_loop_that_throws_is_named_by_the_loop_not_by_its_generic_host()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddEventLoop<BrokenLoop>();
        builder.Services.AddHostedService<RunsUntilStopped>();
        using var host = builder.Build();
        var hosted = host.Services.GetServices<IHostedService>().ToArray();

        await host.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([nameof(BrokenLoop)], FaultedServices.Find(hosted));
    }

    private sealed class BrokenLoop : Ccgw.Core.IEventLoop
    {
        public async Task RunAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("the loop broke");
        }
    }

    private sealed class FailsAfterStart : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("the loop broke");
        }
    }

    private sealed class RunsUntilStopped : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken);
    }
}
