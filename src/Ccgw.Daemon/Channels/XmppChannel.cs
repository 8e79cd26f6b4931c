using System.Net;
using System.Security.Cryptography.X509Certificates;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Core.Security;
using Ccgw.Daemon.Channels;
using Ccgw.Storage.Sqlite;
using Ccgw.Xmpp.Im;
using Ccgw.Xmpp.Routing;
using Ccgw.Xmpp.Server;
using Ccgw.Xmpp.Streams;
using Ccgw.Xmpp.Xml;
using Microsoft.AspNetCore.Connections;

namespace Ccgw.Daemon;

/// <summary>
/// The XMPP channel (CONTRACT §5): the built-in c2s server on Listeners:Xmpp (STARTTLS with the configured certificate,
/// or a self-signed one generated into the data directory on first run), accounts from the configuration (agents,
/// supervisors) and the customer store (customers with an XMPP credential), ANONYMOUS guests, the IM gateway's
/// services registered with its router, and agents' and customers' presence passed to the core.
/// </summary>
internal static partial class DaemonHost
{
    static partial void AddXmppChannel(WebApplicationBuilder builder, LoadedConfiguration config)
    {
        var options = config.Options;
        var services = builder.Services;
        ImChannel.AddImGateway(builder, config);
        var listener = options.Listeners.Xmpp;
        if (!listener.Enabled) return;

        var dataDirectory = config.Context.Resolve(options.Data.Directory);
        services.AddSingleton(sp => new XmppAccountDirectory(sp.GetRequiredService<ILoginDirectory>(), options.Site.XmppDomain,
            sp.GetRequiredService<ICustomerRepository>(), sp.GetRequiredService<ICustomerCredentialStore>(),
            sp.GetService<Core.Security.StaffMqttTokens>(), sp.GetService<Core.Security.CustomerChatTokens>()));
        services.AddSingleton(sp => new XmppPresenceBridge(options.Xmpp.PresenceDrivesAgentState, sp.GetRequiredService<RoutingEngine>(),
            sp.GetRequiredService<ILogger<XmppPresenceBridge>>(), sp.GetService<ImGateway>()));
        services.AddSingleton(sp =>
        {
            var server = new XmppServer(ServerOptions(options, config.Context, dataDirectory, sp.GetRequiredService<TimeProvider>()), sp.GetRequiredService<XmppAccountDirectory>(),
                new LoginLimiterGate(new AuthFailureLimiter(sp.GetRequiredService<TimeProvider>()), new AuthFailureLimiter(sp.GetRequiredService<TimeProvider>())), sp.GetServices<IStanzaService>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<XmppServer>>(), sp.GetRequiredService<XmppPresenceBridge>());
            sp.GetService<RouterOutlet>()?.Attach(server);
            return server;
        });
        services.AddSingleton<IStanzaOutlet>(sp => sp.GetRequiredService<XmppServer>());
        // The help page's chat window: the queues with a chat address (Queues:*:ImAddress), reached over /xmpp.
        services.AddSingleton(new Ccgw.Web.Chat.WebChatSetup(options.Site.XmppDomain, [.. options.Queues
            .Where(q => !string.IsNullOrEmpty(q.ImAddress))
            .Select(q => new Ccgw.Web.Chat.WebChatTopic(q.Id, q.Name ?? q.Id, $"{q.ImAddress}@{options.Site.XmppDomain}"))]));
        services.AddHostedService<ServerLifetime<XmppServer>>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(listener.Address), listener.Port,
            l => l.UseConnectionHandler<XmppConnectionHandler>()));
    }

    /// <summary>
    /// XMPP over WebSocket (RFC 7395, CONTRACT §9) at /xmpp on the HTTP listener: the same server, accounts, guests
    /// and bot as Listeners:Xmpp. Each socket counts against the "xmpp-ws" connection caps (Listeners:MaxConnections,
    /// MaxConnectionsPerAddress) besides the HTTP connection it rides on, and opening one against the lookups rate limit.
    /// </summary>
    static partial void MapXmppChannel(WebApplication app)
    {
        if (app.Services.GetService<XmppServer>() is null) return;
        var requireTls = app.Services.GetRequiredService<Ccgw.Configuration.GatewayOptions>().Xmpp.RequireTls;
        app.UseWebSockets();
        app.Map(XmppWebSocketEndpoint.Path, (HttpContext http, XmppServer server, ListenerCaps caps) =>
                XmppWebSocketEndpoint.HandleAsync(http, server, caps, requireTls))
            .RequireRateLimiting(Ccgw.Web.Edge.WebEdge.LookupsPolicy);
    }

    private static XmppServerOptions ServerOptions(GatewayOptions options, ConfigContext context, string dataDirectory, TimeProvider time)
    {
        var x = options.Xmpp;
        var certificate = XmppCertificate.LoadOrCreate(options.Listeners.Xmpp, context, dataDirectory, options.Site.XmppDomain, time);
        var team = options.Agents.Select(a => (a.Id.ToLowerInvariant(), a.Name ?? a.Id, "Agents"))
            .Concat(options.Supervisors.Select(s => (s.Id.ToLowerInvariant(), s.Name ?? s.Id, "Supervisors"))).ToList();
        return new XmppServerOptions
        {
            Stream = new C2sSettings
            {
                Domain = options.Site.XmppDomain,
                TlsAvailable = true,
                RequireTls = x.RequireTls,
                AllowAnonymous = x.AllowAnonymous,
                NegotiationTimeout = TimeSpan.FromSeconds(x.NegotiationTimeoutSeconds),
                StanzaTimeout = TimeSpan.FromSeconds(x.StanzaTimeoutSeconds),
                IdleTimeout = TimeSpan.FromSeconds(x.IdleTimeoutSeconds),
                Limits = new XmlStreamLimits { MaxStanzaBytes = x.MaxStanzaBytes, MaxDepth = x.MaxDepth, MaxAttributes = x.MaxAttributes },
            },
            Certificate = certificate,
            ResumeTimeout = TimeSpan.FromSeconds(x.ResumeTimeoutSeconds),
            MaxRosterItems = x.MaxRosterItems,
            GuestMaxRosterItems = x.GuestMaxRosterItems,
            MaxDirectedPresence = x.MaxDirectedPresence,
            MaxUnackedStanzas = x.MaxUnackedStanzas,
            SoftwareName = "ccgw",
            SoftwareVersion = BuildInfo.Version,
            Team = team,
        };
    }
}

