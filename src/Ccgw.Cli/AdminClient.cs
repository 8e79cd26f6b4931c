using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ccgw.Configuration;

namespace Ccgw.Cli;

/// <summary>Live verbs: HTTP calls to the running daemon, found through the configuration's HTTP listener.</summary>
internal sealed class AdminClient(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string verb, CtlOptions options)
    {
        var (baseUrl, token) = Resolve(options);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            return verb switch
            {
                "health" => await GetAsync(http, "/healthz", raw: true),
                "status" => await StatusAsync(http),
                "agents" => await GetAsync(http, "/api/admin/agents", raw: false),
                "queues" => await GetAsync(http, "/api/admin/queues", raw: false),
                "agent-state" => await SetAgentStateAsync(http, options.Positional),
                "callbacks" => await GetAsync(http, options.Positional.Count > 0 ? $"/api/admin/callbacks?status={Uri.EscapeDataString(options.Positional[0])}" : "/api/admin/callbacks", raw: false),
                "callback-priority" => await ChangeCallbackAsync(http, options.Positional, "priority"),
                "callback-reschedule" => await ChangeCallbackAsync(http, options.Positional, "scheduledAt"),
                "callback-cancel" => await CancelCallbackAsync(http, options.Positional),
                "report" => await ReportAsync(http, options),
                "wizard" or "catalogue" or "orders" or "order-status" => await new SelfHelpClient(stdout, stderr).RunAsync(http, verb, options.Positional),
                _ => 64,
            };
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"ccgwctl: cannot reach the daemon at {baseUrl}: {e.Message}");
            return 69;
        }
        catch (TaskCanceledException)
        {
            await stderr.WriteLineAsync($"ccgwctl: the daemon at {baseUrl} did not answer in time");
            return 69;
        }
    }

    public static (string BaseUrl, string? Token) Resolve(CtlOptions options)
    {
        var token = options.Token ?? Environment.GetEnvironmentVariable("CCGW_ADMIN_TOKEN");
        if (options.Url is not null) return (options.Url, token);
        var loaded = GatewayConfiguration.Load(options.ConfigPath);
        var listener = loaded.Options.Listeners.Http;
        var host = listener.Address is "0.0.0.0" ? "127.0.0.1" : listener.Address is "::" ? "::1" : listener.Address;
        if (host.Contains(':', StringComparison.Ordinal)) host = $"[{host}]";
        return ($"http://{host}:{listener.Port}", token ?? loaded.Options.Admin.Token);
    }

    private async Task<int> GetAsync(HttpClient http, string path, bool raw)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        await (response.IsSuccessStatusCode ? stdout : stderr).WriteLineAsync(raw ? body : Pretty(body));
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    /// <summary><c>GET /api/admin/pair</c> as aligned lines an operator reads at a glance (docs/operations.md).</summary>
    private async Task<int> StatusAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/api/admin/pair", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            await stderr.WriteLineAsync(Pretty(body));
            return 1;
        }
        using var document = JsonDocument.Parse(body);
        var status = document.RootElement;
        string Text(string name) => status.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()) : "-";
        await stdout.WriteLineAsync($"node       {Text("node")}");
        await stdout.WriteLineAsync($"role       {Text("role")}");
        if (Text("role") != "single")
        {
            var holder = Text("holder");
            await stdout.WriteLineAsync($"holder     {(holder.Length == 0 ? "(nobody yet)" : holder)}");
            await stdout.WriteLineAsync($"token      {Text("token")}");
            await stdout.WriteLineAsync($"lease age  {Text("leaseAgeSeconds")} s (lease {Text("leaseSeconds")} s)");
            await stdout.WriteLineAsync($"takeovers  {Text("takeovers")}");
        }
        return 0;
    }

    private async Task<int> SetAgentStateAsync(HttpClient http, IReadOnlyList<string> args)
    {
        if (args.Count is < 2 or > 3)
        {
            await stderr.WriteLineAsync("ccgwctl: usage: agent-state ID STATE [REASON]");
            return 64;
        }
        var payload = JsonSerializer.Serialize(new Dictionary<string, string?> { ["state"] = args[1], ["reason"] = args.Count > 2 ? args[2] : null });
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var response = await http.PutAsync(new Uri($"/api/admin/agents/{Uri.EscapeDataString(args[0])}/state", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        await (response.IsSuccessStatusCode ? stdout : stderr).WriteLineAsync(Pretty(body));
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private async Task<int> ChangeCallbackAsync(HttpClient http, IReadOnlyList<string> args, string field)
    {
        if (args.Count != 2)
        {
            await stderr.WriteLineAsync($"ccgwctl: usage: {(field == "priority" ? "callback-priority ID N" : "callback-reschedule ID TIME")}");
            return 64;
        }
        object value;
        if (field == "priority")
        {
            if (!int.TryParse(args[1], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var priority))
            {
                await stderr.WriteLineAsync($"ccgwctl: '{args[1]}' is not a whole number");
                return 64;
            }
            value = priority;
        }
        else
        {
            if (!DateTimeOffset.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            {
                await stderr.WriteLineAsync($"ccgwctl: '{args[1]}' is not a time; use ISO 8601 such as 2026-11-22T09:30:00Z");
                return 64;
            }
            value = at;
        }
        using var content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, object> { [field] = value }), Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/admin/callbacks/{Uri.EscapeDataString(args[0])}", UriKind.Relative)) { Content = content };
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        await (response.IsSuccessStatusCode ? stdout : stderr).WriteLineAsync(Pretty(body));
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    /// <summary>The parameters go to the daemon as given: it checks them and names a bad one in its problem answer.</summary>
    private async Task<int> ReportAsync(HttpClient http, CtlOptions options)
    {
        if (options.Positional.Count != 1 || options.Positional[0] is not ("queues" or "agents"))
        {
            await stderr.WriteLineAsync("ccgwctl: usage: report queues|agents --from T --to T [--interval 15m|hour|day] [--tz ZONE] [--csv]");
            return 64;
        }
        var query = string.Join('&', options.Report.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        var csv = options.Report.TryGetValue("format", out var format) && format == "csv";
        using var response = await http.GetAsync(new Uri($"/api/admin/reports/{options.Positional[0]}?{query}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode && csv) await stdout.WriteAsync(body);
        else await (response.IsSuccessStatusCode ? stdout : stderr).WriteLineAsync(Pretty(body));
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private async Task<int> CancelCallbackAsync(HttpClient http, IReadOnlyList<string> args)
    {
        if (args.Count != 1)
        {
            await stderr.WriteLineAsync("ccgwctl: usage: callback-cancel ID");
            return 64;
        }
        using var response = await http.DeleteAsync(new Uri($"/api/admin/callbacks/{Uri.EscapeDataString(args[0])}", UriKind.Relative));
        if (response.IsSuccessStatusCode)
        {
            await stdout.WriteLineAsync($"call-back {args[0]} cancelled");
            return 0;
        }
        await stderr.WriteLineAsync(Pretty(await response.Content.ReadAsStringAsync()));
        return 1;
    }

    internal static string Pretty(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true });
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
