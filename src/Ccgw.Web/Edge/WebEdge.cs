using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ccgw.Web.Edge;

/// <summary>A fixed window per client address.</summary>
public sealed record RateLimit(int PermitLimit, TimeSpan Window);

/// <summary>The HTTP surface's edge policy, bound from the <c>Http</c> configuration section by the daemon.</summary>
public sealed record WebEdgeOptions(IReadOnlyList<IPAddress> KnownProxies, RateLimit Submissions, RateLimit Lookups);

/// <summary>
/// The rate limits in force, replaced whole by a reload (issue 20: <c>Http:RateLimits</c> without a restart). Each
/// client address's window is keyed by the limit it runs under, so the next request after a change counts against the
/// new limit in a fresh window; the windows of the old limit go idle and the rate limiter drops them.
/// </summary>
public sealed class LiveRateLimits(RateLimit submissions, RateLimit lookups)
{
    private volatile Pair _current = new(submissions, lookups);

    public RateLimit Submissions => _current.Submissions;

    public RateLimit Lookups => _current.Lookups;

    public void Replace(RateLimit submissions, RateLimit lookups)
    {
        ArgumentNullException.ThrowIfNull(submissions);
        ArgumentNullException.ThrowIfNull(lookups);
        _current = new Pair(submissions, lookups);
    }

    private sealed record Pair(RateLimit Submissions, RateLimit Lookups);
}

/// <summary>
/// What every HTTP answer passes through before and after the endpoints: the client address (X-Forwarded-For only
/// from configured proxies), security headers (HSTS over TLS), 413 problem JSON when Kestrel's body limit trips (chunked bodies
/// included), and per-address rate limits on the anonymous endpoints (ASP.NET Core's rate limiter).
/// </summary>
public static partial class WebEdge
{
    /// <summary>Rate-limit policy of the anonymous writes: call-back and alert requests.</summary>
    public const string SubmissionsPolicy = "ccgw-submissions";

    /// <summary>Rate-limit policy of the anonymous reads: request and alert status, waiting times.</summary>
    public const string LookupsPolicy = "ccgw-lookups";

    /// <summary>
    /// No inline script or style: the help page loads /assets/help.js and /assets/help.css, so an injected tag cannot
    /// run. No framing (clickjacking the call-back form), forms post only back here, scripts fetch only from here.
    /// </summary>
    public const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static IServiceCollection AddWebEdge(this IServiceCollection services, WebEdgeOptions options)
    {
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // The defaults trust loopback; only what the configuration names is a proxy.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in options.KnownProxies) o.KnownProxies.Add(proxy);
            o.ForwardLimit = 1;
        });
        services.AddHsts(o =>
        {
            // A year, as the HSTS preload list asks; no includeSubDomains: the gateway cannot speak for its siblings.
            o.MaxAge = TimeSpan.FromDays(365);
            // The defaults skip localhost and loopback addresses; the header is only ever sent over TLS, where it
            // is true wherever the client reached us (browsers ignore it for IP literals by themselves, RFC 6797 §8.1).
            o.ExcludedHosts.Clear();
        });
        var limits = new LiveRateLimits(options.Submissions, options.Lookups);
        services.AddSingleton(limits);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Read at each request: a reload's new limits apply to the next one.
            o.AddPolicy(SubmissionsPolicy, http => PerAddress(http, limits.Submissions));
            o.AddPolicy(LookupsPolicy, http => PerAddress(http, limits.Lookups));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ccgw.Web.Edge");
                LogRateLimited(log, http.Connection.RemoteIpAddress, http.Request.Path);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "too many requests from this address",
                    detail: $"try again in {seconds} seconds").ExecuteAsync(http);
            };
        });
        return services;
    }

    /// <summary>Call before the endpoints; <c>UseRouting</c> is called here so that the rate limiter sees the endpoint.</summary>
    public static WebApplication UseWebEdge(this WebApplication app)
    {
        app.UseForwardedHeaders();
        // Strict-Transport-Security on answers over TLS only (Listeners:Https or a surface's own TLS listener).
        app.UseHsts();
        app.Use(async (http, next) =>
        {
            http.Response.OnStarting(static state =>
            {
                AddSecurityHeaders((HttpContext)state);
                return Task.CompletedTask;
            }, http);
            try
            {
                await next(http);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !http.Response.HasStarted)
            {
                // Kestrel's MaxRequestBodySize counts chunked bodies as they arrive; answer as every other error does.
                http.Response.Clear();
                await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "the request body is too large",
                    detail: e.Message).ExecuteAsync(http);
            }
        });
        app.UseRouting();
        app.UseRateLimiter();
        return app;
    }

    internal static void AddSecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Status pages carry the request's id in their address: never hand it to another site.
        headers["Referrer-Policy"] = "no-referrer";
        if (headers.CacheControl.Count == 0)
            headers.CacheControl = http.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal) ? "public, max-age=300" : "no-store";
    }

    private static RateLimitPartition<string> PerAddress(HttpContext http, RateLimit limit) =>
        // The limit is part of the key: a partition's limiter is made once, so a changed limit needs partitions of its own.
        RateLimitPartition.GetFixedWindowLimiter(
            string.Create(CultureInfo.InvariantCulture, $"{PartitionKey(http.Connection.RemoteIpAddress)} {limit.PermitLimit}/{limit.Window.Ticks}"),
            _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    /// <summary>An IPv6 client owns at least a /64, so the partition is the /64; IPv4 is the address.</summary>
    internal static string PartitionKey(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    [LoggerMessage(EventId = 16400, Level = LogLevel.Debug, Message = "rate limit refused {Client} on {Path}")]
    private static partial void LogRateLimited(ILogger logger, IPAddress? client, PathString path);
}
