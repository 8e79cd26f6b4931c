using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ccgw.Configuration;
using Ccgw.Core;
using Ccgw.Core.History;
using Ccgw.Core.Kpi;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Daemon.Channels;
using Ccgw.Daemon.SelfHelp;
using Ccgw.Web.Admin;
using Ccgw.Web.Edge;
using Ccgw.Storage.Sqlite;
using Ccgw.Systemd;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Ccgw.Daemon;

/// <summary>The composition root: binds validated options to services, listeners and endpoints.</summary>
internal static partial class DaemonHost
{
    public static async Task<int> RunAsync(LoadedConfiguration config)
    {
        if (!config.Options.Pair.Enabled) return await RunNodeAsync(config, pair: null);
        // The active/standby pair (docs/operations.md): wait as the standby until this node holds the lease, then start
        // exactly as a single node does; a node that loses the lease exits with EX_TEMPFAIL and comes back as standby.
        await using var pair = new Pair.PairNode(config.Options.Pair, TimeProvider.System);
        var standby = await Pair.PairStandby.RunAsync(config, pair, WebListeners.From(config, new Channels.ListenerCertificates()), AdminOptions(config.Options.Admin));
        if (standby is { } exit) return exit;
        var code = await RunNodeAsync(config, pair);
        return code == ExitCodes.Ok && pair.Lease.Role == Core.Pair.PairRole.Fenced ? ExitCodes.TempFail : code;
    }

