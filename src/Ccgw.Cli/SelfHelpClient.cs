using System.Text;
using System.Text.Json;

namespace Ccgw.Cli;

/// <summary>
/// The self-help verbs (issue 17) over the admin API: <c>wizard</c> (list, show, put, preview, publish, drop-draft,
/// served), <c>catalogue</c> (list, put, delete), <c>orders</c> and <c>order-status</c>. Refusals print the API's
/// problem JSON, which names the field (e.g. <c>steps[2].choices[0].next</c>), and exit 1.
/// </summary>
internal sealed class SelfHelpClient(TextWriter stdout, TextWriter stderr)
{
    public const string Usage = """
          wizard list | show ID | put FILE | preview ID [CUSTOMER] | publish ID | drop-draft ID | served CUSTOMER
                                                 author self-help wizards: put saves FILE as the wizard's draft (refused
                                                 content names the field), publish serves it; served shows what a customer sees
          catalogue list [PRODUCT] | put FILE | delete ID   the parts and services catalogue (FILE: an item or an array)
          orders [CUSTOMER]                      orders placed through ccgw, newest first
          order-status ID STATUS                 move an order: confirmed, shipped, delivered, cancelled
        """;

    public async Task<int> RunAsync(HttpClient http, string verb, IReadOnlyList<string> args) => (verb, args.Count > 0 ? args[0] : null, args.Count) switch
    {
        ("wizard", "list", 1) => await SendAsync(http, HttpMethod.Get, "/api/admin/wizards"),
        ("wizard", "show", 2) => await SendAsync(http, HttpMethod.Get, $"/api/admin/wizards/{E(args[1])}"),
        ("wizard", "put", 2) => await PutWizardAsync(http, args[1]),
        ("wizard", "preview", 2) => await SendAsync(http, HttpMethod.Get, $"/api/admin/wizards/{E(args[1])}/preview"),
        ("wizard", "preview", 3) => await SendAsync(http, HttpMethod.Get, $"/api/admin/wizards/{E(args[1])}/preview?customer={E(args[2])}"),
        ("wizard", "publish", 2) => await SendAsync(http, HttpMethod.Post, $"/api/admin/wizards/{E(args[1])}/publish"),
        ("wizard", "drop-draft", 2) => await SendAsync(http, HttpMethod.Delete, $"/api/admin/wizards/{E(args[1])}/draft", done: $"draft of {args[1]} deleted"),
        ("wizard", "served", 2) => await SendAsync(http, HttpMethod.Get, $"/api/admin/customers/{E(args[1])}/wizard"),
        ("catalogue", "list", 1) => await SendAsync(http, HttpMethod.Get, "/api/admin/catalogue"),
        ("catalogue", "list", 2) => await SendAsync(http, HttpMethod.Get, $"/api/admin/catalogue?product={E(args[1])}"),
        ("catalogue", "put", 2) => await PutCatalogueAsync(http, args[1]),
        ("catalogue", "delete", 2) => await SendAsync(http, HttpMethod.Delete, $"/api/admin/catalogue/{E(args[1])}", done: $"catalogue item {args[1]} deleted"),
        ("orders", null, 0) => await SendAsync(http, HttpMethod.Get, "/api/admin/orders"),
        ("orders", _, 1) => await SendAsync(http, HttpMethod.Get, $"/api/admin/orders?customer={E(args[0])}"),
        ("order-status", _, 2) => await SendAsync(http, new HttpMethod("PATCH"), $"/api/admin/orders/{E(args[0])}",
            JsonSerializer.Serialize(new Dictionary<string, string> { ["status"] = args[1] })),
        _ => await UsageAsync(),
    };

    private async Task<int> UsageAsync()
    {
        await stderr.WriteLineAsync($"ccgwctl: usage:\n{Usage}");
        return 64;
    }

    private async Task<int> PutWizardAsync(HttpClient http, string file)
    {
        if (await ReadFileAsync(file) is not { } json) return 66;
        string? id;
        try
        {
            using var doc = JsonDocument.Parse(json);
            id = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString() : null;
        }
        catch (JsonException e)
        {
            await stderr.WriteLineAsync($"ccgwctl: {file} is not JSON: {e.Message}");
            return 65;
        }
        if (string.IsNullOrEmpty(id))
        {
            await stderr.WriteLineAsync($"ccgwctl: {file}: the wizard needs an \"id\"");
            return 65;
        }
        return await SendAsync(http, HttpMethod.Put, $"/api/admin/wizards/{E(id)}", json);
    }

    private async Task<int> PutCatalogueAsync(HttpClient http, string file)
    {
        if (await ReadFileAsync(file) is not { } json) return 66;
        List<JsonElement> items;
        try
        {
            using var doc = JsonDocument.Parse(json);
            items = doc.RootElement.ValueKind == JsonValueKind.Array
                ? [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())]
                : [doc.RootElement.Clone()];
        }
        catch (JsonException e)
        {
            await stderr.WriteLineAsync($"ccgwctl: {file} is not JSON: {e.Message}");
            return 65;
        }
        foreach (var item in items)
        {
            var id = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var v) ? v.GetString() : null;
            if (string.IsNullOrEmpty(id))
            {
                await stderr.WriteLineAsync($"ccgwctl: {file}: every catalogue item needs an \"id\"");
                return 65;
            }
            var code = await SendAsync(http, HttpMethod.Put, $"/api/admin/catalogue/{E(id)}", item.GetRawText());
            if (code != 0) return code;
        }
        return 0;
    }

    private async Task<string?> ReadFileAsync(string file)
    {
        try
        {
            return await File.ReadAllTextAsync(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"ccgwctl: cannot read {file}: {e.Message}");
            return null;
        }
    }

    private async Task<int> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null, string? done = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            await stdout.WriteLineAsync(done ?? AdminClient.Pretty(body));
            return 0;
        }
        await stderr.WriteLineAsync(AdminClient.Pretty(body));
        return 1;
    }

    private static string E(string s) => Uri.EscapeDataString(s);
}
