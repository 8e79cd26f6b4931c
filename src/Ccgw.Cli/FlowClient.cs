using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ccgw.Cli;

/// <summary>
/// <c>ccgwctl flow</c>: flows at run time over the admin API (issue 20). Exit 0 done, 1 refused by the daemon (its problem
/// JSON on stderr), 64 usage (or a definition file that is not JSON), 66 no such file, 69 daemon unreachable.
/// </summary>
internal sealed class FlowClient(TextWriter stdout, TextWriter stderr, TextReader stdin)
{
    public const string Usage = """
          flow list | show ID | set ID --file PATH | remove ID   IVR/bot flows at run time (admin API); set creates or
                                                 replaces the flow from a JSON file ("-": standard input) in the
                                                 configuration's Flows:{id} shape ({ "start": ..., "steps": {...} });
                                                 the next call or chat follows it, those under way keep theirs;
                                                 remove is refused while a DID or the IM entry uses the flow
        """;

    public async Task<int> RunAsync(CtlOptions options, (string BaseUrl, string? Token) target)
    {
        using var http = new HttpClient { BaseAddress = new Uri(target.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        if (target.Token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
        var client = new ProvisioningClient(stdout, stderr);
        var args = options.Positional;
        var verb = args.Count > 0 ? args[0] : "list";
        var id = args.Count > 1 ? Uri.EscapeDataString(args[1]) : null;
        try
        {
            switch (verb)
            {
                case "list":
                    return await client.SendAsync(http, HttpMethod.Get, "/api/admin/flows", null);
                case "show" when id is not null:
                    return await client.SendAsync(http, HttpMethod.Get, $"/api/admin/flows/{id}", null);
                case "set" when id is not null:
                    if (!options.Settings.TryGetValue("file", out var file))
                        return await FailAsync("flow set needs --file PATH (the flow as JSON; - for standard input)", 64);
                    string text;
                    try
                    {
                        text = file[^1] == "-" ? await stdin.ReadToEndAsync() : await File.ReadAllTextAsync(file[^1]);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        return await FailAsync($"cannot read {file[^1]}: {e.Message}", 66);
                    }
                    JsonObject body;
                    try
                    {
                        body = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("the file holds no JSON object");
                    }
                    catch (JsonException e)
                    {
                        return await FailAsync($"{file[^1]} is not a flow in JSON: {e.Message}", 64);
                    }
                    return await client.SendAsync(http, HttpMethod.Put, $"/api/admin/flows/{id}", body);
                case "remove" when id is not null:
                    return await client.SendAsync(http, HttpMethod.Delete, $"/api/admin/flows/{id}", null, $"flow {args[1]} removed");
                default:
                    return await FailAsync("usage: flow list | show ID | set ID --file PATH | remove ID; see ccgwctl help", 64);
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

    private async Task<int> FailAsync(string message, int code)
    {
        await stderr.WriteLineAsync($"ccgwctl: {message}");
        return code;
    }
}
