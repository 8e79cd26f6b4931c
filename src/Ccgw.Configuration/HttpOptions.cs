namespace Ccgw.Configuration;

/// <summary>
/// Policy for the HTTP listener's surface (the listener's address and port stay in <c>Listeners:Http</c>):
/// which reverse proxies may speak for a client, the largest request body, and the per-address rate limits
/// on the anonymous endpoints.
/// </summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Addresses of reverse proxies whose <c>X-Forwarded-For</c> is believed. From any other peer the header is
    /// ignored and the TCP peer is the client, so a stranger cannot pick the address the rate limit counts.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Largest request body on any endpoint, chunked or not (Kestrel's MaxRequestBodySize); larger gets 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;

    public HttpRateLimitsOptions RateLimits { get; set; } = new();

    /// <summary>The admin API (<c>/api/admin/</c>); with a <c>Listen</c> of its own it leaves the public listeners.</summary>
    public HttpSurfaceOptions Admin { get; set; } = new();

    /// <summary>The Prometheus scrape (<c>/metrics</c>); with a <c>Listen</c> of its own it leaves the public listeners.</summary>
    public HttpSurfaceOptions Metrics { get; set; } = new();

    /// <summary>MQTT over WebSocket (<c>/mqtt</c>, embedded broker); with a <c>Listen</c> of its own it leaves the public listeners.</summary>
    public HttpSurfaceOptions MqttWebSocket { get; set; } = new();
}

/// <summary>
/// Where one part of the web surface is served. No <see cref="Listen"/> (or one with Enabled false): on
/// <c>Listeners:Http</c> and <c>Listeners:Https</c>, as before. With one: only there (plain HTTP, or TLS when a
/// certificate is set), and the public listeners answer 404 for it. Parts given the same address and port share
/// one listener.
/// </summary>
public sealed class HttpSurfaceOptions
{
    public TlsListenerOptions? Listen { get; set; }
}

public sealed class HttpRateLimitsOptions
{
    /// <summary>Call-back and alert requests (<c>POST /api/help-requests</c>, <c>/help</c>, <c>/api/alerts</c>, <c>/alerts</c>).</summary>
    public RateLimitOptions Submissions { get; set; } = new() { PermitLimit = 30, WindowSeconds = 60 };

    /// <summary>Status look-ups of a request or alert, and the waiting times the page polls.</summary>
    public RateLimitOptions Lookups { get; set; } = new() { PermitLimit = 300, WindowSeconds = 60 };
}

/// <summary>A fixed window per client address: at most <see cref="PermitLimit"/> requests in each <see cref="WindowSeconds"/>.</summary>
public sealed class RateLimitOptions
{
    public int PermitLimit { get; set; }
    public int WindowSeconds { get; set; }
}
