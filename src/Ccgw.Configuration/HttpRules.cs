using System.Net;

namespace Ccgw.Configuration;

/// <summary>
/// Checks the Http section: proxy addresses that parse, a sane body limit, and positive rate limits. The surfaces'
/// own listeners are sockets, checked with the others in <see cref="ListenerRules"/>.
/// </summary>
internal static class HttpRules
{
    public const long MinBodyBytes = 1024;
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    public static void Check(HttpOptions http, MqttOptions mqtt, ConfigProblems problems)
    {
        if (http.MqttWebSocket.Listen is { Enabled: true } && mqtt.Mode == MqttOptions.ModeExternal)
            problems.Warning("Http:MqttWebSocket:Listen", "Mqtt:Mode is external, so there is no /mqtt to serve; this listener is not opened");
        for (var i = 0; i < http.KnownProxies.Count; i++)
            if (!IPAddress.TryParse(http.KnownProxies[i], out _))
                problems.Error($"Http:KnownProxies:{i}", $"'{http.KnownProxies[i]}' is not an IP address; list each reverse proxy's address (e.g. 10.0.0.5 or ::1)");
        if (http.MaxRequestBodyBytes is < MinBodyBytes or > MaxBodyBytes)
            problems.Error("Http:MaxRequestBodyBytes", $"{http.MaxRequestBodyBytes} is out of range; use {MinBodyBytes}-{MaxBodyBytes} bytes");
        Limit("Http:RateLimits:Submissions", http.RateLimits.Submissions, problems);
        Limit("Http:RateLimits:Lookups", http.RateLimits.Lookups, problems);
    }

    private static void Limit(string key, RateLimitOptions limit, ConfigProblems problems)
    {
        if (limit.PermitLimit is < 1 or > 1_000_000)
            problems.Error($"{key}:PermitLimit", $"{limit.PermitLimit} is out of range; use 1-1000000 requests per window and client address");
        if (limit.WindowSeconds is < 1 or > 86_400)
            problems.Error($"{key}:WindowSeconds", $"{limit.WindowSeconds} is out of range; use 1-86400 seconds");
    }
}
