using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>
/// The OpenAPI document at /api/openapi.json, checked against the running daemon: every endpoint routing maps is in
/// it, and every documented GET without parameters answers as documented (status, and the JSON's top-level shape).
/// Generic over whatever endpoints exist, so endpoints added later are checked without touching this test.
/// </summary>
public sealed class OpenApiTests : IAsyncLifetime
{
    private const string Token = "demo-admin-token-change-me";

    /// <summary>
    /// Plain endpoints (a request delegate, not a minimal-API handler): Microsoft.AspNetCore.OpenApi describes only
    /// handlers, so these are named here and in docs/admin-api.md instead. A new minimal-API endpoint never belongs here.
    /// </summary>
    private static readonly HashSet<string> Undescribable = new(StringComparer.Ordinal)
    {
        "/healthz", "/readyz", "/metrics", "/mqtt", "/xmpp", "/api/openapi.json",
    };

    private DaemonUnderTest _daemon = null!;

    public async Task InitializeAsync() => _daemon = await DaemonUnderTest.StartAsync();

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _daemon.DeleteRoot();
    }

    private async Task<HttpResponseMessage> GetAsync(string path, bool token = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await _daemon.Http.SendAsync(request);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await GetAsync("/api/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        return document;
    }

    [Fact]
    public async Task The_document_is_on_the_admin_surface_behind_the_token()
    {
        using var anonymous = await GetAsync("/api/openapi.json", token: false);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await DocumentAsync();
    }

    [Fact]
    public async Task Every_mapped_endpoint_is_in_the_document()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        using var response = await GetAsync("/api/admin/endpoints");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mapped = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(mapped.GetArrayLength() > 10);

        var missing = new List<string>();
        foreach (var endpoint in mapped.EnumerateArray())
        {
            var route = Normalise(endpoint.GetProperty("route").GetString()!);
            if (Undescribable.Contains(route)) continue;
            if (!paths.TryGetProperty(route, out var item)) { missing.Add(route); continue; }
            foreach (var method in endpoint.GetProperty("methods").EnumerateArray())
                if (!item.TryGetProperty(method.GetString()!.ToLowerInvariant(), out _)) missing.Add($"{method} {route}");
        }
        Assert.True(missing.Count == 0, "mapped but not in /api/openapi.json: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Every_documented_GET_without_parameters_answers_as_documented()
    {
        var document = await DocumentAsync();
        var checkedPaths = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            if (path.Name.Contains('{', StringComparison.Ordinal) || !path.Value.TryGetProperty("get", out var get)) continue;
            if (get.TryGetProperty("parameters", out var parameters) && parameters.GetArrayLength() > 0) continue;
            using var response = await GetAsync(path.Name);
            var responses = get.GetProperty("responses");
            Assert.True(responses.TryGetProperty(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), out var documented),
                $"GET {path.Name} answered {(int)response.StatusCode}, which the document does not list");
            checkedPaths.Add(path.Name);
            if (!documented.TryGetProperty("content", out var content) || !content.TryGetProperty("application/json", out var json)
                || !json.TryGetProperty("schema", out var schema)) continue;
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var expected = TopLevelType(document, schema);
            Assert.True(expected is null || Matches(expected, body.ValueKind), $"GET {path.Name}: documented {expected}, answered {body.ValueKind}");
        }
        Assert.Contains("/api/admin/agents", checkedPaths);
        Assert.Contains("/api/admin/queues", checkedPaths);
    }

    /// <summary>Routing writes constraints into its patterns (<c>{id:int}</c>); the document does not.</summary>
    private static string Normalise(string route)
    {
        var text = route.StartsWith('/') ? route : "/" + route;
        return System.Text.RegularExpressions.Regex.Replace(text, @"\{\**([^}:=?]+)[^}]*\}", "{$1}");
    }

    private static string? TopLevelType(JsonElement document, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }
        if (!schema.TryGetProperty("type", out var type)) return null;
        // OpenAPI 3.1 may give a list, e.g. ["null", "object"].
        return type.ValueKind == JsonValueKind.Array
            ? string.Join("|", type.EnumerateArray().Select(t => t.GetString()))
            : type.GetString();
    }

    private static bool Matches(string expected, JsonValueKind kind) => expected.Split('|').Any(t => t switch
    {
        "array" => kind == JsonValueKind.Array,
        "object" => kind == JsonValueKind.Object,
        "string" => kind == JsonValueKind.String,
        "integer" or "number" => kind == JsonValueKind.Number,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "null" => kind == JsonValueKind.Null,
        _ => false,
    });
}
