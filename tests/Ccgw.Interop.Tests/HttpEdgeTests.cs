using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The HTTP listener's edge against the real daemon: security headers on pages and API answers, Kestrel's body limit
/// on chunked bodies, and per-address rate limits with X-Forwarded-For believed only from a configured proxy. Each
/// test speaks from its own loopback source address (127.0.0.x), so the limits of one test do not touch another.
/// </summary>
public sealed class HttpEdgeTests(HttpEdgeTests.Daemon fixture) : IClassFixture<HttpEdgeTests.Daemon>
{
    private const int Submissions = 3;
    private const int Lookups = 5;

    /// <summary>127.0.0.1 is the one known proxy; submissions and look-ups are limited per hour to a handful.</summary>
    public sealed class Daemon : IAsyncLifetime
    {
        public DaemonUnderTest Under { get; private set; } = null!;

        public async Task InitializeAsync() => Under = await DaemonUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["CCGW__Http__KnownProxies__0"] = "127.0.0.1",
            ["CCGW__Http__RateLimits__Submissions__PermitLimit"] = $"{Submissions}",
            ["CCGW__Http__RateLimits__Submissions__WindowSeconds"] = "3600",
            ["CCGW__Http__RateLimits__Lookups__PermitLimit"] = $"{Lookups}",
            ["CCGW__Http__RateLimits__Lookups__WindowSeconds"] = "3600",
        });

        public async Task DisposeAsync()
        {
            await Under.DisposeAsync();
            Under.DeleteRoot();
        }
    }

    [Fact]
    public async Task Pages_and_api_answers_carry_security_headers_and_the_page_has_no_inline_script()
    {
        using var http = From("127.0.0.3");
        foreach (var path in new[] { "/", "/api/status", "/api/help-requests/no-such-id", "/metrics", "/api/admin/agents", "/assets/help.js" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.Equal(path.StartsWith("/assets/", StringComparison.Ordinal) ? "public, max-age=300" : "no-store", response.Headers.CacheControl?.ToString());
        }

        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("<script src=\"/assets/help.js\"></script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", page, StringComparison.Ordinal);
        using var css = await http.GetAsync(new Uri("/assets/help.css", UriKind.Relative));
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/help-requests", "application/json")]
    [InlineData("/help", "application/x-www-form-urlencoded")]
    public async Task Oversized_chunked_body_gets_413_problem_json(string path, string contentType)
    {
        using var http = From("127.0.0.4");
        // 64 KiB with no Content-Length: only a limit counted as the body arrives can refuse it.
        var body = contentType == "application/json"
            ? $$"""{"number":"+15550001","topic":"sales","preferredTime":"now","name":"{{new string('a', 64 * 1024)}}"}"""
            : $"number=%2B15550001&topic=sales&preferredTime=now&name={new string('a', 64 * 1024)}";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Lookups_are_limited_per_address_and_forwarded_for_is_believed_only_from_the_known_proxy()
    {
        using var stranger = From("127.0.0.2");
        using var proxy = From("127.0.0.1");
        const string lookup = "/api/help-requests/no-such-id";

        // Not a proxy: a different X-Forwarded-For on every request changes nothing, the TCP peer is counted.
        for (var i = 0; i < Lookups; i++)
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(stranger, HttpMethod.Get, lookup, $"198.51.100.{i + 1}"));
        await AssertLimitedAsync(stranger, HttpMethod.Get, lookup, "198.51.100.99");

        // The known proxy speaks for its clients: one of them exhausts its own limit, another is still served.
        for (var i = 0; i < Lookups; i++)
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(proxy, HttpMethod.Get, lookup, "203.0.113.7"));
        await AssertLimitedAsync(proxy, HttpMethod.Get, lookup, "203.0.113.7");
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(proxy, HttpMethod.Get, lookup, "203.0.113.8"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(proxy, HttpMethod.Get, "/api/alerts/no-such-id", "203.0.113.9"));
        await AssertLimitedAsync(stranger, HttpMethod.Get, "/api/alerts/no-such-id", null);
    }

    [Fact]
    public async Task Call_back_submissions_are_limited_per_address_across_the_api_and_the_form()
    {
        using var client = From("127.0.0.5");
        for (var i = 0; i < Submissions; i++)
            Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(client, HttpMethod.Post, "/api/help-requests", null, "{}"));
        await AssertLimitedAsync(client, HttpMethod.Post, "/api/help-requests", null, "{}");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["number"] = "+15550002", ["topic"] = "sales" });
        using var formPost = await client.PostAsync(new Uri("/help", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.TooManyRequests, formPost.StatusCode);

        // The page itself and another address are unaffected.
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var other = From("127.0.0.6");
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(other, HttpMethod.Post, "/api/help-requests", null, "{}"));
    }

    private static async Task AssertLimitedAsync(HttpClient http, HttpMethod method, string path, string? forwardedFor, string? json = null)
    {
        using var response = await SendAsync(http, method, path, forwardedFor, json);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 3600 }, $"Retry-After: {response.Headers.RetryAfter}");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, HttpMethod method, string path, string? forwardedFor, string? json = null)
    {
        using var response = await SendAsync(http, method, path, forwardedFor, json);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? forwardedFor, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await http.SendAsync(request);
    }

    /// <summary>A client whose connections leave from <paramref name="source"/>: Linux answers all of 127/8 on lo.</summary>
    private HttpClient From(string source)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = fixture.Under.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
    }
}
