using System.Diagnostics.Metrics;
using Ccgw.Prometheus;

namespace Ccgw.Daemon;

/// <summary>
/// The daemon's own instruments and the <c>/metrics</c> endpoint. Exported meters: every <c>Ccgw.*</c> meter,
/// plus ASP.NET Core's hosting and Kestrel meters (request durations, connections).
/// </summary>
internal sealed class DaemonMetrics : IDisposable
{
    public const string MeterName = "Ccgw.Daemon";
    private readonly Meter _meter;

    public DaemonMetrics(IMeterFactory meters, DaemonState state)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("ccgw.build.info", () => new Measurement<int>(1,
                new KeyValuePair<string, object?>("version", BuildInfo.Version),
                new KeyValuePair<string, object?>("runtime", Environment.Version.ToString())),
            description: "Build information; the value is always 1.");
        _meter.CreateObservableGauge("ccgw.ready", () => state.StorageReady && state.ListenersBound ? 1 : 0,
            description: "1 when the database is open and every listener is bound.");
    }

    public void Dispose() => _meter.Dispose();

    public static void Register(IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<DaemonMetrics>();
        services.AddSingleton(_ => new PrometheusExporter(IsExported));
    }

    public static void Map(WebApplication app)
    {
        // Resolve eagerly so instruments created during start-up are already observed, and the exporter's listener
        // runs from the start: a counter recorded before the first scrape (a flood in the first minute) would be lost.
        app.Services.GetRequiredService<DaemonMetrics>();
        app.Services.GetRequiredService<PrometheusExporter>();
        app.MapGet("/metrics", async (HttpContext context, PrometheusExporter exporter) =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted);
        });
    }

    private static bool IsExported(Meter meter) =>
        meter.Name.StartsWith("Ccgw", StringComparison.Ordinal) ||
        meter.Name is "Microsoft.AspNetCore.Hosting" or "Microsoft.AspNetCore.Server.Kestrel";
}