    private static async Task<int> RunNodeAsync(LoadedConfiguration config, Pair.PairNode? pair)
    {
        var options = config.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "ccgw",
            ContentRootPath = config.Context.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(config.Raw);
        DaemonLogging.Configure(builder.Logging, config.Raw);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var certificates = new Channels.ListenerCertificates();
        var web = WebListeners.From(config, certificates);
        if (web.UsesTls) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Counted as the body arrives, so a chunked body (no Content-Length) cannot get past it; WebSocket
            // upgrades (/mqtt) are exempt once upgraded.
            kestrel.Limits.MaxRequestBodySize = options.Http.MaxRequestBodyBytes;
            // Every endpoint, whoever declares it (HTTP here, XMPP and MQTT in their channels), gets the connection
            // caps first in its pipeline; the channels' callbacks run after this one, so the default applies to them.
            kestrel.ConfigureEndpointDefaults(listen => listen.UseConnectionCaps());
            web.Listen(kestrel);
        });

        var dataDirectory = config.Context.Resolve(options.Data.Directory);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(config);
        services.AddSingleton(options);
        services.AddSingleton(web);
        services.AddSingleton(certificates);
        // Storage:Engine decides where the core repositories live (docs/storage.md).
        services.AddStorage(options, config.Context, dataDirectory);
        services.AddSingleton<DaemonState>();
        // Interval reports (docs/reports.md) read the history; queues and their targets as configured.
        services.AddSingleton<Ccgw.Core.Reports.IntervalReportBuilder>();
        services.AddSingleton<Ccgw.Core.Reports.IReportQueues>(new Ccgw.Core.Reports.ConfiguredReportQueues(CoreDefinitions.From(options).Queues));
        services.AddSingleton(sp => new RoutingEngine(CoreDefinitions.From(options), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(AdminOptions(options.Admin));
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<Channels.ListenerCaps>();
        // The live logins every protocol reads (issue 20), kept current by provisioning. Empty until ProvisioningStartup
        // fills it, before any listener starts, from the store, or from the file at first start: the file's passwords are
        // derived only then (issue 21), not at every start.
        services.AddSingleton(_ => new StaffLoginDirectory([]));
        services.AddSingleton<ILoginDirectory>(sp => sp.GetRequiredService<StaffLoginDirectory>());
        services.AddSingleton(sp => new Core.Provisioning.ProvisioningService(sp.GetRequiredService<RoutingEngine>(),
            sp.GetRequiredService<IProvisioningStore>(), sp.GetRequiredService<StaffLoginDirectory>(), options.Site.SipDomain,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Core.Provisioning.ProvisioningService>>(),
            new Core.Provisioning.PendingCallbackQueueUsers(sp.GetRequiredService<ICallbackRepository>())));
        services.AddProblemDetails();
        // The HTTP API's OpenAPI document, generated from the minimal-API endpoints (docs/admin-api.md, "OpenAPI").
        services.AddOpenApi();
        services.AddWebEdge(EdgeOptions(options.Http));
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));

        // The pair's lease keeper first, so that it stops last: the lease is handed over after everything else stopped.
        Pair.PairRegistration.AddPair(services, pair);
        // Hosted services start in this order: storage before anything that reads it, the core before adapters.
        services.AddHostedService<StorageStartup>();
        services.AddHostedService<CustomerSeeder>();
        services.AddSelfHelpSeed();
        services.AddLoopSupervision();
        services.AddHostedService<RoutingHost>();
        services.AddHostedService<ProvisioningStartup>();
        // Flows, then trunks and DIDs (which name flows): the file's over the store's, before a listener admits a call (issue 20).
        Flows.FlowProvisioningStartup.Add(services, options, config.Context);
        Trunks.TrunkProvisioningStartup.Add(services, options);
        // History is a pure consumer of the core's events: a restart resumes its subscription (a gap is logged).
        services.AddEventLoop<HistoryRecorder>(LoopFailurePolicy.Restart);
        // The contact-centre KPIs follow the same events as the history, so /metrics and reports agree; like the
        // history it is a pure consumer, restarted on failure.
        services.AddSingleton(_ => new KpiOptions(TimeSpan.FromSeconds(options.Routing.ServiceLevelWindowSeconds), CoreDefinitions.From(options).Queues));
        services.AddEventLoop<ContactCenterKpis>(LoopFailurePolicy.Restart);
        services.AddEventLoop<CallbackKpis>(LoopFailurePolicy.Restart);
        TestFaults.AddFaultyLoop(services);
        Callbacks.CallbackRegistration.AddCallbacks(services, options);
        services.AddSelfHelp(options);
        Portal.PortalRegistration.AddPortal(services, options, dataDirectory);

        // Protocol channels register their listeners and adapters here (each in its own file under Channels/),
        // after the core so that their StartAsync can rely on it, before LifecycleNotifications reports READY.
        AddSipChannel(builder, config);
        AddMqttChannel(builder, config);
        AddXmppChannel(builder, config);
        AddStaffConsoles(builder, config);
        services.AddSystemdNotify();
        // Pings only while storage is open and every supervised loop runs: a loop that stays down past WatchdogSec
        // gets the process restarted by systemd.
        services.AddSingleton<IWatchdogHealthGate>(sp => new DelegateWatchdogHealthGate(() =>
            sp.GetRequiredService<DaemonState>().StorageReady && sp.GetRequiredService<LoopHealth>().IsHealthy));
        services.AddHostedService<LifecycleNotifications>();
        // SIGHUP (systemctl reload ccgw) from READY on: validate the file again, apply the logging levels.
        services.AddHostedService<ConfigReload>();
        var health = services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"])
            .AddCheck<ListenersHealthCheck>("listeners", tags: ["ready"])
            .AddCheck<LoopsHealthCheck>("loops", tags: ["ready"]);
        if (pair is not null) health.AddCheck<Pair.PairHealthCheck>("pair", tags: ["ready"]);
        DaemonMetrics.Register(services);

        var app = builder.Build();
        app.UseWebEdge();
        if (web.IsSeparated) app.UseHttpSurfaces();
        Portal.PortalRegistration.UsePortal(app);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        DaemonMetrics.Map(app);
        MapSipChannel(app);
        MapMqttChannel(app);
        MapXmppChannel(app);
        Ccgw.Web.Help.HelpEndpoints.MapHelpRequests(app);
        // On the admin surface and behind the admin token: it describes the admin API (docs/admin-api.md).
        app.MapOpenApi("/api/openapi.json")
            .AddEndpointFilter(AdminApi.RequireToken(app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<AuthFailureLimiter>()));
        app.MapAdminApi(app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<AuthFailureLimiter>(),
            app.Services.GetRequiredService<Core.Provisioning.ProvisioningService>());
        app.MapAdminGroup(app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<AuthFailureLimiter>())
            .MapTrunkProvisioning(app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<Core.Provisioning.ITrunkProvisioning>())
            .MapFlowProvisioning(app.Services.GetRequiredService<AdminApiOptions>(), app.Services.GetRequiredService<Core.Provisioning.IFlowProvisioning>());
        app.MapSelfHelp(config);
        MapStaffConsoles(app);
        Pair.PairRegistration.MapPair(app);

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ccgw.Daemon");
        // Before storage opens and before any listener binds: a second daemon on this data directory stops here.
        DataDirectoryLock? acquired;
        string holder;
        try
        {
            acquired = DataDirectoryLock.TryAcquire(dataDirectory, out holder);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // A data directory we cannot create or write is the storage failure the database would have hit next.
            var reason = $"{dataDirectory}: {e.Message}";
            LogStorageFailed(log, reason);
            await app.DisposeAsync();
            return ExitCodes.CantCreate;
        }
        using var dataLock = acquired;
        if (dataLock is null)
        {
            LogDataDirectoryLocked(log, dataDirectory, holder);
            await app.DisposeAsync(); // flushes the console logger's queue, so the line above is not lost
            return ExitCodes.TempFail;
        }
        try
        {
            var hosted = app.Services.GetServices<IHostedService>().ToArray();
            await app.RunAsync();
            var faulted = FaultedServices.Find(hosted);
            if (faulted.Count == 0) return ExitCodes.Ok;
            var names = string.Join(", ", faulted);
            LogServicesFaulted(log, names);
            return ExitCodes.Software;
        }
        catch (IOException e) when (e.InnerException is AddressInUseException or SocketException)
        {
            LogBindFailed(log, e.Message);
            return ExitCodes.OsError;
        }
        catch (SocketException e)
        {
            LogBindFailed(log, e.Message);
            return ExitCodes.OsError;
        }
        catch (StorageException e)
        {
            LogStorageFailed(log, e.Message);
            return ExitCodes.CantCreate;
        }
    }

    // Implemented by the channel files; a channel that is not built yet simply has no implementation.
    static partial void AddSipChannel(WebApplicationBuilder builder, LoadedConfiguration config);
    static partial void MapSipChannel(WebApplication app);
    static partial void AddMqttChannel(WebApplicationBuilder builder, LoadedConfiguration config);
    static partial void MapMqttChannel(WebApplication app);
    static partial void AddXmppChannel(WebApplicationBuilder builder, LoadedConfiguration config);
    static partial void MapXmppChannel(WebApplication app);
    static partial void AddStaffConsoles(WebApplicationBuilder builder, LoadedConfiguration config);
    static partial void MapStaffConsoles(WebApplication app);

    private static WebEdgeOptions EdgeOptions(Configuration.HttpOptions http) => new(
        [.. http.KnownProxies.Select(IPAddress.Parse)],
        new RateLimit(http.RateLimits.Submissions.PermitLimit, TimeSpan.FromSeconds(http.RateLimits.Submissions.WindowSeconds)),
        new RateLimit(http.RateLimits.Lookups.PermitLimit, TimeSpan.FromSeconds(http.RateLimits.Lookups.WindowSeconds)));

    internal static AdminApiOptions AdminOptions(Configuration.AdminOptions admin) =>
        new(admin.TokenSha256 is { Length: > 0 } hex ? Convert.FromHexString(hex)
            : admin.Token is { Length: > 0 } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token))
            : null);

    [LoggerMessage(EventId = 10, Level = LogLevel.Critical, Message = "cannot bind a listener: {Reason}; check Listeners in the configuration and that no other process holds the port")]
    private static partial void LogBindFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Critical, Message = "stopped because {Services} failed; exiting with EX_SOFTWARE so that the supervisor restarts the gateway")]
    private static partial void LogServicesFaulted(ILogger logger, string services);

    [LoggerMessage(EventId = 16300, Level = LogLevel.Critical, Message = "data directory {Directory} is in use by another ccgw ({Holder}); one instance per data directory: stop it, or give this one its own Data:Directory")]
    private static partial void LogDataDirectoryLocked(ILogger logger, string directory, string holder);

    [LoggerMessage(EventId = 11, Level = LogLevel.Critical, Message = "storage failed: {Reason}")]
    private static partial void LogStorageFailed(ILogger logger, string reason);
}
