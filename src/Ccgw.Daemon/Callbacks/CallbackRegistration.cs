using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Callbacks.DialOut;
using Ccgw.Storage.Sqlite;
using Ccgw.Web.Help;

namespace Ccgw.Daemon.Callbacks;

/// <summary>
/// Registers the call-back list and help requests (web intake with group commit), both announcing their writes on
/// <see cref="CallbackListChanges"/>, the queues' call-back policies, the scheduler and customer alerts (the core's
/// <c>Callbacks</c> area decides; this only wires it to SQLite and the host).
/// </summary>
internal static class CallbackRegistration
{
    /// <summary>SelfHelp:TopicDocuments as links under /self-help/content/ (each path segment escaped), by topic.</summary>
    private static Dictionary<string, IReadOnlyList<HelpDocument>> TopicDocuments(SelfHelpOptions selfHelp) =>
        selfHelp.TopicDocuments.ToDictionary(t => t.Key, t => (IReadOnlyList<HelpDocument>)[.. t.Value.Select(d => new HelpDocument(d.Title,
            Ccgw.Web.Wizard.SelfHelpContent.Prefix + "/" + string.Join('/', d.Path.Split('/').Select(Uri.EscapeDataString))))],
            StringComparer.OrdinalIgnoreCase);

    public static void AddCallbacks(this IServiceCollection services, GatewayOptions options)
    {
        services.AddSingleton(CallbackRules.From(options));
        services.AddSingleton<CallbackListChanges>();
        // Call-back KPIs (issue 20): the gauge reads the stored list; outcomes are counted as the list records them.
        services.AddSingleton(sp => new Core.Kpi.CallbackKpis(
            sp.GetRequiredKeyedService<Core.Repositories.ICallbackRepository>(StorageComposition.Engine), sp.GetRequiredService<TimeProvider>(),
            options.Queues.Select(q => q.Id), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<ILogger<Core.Kpi.CallbackKpis>>()));
        // The engine's own list and intake (StorageComposition), counted and wrapped so that every write is announced.
        services.AddSingleton<Core.Repositories.ICallbackRepository>(sp => new SignallingCallbackRepository(
            new Core.Kpi.MeteredCallbackRepository(
                sp.GetRequiredKeyedService<Core.Repositories.ICallbackRepository>(StorageComposition.Engine), sp.GetRequiredService<Core.Kpi.CallbackKpis>()),
            sp.GetRequiredService<CallbackListChanges>()));
        services.AddSingleton<IHelpRequestStore>(sp => new SignallingHelpRequestStore(
            sp.GetRequiredKeyedService<IHelpRequestStore>(StorageComposition.Engine), sp.GetRequiredService<CallbackListChanges>()));
        // The one call-back intake: the help form, the IM bot (ImChannel) and the IVR (VoiceService) all submit through it.
        services.AddSingleton(sp => new DialOutMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<CallbackIntake>();
        services.AddHelpRequests(new HelpSiteOptions(options.Site.Name, new RoutingOptions().DefaultHandleTime,
            Documents: TopicDocuments(options.SelfHelp), Flows: options.SelfHelp.TopicFlows));
        // Automated call-backs (SelfHelp:TopicFlows): the dispatcher hands them to the voice adapter, which reports back.
        services.AddSingleton(new IvrCallbacks(options.SelfHelp.TopicFlows));
        services.AddSingleton(sp => new CallbackDispatcher(
            sp.GetRequiredService<RoutingEngine>(),
            CoreDefinitions.From(options),
            sp.GetRequiredService<CallbackPolicies>(),
            sp.GetRequiredService<Core.Repositories.ICallbackRepository>(),
            sp.GetRequiredService<Core.Repositories.IInteractionHistoryRepository>(),
            sp.GetRequiredService<ILogger<CallbackDispatcher>>(),
            sp.GetRequiredService<IvrCallbacks>()));
        services.AddSingleton(sp => new BusyDatabaseRetry(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IStorageEngine>().IsBusy,
            sp.GetRequiredService<ILogger<BusyDatabaseRetry>>()));
        // The scheduler's recovery (interrupted call-backs) is the process's start-up path; busy databases it already
        // waits out itself, so anything else it throws ends the daemon and recovery runs in the new process.
        services.AddEventLoop<CallbackScheduler>(LoopFailurePolicy.StopDaemon);
        // Alerts are a store plus the core's events: a restart resumes the subscription where it stopped.
        services.AddEventLoop<CustomerAlertFeed>(LoopFailurePolicy.Restart);
    }
}
