using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Ccgw.Cli;

/// <summary>
/// <c>ccgwctl trunk|did</c>: trunks and DIDs at run time over the admin API (issue 20). Exit 0 done, 1 refused by the
/// daemon (its problem JSON on stderr), 64 usage, 69 daemon unreachable.
/// </summary>
internal sealed class TrunkClient(TextWriter stdout, TextWriter stderr)
{
    public const string Usage = """
          trunk list | show ID | set ID | remove ID   trunks at run time (admin API); set replaces the trunk:
                                                 --allow-from ADDR|CIDR (repeat), --outbound HOST[:PORT][/udp|tcp|tls],
                                                 --caller-id N, --keepalive SECONDS, --username U --password P
                                                 (a password left out is kept); remove is refused while it carries calls
          did list | set DID --flow FLOW [--trunk ID] | remove DID   route a dialled number to a flow; the next call follows
        """;

    public async Task<int> RunAsync(string noun, CtlOptions options, (string BaseUrl, string? Token) target)
    {
        using var http = new HttpClient { BaseAddress = new Uri(target.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        if (target.Token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
        var client = new ProvisioningClient(stdout, stderr);
        var args = options.Positional;
        var verb = args.Count > 0 ? args[0] : "list";
        var id = args.Count > 1 ? Uri.EscapeDataString(args[1]) : null;
        try
        {
            switch (noun, verb)
            {
                case (_, "list"):
                    return await client.SendAsync(http, HttpMethod.Get, $"/api/admin/{noun}s", null);
                case ("trunk", "show") when id is not null:
                    return await client.SendAsync(http, HttpMethod.Get, $"/api/admin/trunks/{id}", null);
                case ("trunk", "set") when id is not null:
                    var trunk = TrunkBody(options, out var error);
                    if (error is not null) return await UsageAsync(error);
                    return await client.SendAsync(http, HttpMethod.Put, $"/api/admin/trunks/{id}", trunk);
                case ("did", "set") when id is not null:
                    var did = new JsonObject();
                    if (options.Settings.TryGetValue("flow", out var flow)) did["flow"] = flow[^1];
                    if (options.Settings.TryGetValue("trunk", out var through)) did["trunk"] = through[^1];
                    return await client.SendAsync(http, HttpMethod.Put, $"/api/admin/dids/{id}", did);
                case (_, "remove") when id is not null:
                    return await client.SendAsync(http, HttpMethod.Delete, $"/api/admin/{noun}s/{id}", null, $"{noun} {args[1]} removed");
                default:
                    return await UsageAsync(noun == "trunk"
                        ? "usage: trunk list | show ID | set ID [--allow-from A] [--outbound HOST[:PORT][/T]] ... | remove ID; see ccgwctl help"
                        : "usage: did list | set DID --flow FLOW [--trunk ID] | remove DID; see ccgwctl help");
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

    /// <summary>The trunk's settings from the options given (the daemon checks them with the configuration's trunk rules).</summary>
    private static JsonObject TrunkBody(CtlOptions options, out string? error)
    {
        error = null;
        var body = new JsonObject();
        var s = options.Settings;
        if (s.TryGetValue("allow-from", out var from)) body["allowFrom"] = new JsonArray([.. from.Select(a => (JsonNode)JsonValue.Create(a))]);
        if (s.TryGetValue("caller-id", out var callerId)) body["callerId"] = callerId[^1];
        if (s.TryGetValue("username", out var user)) body["username"] = user[^1];
        if (s.TryGetValue("password", out var password)) body["password"] = password[^1];
        if (s.TryGetValue("keepalive", out var keepalive))
        {
            if (!int.TryParse(keepalive[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                error = $"--keepalive '{keepalive[^1]}' is not a whole number of seconds";
                return body;
            }
            body["keepaliveSeconds"] = seconds;
        }
        if (s.TryGetValue("outbound", out var outbound))
        {
            var text = outbound[^1];
            var peer = new JsonObject();
            var slash = text.LastIndexOf('/');
            if (slash >= 0)
            {
                peer["transport"] = text[(slash + 1)..];
                text = text[..slash];
            }
            // host:port, [v6]:port; a bare IPv6 address has several colons and no port.
            var colon = text.LastIndexOf(':');
            var hasPort = text.StartsWith('[') ? colon > text.IndexOf(']', StringComparison.Ordinal) : colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon;
            if (hasPort)
            {
                if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    error = $"--outbound '{outbound[^1]}': use HOST[:PORT][/udp|tcp|tls]";
                    return body;
                }
                peer["port"] = port;
                text = text[..colon];
            }
            peer["host"] = text.Trim('[', ']');
            body["outbound"] = peer;
        }
        return body;
    }

    private async Task<int> UsageAsync(string message)
    {
        await stderr.WriteLineAsync($"ccgwctl: {message}");
        return 64;
    }
}
