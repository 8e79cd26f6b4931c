using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ccgw.Cli;

/// <summary>
/// <c>ccgwctl agent|supervisor|queue|audit</c>: provisioning at run time over the admin API (issue 20). Exit 0 done,
/// 1 refused by the daemon (its problem JSON on stderr), 64 usage, 69 daemon unreachable.
/// </summary>
internal sealed class ProvisioningClient(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string noun, CtlOptions options, (string BaseUrl, string? Token) target)
    {
        using var http = new HttpClient { BaseAddress = new Uri(target.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        if (target.Token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
        var args = options.Positional;
        var verb = args.Count > 0 ? args[0] : noun == "audit" ? "" : "list";
        var id = args.Count > 1 ? Uri.EscapeDataString(args[1]) : null;
        try
        {
            switch (noun, verb)
            {
                case ("audit", _):
                    var query = new List<string>();
                    if (args.Count > 0) query.Add("resource=" + Uri.EscapeDataString(args[0]));
                    if (args.Count > 1) query.Add("id=" + Uri.EscapeDataString(args[1]));
                    if (options.Settings.TryGetValue("limit", out var limit)) query.Add("limit=" + Uri.EscapeDataString(limit[^1]));
                    return await SendAsync(http, HttpMethod.Get, "/api/admin/audit" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null);
                case (_, "list"):
                    return await SendAsync(http, HttpMethod.Get, $"/api/admin/{noun}s", null);
                case ("queue", "show") when id is not null:
                    return await SendAsync(http, HttpMethod.Get, $"/api/admin/queues/{id}", null);
                case ("agent" or "supervisor" or "queue", "add") when id is not null:
                    var created = Body(noun, options, out var error);
                    if (error is not null) return await UsageAsync(error);
                    created["id"] = args[1];
                    return await SendAsync(http, HttpMethod.Post, $"/api/admin/{noun}s", created);
                case (_, "set") when id is not null:
                    var changed = Body(noun, options, out error);
                    if (error is not null) return await UsageAsync(error);
                    return await SendAsync(http, HttpMethod.Patch, $"/api/admin/{noun}s/{id}", changed);
                case ("agent" or "supervisor" or "queue", "remove") when id is not null:
                    return await SendAsync(http, HttpMethod.Delete, $"/api/admin/{noun}s/{id}", null, $"{noun} {args[1]} removed");
                default:
                    return await UsageAsync($"usage: {noun} list | {(noun == "queue" ? "show ID | add ID | set ID | remove ID" : "add ID | set ID | remove ID")} [options]; see ccgwctl help");
            }
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"ccgwctl: cannot reach the daemon at {target.BaseUrl}: {e.Message}");
            return 69;
        }
        catch (TaskCanceledException)
        {
            await stderr.WriteLineAsync($"ccgwctl: the daemon at {target.BaseUrl} did not answer in time");
            return 69;
        }
    }

    /// <summary>The JSON body from the options given (only those: a PATCH changes nothing else).</summary>
    private static JsonObject Body(string noun, CtlOptions options, out string? error)
    {
        error = null;
        var body = new JsonObject();
        var s = options.Settings;
        if (s.TryGetValue("name", out var name)) body["name"] = name[^1];
        if (s.TryGetValue("password", out var password)) body["password"] = password[^1];
        if (s.TryGetValue("skill", out var skills))
        {
            var map = new JsonObject();
            foreach (var skill in skills)
            {
                var eq = skill.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !int.TryParse(skill.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var level))
                {
                    error = $"--skill '{skill}': use SKILL=LEVEL, e.g. billing=5";
                    return body;
                }
                map[skill[..eq]] = level;
            }
            body["skills"] = map;
        }
        if (s.TryGetValue("capacity", out var capacity))
        {
            var map = new JsonObject();
            foreach (var part in capacity[^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || part[..eq] is not ("voice" or "im" or "callback") ||
                    !int.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    error = $"--capacity '{capacity[^1]}': use voice=N,im=N,callback=N";
                    return body;
                }
                map[part[..eq]] = n;
            }
            body["capacity"] = map;
        }
        if (s.TryGetValue("capability", out var caps)) body["capabilities"] = new JsonArray([.. caps.Select(c => (JsonNode)JsonValue.Create(c))]);
        if (s.TryGetValue("reason-code", out var reasons)) body["reasonCodes"] = new JsonArray([.. reasons.Select(c => (JsonNode)JsonValue.Create(c))]);
        if (s.TryGetValue("priority", out var priority))
        {
            if (!int.TryParse(priority[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                error = $"--priority '{priority[^1]}' is not a whole number (1-10)";
                return body;
            }
            body["priority"] = p;
        }
        if (s.TryGetValue("service-level", out var sl))
        {
            var parts = sl[^1].Split(':');
            var level = new JsonObject();
            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
                (parts.Length > 1 && !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                error = $"--service-level '{sl[^1]}': use SECONDS or SECONDS:TARGET, e.g. 20:0.8";
                return body;
            }
            level["seconds"] = seconds;
            if (parts.Length > 1) level["target"] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            body["serviceLevel"] = level;
        }
        if (s.TryGetValue("overflow", out var overflow))
        {
            var colon = overflow[^1].LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(overflow[^1].AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var after))
            {
                error = $"--overflow '{overflow[^1]}': use QUEUE:SECONDS, e.g. billing:60";
                return body;
            }
            body["overflow"] = new JsonObject { ["queue"] = overflow[^1][..colon], ["afterSeconds"] = after };
        }
        if (noun == "queue" && (body.ContainsKey("name") || body.ContainsKey("password")))
            error = "a queue takes --skill, --priority, --service-level and --overflow";
        return body;
    }

    internal async Task<int> SendAsync(HttpClient http, HttpMethod method, string path, JsonObject? body, string? done = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            await stdout.WriteLineAsync(text.Length > 0 ? Pretty(text) : done ?? "done");
            return 0;
        }
        await stderr.WriteLineAsync($"ccgwctl: {(int)response.StatusCode} {Pretty(text)}");
        return 1;
    }

    private async Task<int> UsageAsync(string message)
    {
        await stderr.WriteLineAsync($"ccgwctl: {message}");
        return 64;
    }

    private static string Pretty(string json)
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
