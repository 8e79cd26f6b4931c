using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Flows;
using Ccgw.Core.Repositories;
using Ccgw.Storage.Sqlite;
using Ccgw.Xmpp.Component;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;

namespace Ccgw.Daemon;

/// <summary>
/// The IM gateway (CONTRACT §5): queue addresses, the bot, routing and relay of chats. With the built-in XMPP server it is
/// an <see cref="IStanzaService"/> the c2s router hands the gateway's addresses to; in component mode (<c>Im:Component</c>,
/// XEP-0114) it is attached to the site's server by a <see cref="ComponentLink"/> instead, on the component's domain.
/// The XMPP channel calls <see cref="AddImGateway"/> once while it registers its services.
/// </summary>
internal static class ImChannel
{
    public static void AddImGateway(WebApplicationBuilder builder, LoadedConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        var options = config.Options;
        var component = options.Im.Component;
        var services = builder.Services;
        // The daemon's one flow catalogue, so flows provisioned at run time reach the bot's next conversation.
        ImGatewaySettings Configured(IServiceProvider sp) => Settings(options, config.Context, sp.GetRequiredService<FlowCatalog>());

        services.AddSingleton<IImCallbackBooking>(sp => new HelpRequestBooking(sp.GetRequiredService<CallbackIntake>()));
        if (component.Enabled)
        {
            services.AddSingleton(sp => new ComponentLink(new ComponentLinkOptions
            {
                Host = component.Host,
                Port = component.Port,
                Domain = component.Domain,
                Secret = component.Secret ?? "",
                ReconnectMin = TimeSpan.FromSeconds(component.ReconnectMinSeconds),
                ReconnectMax = TimeSpan.FromSeconds(component.ReconnectMaxSeconds),
            }, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ComponentLink>>()));
            services.AddSingleton(sp => NewGateway(sp, Configured(sp), sp.GetRequiredService<ComponentLink>()));
        }
        else
        {
            services.AddSingleton<RouterOutlet>(); // XmppServer's registration attaches itself
            services.AddSingleton(sp => NewGateway(sp, Configured(sp), sp.GetRequiredService<RouterOutlet>()));
            services.AddSingleton<IStanzaService>(sp => sp.GetRequiredService<ImGateway>());
        }
        services.AddSingleton(sp => new ImGatewayLoop(sp.GetRequiredService<ImGateway>(), sp.GetRequiredService<RoutingEngine>(),
            sp.GetService<ComponentLink>(), sp.GetService<CustomerAlertOutbox>()));
        // The IM gateway holds every open conversation in memory; running it again over that state is not a restart.
        services.AddEventLoop<ImGatewayLoop>(LoopFailurePolicy.StopDaemon);
    }

    /// <param name="catalog">The daemon's one flow catalogue (flows provisioned at run time); null: the file's.</param>
    internal static ImGatewaySettings Settings(GatewayOptions options, ConfigContext context, FlowCatalog? catalog = null)
    {
        catalog ??= CoreDefinitions.FlowCatalog(options, context);
        return new ImGatewaySettings
        {
            Domain = options.Im.Component.Enabled ? options.Im.Component.Domain : options.Site.XmppDomain,
            AgentDomain = options.Site.XmppDomain,
            SupportLocalPart = options.Im.SupportAddress,
            SupportFlow = catalog.Flows[options.Im.Flow],
            SupportFlowId = options.Im.Flow,
            Catalog = catalog,
            Texts = new GatewayTexts(options.Im.Texts),
            MinimumInputTimeout = TimeSpan.FromSeconds(options.Im.MinimumInputSeconds),
            CallbackNumberTimeout = TimeSpan.FromSeconds(options.Im.CallbackNumberSeconds),
            CapabilityProbeTimeout = TimeSpan.FromSeconds(options.Im.CapabilityProbeSeconds),
            MaxConversations = options.Im.MaxConversations,
            QueueUpdateEvery = TimeSpan.FromSeconds(options.Im.QueueUpdateSeconds),
            QueueUpdateWaitChange = TimeSpan.FromSeconds(options.Im.QueueUpdateWaitChangeSeconds),
            Queues = [.. options.Queues.Where(q => !string.IsNullOrEmpty(q.ImAddress))
                .Select(q => new ImQueueAddress(q.ImAddress!, q.Id, q.Name ?? q.Id))],
        };
    }

    private static ImGateway NewGateway(IServiceProvider sp, ImGatewaySettings settings, IStanzaOutlet outlet) => new(
        settings, outlet, new EngineImRouting(sp.GetRequiredService<RoutingEngine>()), sp.GetRequiredService<IImCallbackBooking>(),
        sp.GetRequiredService<ICustomerRepository>(), sp.GetRequiredService<IInteractionTranscriptRepository>(),
        sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ImGateway>>());
}