/// <summary>The configured certificate, or a self-signed one made once into the data directory (xmpp-selfsigned.pfx).</summary>
internal static class XmppCertificate
{
    public const string FileName = "xmpp-selfsigned.pfx";

    public static X509Certificate2 LoadOrCreate(TlsListenerOptions listener, ConfigContext context, string dataDirectory, string domain, TimeProvider time)
    {
        return CertificateFiles.LoadConfigured(listener, context)
            ?? SelfSignedCertificate.LoadOrCreate(Path.Combine(dataDirectory, FileName), domain, time);
    }
}

/// <summary>Kestrel's TCP listener hands each connection's pipe to the c2s server.</summary>
internal sealed class XmppConnectionHandler(XmppServer server) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        server.HandleConnectionAsync(connection.Transport, connection.RemoteEndPoint, connection.ConnectionClosed);
}

/// <summary>The /xmpp endpoint: checks the upgrade, admits the socket under the caps, hands it to the server.</summary>
internal static class XmppWebSocketEndpoint
{
    public const string Path = "/xmpp";

    /// <summary>RFC 7395 §3.1: the subprotocol a client must ask for.</summary>
    public const string Subprotocol = "xmpp";

    public static async Task HandleAsync(HttpContext http, XmppServer server, ListenerCaps caps, bool requireTls)
    {
        if (!http.WebSockets.IsWebSocketRequest || !http.WebSockets.WebSocketRequestedProtocols.Contains(Subprotocol))
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "XMPP over WebSocket",
                detail: "connect with a WebSocket and subprotocol \"xmpp\" (RFC 7395)").ExecuteAsync(http);
            return;
        }
        var secure = IsPrivate(http);
        if (!secure && requireTls)
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "XMPP over WebSocket needs wss://",
                detail: "Xmpp:RequireTls is on: connect over HTTPS").ExecuteAsync(http);
            return;
        }
        var address = http.Connection.RemoteIpAddress;
        using var lease = caps.For("xmpp-ws").TryAdmit(address, out _);
        if (lease is null)
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "too many XMPP connections",
                detail: "try again later").ExecuteAsync(http);
            return;
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync(Subprotocol);
        var remote = address is null ? null : new IPEndPoint(address, http.Connection.RemotePort);
        await server.HandleWebSocketAsync(socket, remote, secure, http.RequestAborted);
    }

    /// <summary>
    /// Whether the socket's bytes stay private without STARTTLS: the request came over HTTPS (wss://), or from this
    /// host itself (a browser on the same machine). Behind a proxy named in Http:KnownProxies the address is the
    /// client's, so such a proxy must reach the daemon over HTTPS for guests and PLAIN logins to be offered.
    /// </summary>
    private static bool IsPrivate(HttpContext http)
    {
        if (http.Request.IsHttps) return true;
        var peer = http.Connection.RemoteIpAddress;
        return peer is not null && IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);
    }
}
