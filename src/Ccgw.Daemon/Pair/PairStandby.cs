using Ccgw.Core.Pair;
using Ccgw.Storage.Postgres;
using Ccgw.Systemd;
using Ccgw.Web.Admin;
using Microsoft.Extensions.Hosting.Systemd;

namespace Ccgw.Daemon.Pair;

/// <summary>
/// The standby: before the daemon is built at all, a small web host on the HTTP listeners answers <c>/healthz</c> 200,
/// <c>/readyz</c> 503 (naming the role and the holder), <c>/metrics</c> and <c>GET /api/admin/pair</c>, and 503 with
/// Retry-After to anything else, while it tries to take the lease every Pair:RenewSeconds. It holds no SIP, XMPP or MQTT
/// listener and runs no dialler, so it cannot take work; a dispatcher's OPTIONS probe finds nobody and routes to the active.
/// Once it holds the lease it stops and the normal start-up runs: storage, the core rebuilt from it (waiting call-backs,
/// agents' last states, registrations), listeners, presence. Reusing that one path is the point: a takeover is a start.
/// </summary>
internal static partial class PairStandby
{
    /// <summary>Null once this node holds the lease (go on and start the daemon), else the exit code.</summary>
    public static async Task<int?> RunAsync(LoadedConfiguration config, PairNode pair, WebListeners web, AdminApiOptions admin)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "ccgw",
            ContentRootPath = config.Context.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(config.Raw);
        DaemonLogging.Configure(builder.Logging, config.Raw);
        if (web.UsesTls) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            web.Listen(kestrel);
        });
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(pair);
        services.AddSingleton<DaemonState>();
        services.AddSingleton<PairStatusSource>();
        services.AddSingleton(admin);
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<PairMetrics>();
        DaemonMetrics.Register(services);

        await using var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ccgw.Daemon.Pair");
        var lease = pair.Lease;
        app.MapGet("/healthz", () => Results.Text("Healthy"));
        app.MapGet("/readyz", () => Results.Text(StandbyText(lease), statusCode: StatusCodes.Status503ServiceUnavailable));
        DaemonMetrics.Map(app);
        app.Services.GetRequiredService<PairMetrics>();
        PairEndpoints.MapPairStatus(app, admin, app.Services.GetRequiredService<AuthFailureLimiter>());
        app.MapFallback((HttpContext http) =>
        {
            http.Response.Headers.RetryAfter = ((int)lease.RenewInterval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text(StandbyText(lease), statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            LogBindFailed(log, e.Message);
            return ExitCodes.OsError;
        }
        var stopping = app.Lifetime.ApplicationStopping;
        // Under systemd (Type=notify) the standby is a started service: READY=1 after its first try for the lease (so
        // the lease's holder is known), with the role in STATUS=; a node that wins at once reports READY=1 only when the
        // gateway has started. The watchdog is pinged from this loop. Not through AddSystemdNotify: its lifetime would send STOPPING=1 when this
        // small host stops to make way for the daemon.
        var notify = new SystemdNotifications(new SystemdNotifier(), lifetimeSendsReadyAndStopping: false);
        var announced = false;

        var time = TimeProvider.System;
        var migrated = false;
        var exit = (int?)ExitCodes.Ok;
        var started = time.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!migrated)
                {
                    // The lease's table is migration 0060; both nodes may migrate at once (PostgresMigrationRunner locks).
                    await new PostgresMigrationRunner(pair.Database, time).ApplyAsync(stopping);
                    migrated = true;
                }
                var step = await lease.StepAsync(stopping);
                if (step.Failure is not null) LogLeaseStoreFailed(log, step.Reason, step.Failure);
                if (step.After == PairRole.Active)
                {
                    LogTakingOver(log, lease.NodeId, lease.Token, time.GetElapsedTime(started).TotalSeconds);
                    notify.NotifyStatus($"taking over (token {lease.Token}): starting");
                    exit = null;
                    break;
                }
            }
            catch (Npgsql.NpgsqlException e)
            {
                LogLeaseStoreFailed(log, $"database {pair.Database.Description} not reachable", e);
            }
            catch (Ccgw.Storage.Sqlite.StorageException e)
            {
                LogMigrationRefused(log, e.Message);
                exit = ExitCodes.CantCreate;
                break;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            if (!announced)
            {
                LogStandby(log, lease.NodeId, (int)lease.LeaseTime.TotalSeconds);
                notify.NotifyReady(StandbyText(lease));
                announced = true;
            }
            else
            {
                notify.NotifyStatus(StandbyText(lease));
            }
            notify.NotifyWatchdog();
            try
            {
                await Task.Delay(lease.NextStepDue, time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await app.StopAsync(CancellationToken.None);
        return exit;
    }

    private static string StandbyText(PairLease lease) => lease.LastSeen is { Holder.Length: > 0 } seen
        ? $"standby: node {lease.NodeId}; the lease is held by {seen.Holder} (token {seen.Token})"
        : $"standby: node {lease.NodeId}; waiting for the lease";

    [LoggerMessage(EventId = 22300, Level = LogLevel.Information, Message = "pair: node {Node} is the standby; it takes over when the lease ({LeaseSeconds} s) lapses")]
    private static partial void LogStandby(ILogger logger, string node, int leaseSeconds);

    [LoggerMessage(EventId = 22301, Level = LogLevel.Warning, Message = "pair: node {Node} took the lease (token {Token}) after {Seconds:0.0} s as standby; starting the gateway")]
    private static partial void LogTakingOver(ILogger logger, string node, long token, double seconds);

    [LoggerMessage(EventId = 22302, Level = LogLevel.Warning, Message = "pair: {Reason}; staying standby")]
    private static partial void LogLeaseStoreFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 22303, Level = LogLevel.Critical, Message = "pair: the lease's database refused its migrations: {Reason}")]
    private static partial void LogMigrationRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 22304, Level = LogLevel.Critical, Message = "standby cannot bind a listener: {Reason}")]
    private static partial void LogBindFailed(ILogger logger, string reason);
}

/// <summary><c>GET /api/admin/pair</c>: this node, its role and the lease, for <c>ccgwctl status</c> (docs/admin-api.md).</summary>
internal static class PairEndpoints
{
    public static void MapPairStatus(IEndpointRouteBuilder app, AdminApiOptions admin, AuthFailureLimiter limiter) =>
        app.MapAdminGroup(admin, limiter).MapGet("/pair", (PairStatusSource source) => source.Current())
            .WithSummary("This node's role in the active/standby pair and the lease as last seen (role single without Pair).");
}
