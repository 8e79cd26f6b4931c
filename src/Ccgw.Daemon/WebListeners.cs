using System.Net;
using System.Security.Cryptography.X509Certificates;
using Ccgw.Configuration;
using Ccgw.Daemon.Channels;
using Ccgw.Web.Edge;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Ccgw.Daemon;

/// <summary>
/// Every Kestrel listener of the web server, in one place: <c>Listeners:Http</c>, <c>Listeners:Https</c> (TLS with the
/// certificate handling of the other TLS listeners, <see cref="CertificateFiles"/>), and the listeners of the surfaces
/// given their own <c>Http:*:Listen</c>. Each listener tags its connections with what it serves
/// (<see cref="HttpListenerSurfaces"/>); <see cref="HttpSurfaces.UseHttpSurfaces"/> answers 404 for the rest.
/// Certificates are loaded while the host is built, so a bad file stops start-up before anything binds.
/// </summary>
internal sealed class WebListeners
{
    private readonly List<(IPEndPoint EndPoint, LiveCertificate? Certificate, HttpListenerSurfaces Surfaces)> _listeners = [];

    private WebListeners(LoadedConfiguration config, ListenerCertificates certificates)
    {
        var options = config.Options;
        var separated = HttpSurface.None;
        var own = new Dictionary<IPEndPoint, (LiveCertificate? Certificate, HttpSurface Serves, List<string> Names)>();
        foreach (var (surface, key, settings) in Surfaces(options))
        {
            if (settings.Listen is not { Enabled: true } listen) continue;
            separated |= surface;
            var endPoint = new IPEndPoint(IPAddress.Parse(listen.Address), listen.Port);
            // Surfaces on one address and port share a listener (the configuration checks they agree on TLS).
            if (own.TryGetValue(endPoint, out var existing))
            {
                existing.Names.Add(key);
                own[endPoint] = (existing.Certificate, existing.Serves | surface, existing.Names);
            }
            else
                own[endPoint] = (certificates.Configured(key + ":Listen", listen, config.Context), surface, [key]);
        }
        IsSeparated = separated != HttpSurface.None;

        var publicSurfaces = new HttpListenerSurfaces("public", HttpSurface.All & ~separated);
        var http = options.Listeners.Http;
        if (http.Enabled) _listeners.Add((new IPEndPoint(IPAddress.Parse(http.Address), http.Port), null, publicSurfaces));
        var https = options.Listeners.Https;
        if (https.Enabled)
            _listeners.Add((new IPEndPoint(IPAddress.Parse(https.Address), https.Port),
                certificates.Configured("Listeners:Https", https, config.Context), publicSurfaces));
        foreach (var (endPoint, (certificate, serves, names)) in own)
            _listeners.Add((endPoint, certificate, new HttpListenerSurfaces(string.Join("+", names), serves)));
    }

    /// <summary>True when some surface has a listener of its own, so requests must be sorted by listener.</summary>
    public bool IsSeparated { get; }

    /// <summary>True when any web listener speaks TLS.</summary>
    public bool UsesTls => _listeners.Exists(l => l.Certificate is not null);

    /// <summary>For the READY status line: every web listener and what it serves.</summary>
    public string Describe() => string.Join(", ", _listeners.Select(l =>
        $"{(l.Certificate is null ? "http" : "https")} {l.EndPoint}{(l.Surfaces.Name == "public" ? "" : $" ({l.Surfaces.Name})")}"));

    /// <summary>The web listeners of <paramref name="config"/>; their certificates join <paramref name="certificates"/> (SIGHUP reloads them).</summary>
    public static WebListeners From(LoadedConfiguration config, ListenerCertificates certificates) => new(config, certificates);

    /// <summary>Binds every web listener; called from the host's one <c>ConfigureKestrel</c>.</summary>
    public void Listen(KestrelServerOptions kestrel)
    {
        foreach (var (endPoint, certificate, surfaces) in _listeners)
            kestrel.Listen(endPoint, listen =>
            {
                // Asked at every handshake, so a certificate replaced by SIGHUP serves the next connection.
                if (certificate is not null) listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => certificate.Current });
                listen.Use(next => connection =>
                {
                    connection.Items[HttpListenerSurfaces.ItemKey] = surfaces;
                    return next(connection);
                });
            });
    }

    private static IEnumerable<(HttpSurface Surface, string Key, HttpSurfaceOptions Settings)> Surfaces(GatewayOptions options)
    {
        yield return (HttpSurface.Admin, "Http:Admin", options.Http.Admin);
        yield return (HttpSurface.Metrics, "Http:Metrics", options.Http.Metrics);
        // In external mode there is no /mqtt to serve (the configuration warns), so no listener is opened for it.
        if (options.Mqtt.Mode != MqttOptions.ModeExternal)
            yield return (HttpSurface.MqttWebSocket, "Http:MqttWebSocket", options.Http.MqttWebSocket);
    }
}
