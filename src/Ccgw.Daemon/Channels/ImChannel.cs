using System.Xml.Linq;
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
        var settings = Settings(options, config.Context);

        services.AddSingleton<IInteractionTranscriptRepository>(sp => new SqliteInteractionTranscriptRepository(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IImCallbackBooking>(sp => new HelpRequestBooking(sp.GetRequiredService<IHelpRequestStore>(), sp.GetRequiredService<CallbackPolicies>()));
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
            services.AddSingleton(sp => NewGateway(sp, settings, sp.GetRequiredService<ComponentLink>()));
        }
        else
        {
            services.AddSingleton(sp => NewGateway(sp, settings, new RouterOutlet(sp)));
            services.AddSingleton<IStanzaService>(sp => sp.GetRequiredService<ImGateway>());
        }
        services.AddHostedService<ImGatewayHost>();
    }

    internal static ImGatewaySettings Settings(GatewayOptions options, ConfigContext context)
    {
        var catalog = CoreDefinitions.FlowCatalog(options, context);
        return new ImGatewaySettings
        {
            Domain = options.Im.Component.Enabled ? options.Im.Component.Domain : options.Site.XmppDomain,
            AgentDomain = options.Site.XmppDomain,
            SupportLocalPart = options.Im.SupportAddress,
            SupportFlow = catalog.Flows[options.Im.Flow],
            Catalog = catalog,
            Texts = new GatewayTexts(options.Im.Texts),
            MinimumInputTimeout = TimeSpan.FromSeconds(options.Im.MinimumInputSeconds),
            CallbackNumberTimeout = TimeSpan.FromSeconds(options.Im.CallbackNumberSeconds),
            CapabilityProbeTimeout = TimeSpan.FromSeconds(options.Im.CapabilityProbeSeconds),
            MaxConversations = options.Im.MaxConversations,
            Queues = [.. options.Queues.Where(q => !string.IsNullOrEmpty(q.ImAddress))
                .Select(q => new ImQueueAddress(q.ImAddress!, q.Id, q.Name ?? q.Id))],
        };
    }

    private static ImGateway NewGateway(IServiceProvider sp, ImGatewaySettings settings, IStanzaOutlet outlet) => new(
        settings, outlet, new EngineImRouting(sp.GetRequiredService<RoutingEngine>()), sp.GetRequiredService<IImCallbackBooking>(),
        sp.GetRequiredService<ICustomerRepository>(), sp.GetRequiredService<IInteractionTranscriptRepository>(),
        sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ImGateway>>());

    /// <summary>
    /// The built-in router's outlet, resolved on first use: the router itself takes every <see cref="IStanzaService"/>,
    /// so the gateway cannot take the router in its constructor.
    /// </summary>
    private sealed class RouterOutlet(IServiceProvider services) : IStanzaOutlet
    {
        private IStanzaOutlet? _outlet;

        public ValueTask SendAsync(XElement stanza, CancellationToken cancellationToken = default)
        {
            _outlet ??= services.GetService<IStanzaOutlet>() ?? services.GetService<Ccgw.Xmpp.Server.XmppServer>() as IStanzaOutlet
                ?? throw new InvalidOperationException("no XMPP router is registered (IStanzaOutlet); is Listeners:Xmpp enabled?");
            return _outlet.SendAsync(stanza, cancellationToken);
        }
    }
}

/// <summary>
/// Follows the core's events for the IM gateway (subscribed in the constructor, before the core runs, so no offer is
/// missed) and, in component mode, runs the component link for the daemon's lifetime.
/// </summary>
internal sealed class ImGatewayHost : BackgroundService
{
    private readonly ImGateway _gateway;
    private readonly ComponentLink? _link;
    private readonly CustomerAlertOutbox? _alerts;
    private readonly EventFollower _events;

    public ImGatewayHost(ImGateway gateway, RoutingEngine engine, IServiceProvider services)
    {
        _gateway = gateway;
        _link = services.GetService<ComponentLink>();
        _alerts = services.GetService<CustomerAlertOutbox>();
        _events = new EventFollower(engine);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var link = _link is null ? Task.CompletedTask : _link.RunAsync(_gateway, stoppingToken);
        var alerts = _alerts is null ? Task.CompletedTask : DeliverAlertsAsync(_alerts, stoppingToken);
        try
        {
            await _gateway.RunAsync(_events, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await link;
        await alerts;
    }

    /// <summary>Triggered IM customer alerts (the help page's "tell me when the wait is short") go out from the queue address.</summary>
    private async Task DeliverAlertsAsync(CustomerAlertOutbox outbox, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in outbox.Reader.ReadAllAsync(stoppingToken))
                await _gateway.SendAlertAsync(alert, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
