using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Ccgw.Web.Edge;

/// <summary>The parts of the web surface that an operator can move to a listener of their own.</summary>
[Flags]
public enum HttpSurface
{
    None = 0,

    /// <summary>The help page, call-back and alert endpoints, assets: everything not named below.</summary>
    Public = 1,

    /// <summary><c>/api/admin/</c>, and <c>/api/openapi.json</c> which describes it.</summary>
    Admin = 2,

    /// <summary><c>/metrics</c>.</summary>
    Metrics = 4,

    /// <summary><c>/mqtt</c> (MQTT over WebSocket).</summary>
    MqttWebSocket = 8,

    All = Public | Admin | Metrics | MqttWebSocket,
}

/// <summary>
/// What one Kestrel listener serves. The daemon stores it in each accepted connection's items (a connection
/// middleware on the listener), so the answer depends on the socket the request came in on, never on a header the
/// client chose (Host, X-Forwarded-*).
/// </summary>
public sealed record HttpListenerSurfaces(string Name, HttpSurface Serves)
{
    /// <summary>The key under which the connection's items hold this record.</summary>
    public static readonly object ItemKey = typeof(HttpListenerSurfaces);
}

/// <summary>
/// Keeps a separated surface off the public listeners and the public surface off a separated listener, by path and
/// before routing, so a request to the wrong listener learns nothing (404, as for a path that does not exist). The
/// health endpoints are served on every listener: a probe may use whichever address it can reach.
/// </summary>
public static class HttpSurfaces
{
    /// <summary>The surface a request path belongs to; <see cref="HttpSurface.None"/> for the health endpoints.</summary>
    public static HttpSurface Classify(PathString path)
    {
        if (path.StartsWithSegments("/api/admin", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/api/openapi.json", StringComparison.OrdinalIgnoreCase)) return HttpSurface.Admin;
        if (path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase)) return HttpSurface.Metrics;
        if (path.StartsWithSegments("/mqtt", StringComparison.OrdinalIgnoreCase)) return HttpSurface.MqttWebSocket;
        if (path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/readyz", StringComparison.OrdinalIgnoreCase)) return HttpSurface.None;
        return HttpSurface.Public;
    }

    /// <summary>
    /// Call first, before any endpoint, when at least one surface has a listener of its own. A connection without the
    /// listener record (none of ours) is treated as public: failing closed keeps a separated surface off it.
    /// </summary>
    public static IApplicationBuilder UseHttpSurfaces(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var surface = Classify(http.Request.Path);
        if (surface == HttpSurface.None) return next(http);
        var serves = http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(HttpListenerSurfaces.ItemKey, out var item) == true
            && item is HttpListenerSurfaces listener
                ? listener.Serves
                : HttpSurface.Public;
        if ((serves & surface) != 0) return next(http);
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    });
}
