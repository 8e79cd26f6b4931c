using System.Net;
using System.Net.WebSockets;
using Ccgw.Configuration;
using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Core.Repositories;
using Ccgw.Daemon.Channels;
using Ccgw.Mqtt;
using Ccgw.Mqtt.Gateway;
using Microsoft.AspNetCore.Connections;

namespace Ccgw.Daemon;

/// <summary>
/// The MQTT channel (CONTRACT §6). Embedded mode: the broker on Listeners:Mqtt (TLS when a certificate is set) and
/// at /mqtt on the HTTP listener (WebSocket, subprotocol "mqtt"), with the configured agents and supervisors as users.
/// External mode: the gateway is a client of Mqtt:External. Either way the same gateway service publishes presence,
/// statistics, screen pops and interaction events and applies console commands.
/// </summary>
internal static partial class DaemonHost
{
    static partial void AddMqttChannel(WebApplicationBuilder builder, LoadedConfiguration config)
    {
        var options = config.Options;
        var services = builder.Services;
        if (options.Mqtt.Mode == MqttOptions.ModeExternal)
        {
            services.AddSingleton(sp => new MqttGatewayClient(ExternalClientOptions(options),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MqttGatewayClient>>()));
            services.AddSingleton<IMqttGatewayLink>(sp => sp.GetRequiredService<MqttGatewayClient>());
            services.AddHostedService<MqttExternalClientHost>();
        }
        else
        {
            services.AddSingleton(sp => new MqttAccountAuthenticator(sp.GetRequiredService<Core.Security.ILoginDirectory>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MqttAccountAuthenticator>>(),
                sp.GetService<Core.Security.StaffMqttTokens>()));
            services.AddSingleton(sp => new MqttBroker(BrokerOptions(options.Mqtt), sp.GetRequiredService<MqttAccountAuthenticator>(),
                new ContactCenterAcl(), sp.GetRequiredService<TimeProvider>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
                sp.GetService<Microsoft.Extensions.Logging.ILogger<MqttBroker>>())
            {
                GatewayWill = OfflineStatus(options, sp.GetRequiredService<TimeProvider>()),
            });
            services.AddSingleton<IMqttGatewayLink>(sp => new EmbeddedBrokerLink(sp.GetRequiredService<MqttBroker>()));
            services.AddHostedService<ServerLifetime<MqttBroker>>();
            var listener = options.Listeners.Mqtt;
            if (listener.Enabled)
            {
                var certificate = CertificateFiles.LoadConfigured(listener, config.Context);
                if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(listener.Address), listener.Port, l =>
                {
                    if (certificate is not null) l.UseHttps(certificate);
                    l.UseConnectionHandler<MqttConnectionHandler>();
                }));
            }
        }
        // Registered after the broker's lifetime so it stops first: the broker then publishes the gateway's will last.
        services.AddHostedService(sp => new MqttGatewayService(sp.GetRequiredService<RoutingEngine>(), sp.GetRequiredService<IMqttGatewayLink>(),
            sp.GetRequiredService<ICustomerRepository>(), sp.GetRequiredService<TimeProvider>(), options.Site.Name, sp.GetRequiredService<ILoggerFactory>(),
            CallbackLists(sp), sp.GetService<Ccgw.Core.SelfHelp.ISelfHelpBriefing>(), sp.GetService<ICallbackRepository>(),
            sp.GetService<Ccgw.Core.Invitations.InvitationDesk>()));
    }

    static partial void MapMqttChannel(WebApplication app)
    {
        if (app.Services.GetService<MqttBroker>() is null) return;
        app.UseWebSockets();
        app.Map("/mqtt", static async (HttpContext http, MqttBroker broker) =>
        {
            if (!http.WebSockets.IsWebSocketRequest || !http.WebSockets.WebSocketRequestedProtocols.Contains("mqtt"))
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                await http.Response.WriteAsync("MQTT over WebSocket: connect with subprotocol \"mqtt\"\n", http.RequestAborted);
                return;
            }
            using var socket = await http.WebSockets.AcceptWebSocketAsync("mqtt");
            await using var stream = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);
            var remote = http.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, http.Connection.RemotePort) : null;
            await broker.HandleConnectionAsync(stream, remote, http.RequestAborted);
        });
    }

    private static CallbackListFeed CallbackLists(IServiceProvider sp) => new(sp.GetRequiredService<CallbackListChanges>(),
        sp.GetRequiredService<ICallbackListReader>(), [.. sp.GetRequiredService<CallbackPolicies>().Queues.Select(q => q.QueueId)]);

    private static MqttApplicationMessage OfflineStatus(GatewayOptions options, TimeProvider time) =>
        GatewayOutbox.Json(GatewayTopics.CenterStatus, GatewayPayloads.CenterStatus(options.Site.Name, null, time.GetUtcNow()), retain: true);

    private static MqttBrokerOptions BrokerOptions(MqttOptions mqtt) => new()
    {
        MaximumKeepAlive = mqtt.MaximumKeepAliveSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
    };

    private static MqttGatewayClientOptions ExternalClientOptions(GatewayOptions options)
    {
        var e = options.Mqtt.External;
        return new MqttGatewayClientOptions
        {
            Host = e.Host,
            Port = e.Port,
            Tls = e.Tls,
            TlsServerName = e.TlsServerName,
            UserName = string.IsNullOrEmpty(e.Username) ? null : e.Username,
            Password = string.IsNullOrEmpty(e.Password) ? null : e.Password,
            ClientId = e.ClientId,
            KeepAlive = TimeSpan.FromSeconds(e.KeepAliveSeconds),
            Will = OfflineStatus(options, TimeProvider.System),
        };
    }
}

/// <summary>Kestrel's TCP listener hands each connection's pipe to the broker.</summary>
internal sealed class MqttConnectionHandler(MqttBroker broker) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        broker.HandleConnectionAsync(connection.Transport, connection.RemoteEndPoint, connection.ConnectionClosed);
}

/// <summary>
/// Runs the external-broker client for the daemon's lifetime; start does not wait for the broker. The client retries
/// lost connections itself; anything else it throws is a fault of ours, restarted with back-off by the supervisor
/// (the client holds no state a new connection does not rebuild), and /readyz reports it meanwhile.
/// </summary>
internal sealed class MqttExternalClientHost(MqttGatewayClient client, LoopSupervisor supervisor) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        supervisor.RunAsync(nameof(MqttGatewayClient), LoopFailurePolicy.Restart, client.RunAsync, stoppingToken);
}
