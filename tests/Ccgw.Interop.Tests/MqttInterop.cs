using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ccgw.Testing;

namespace Ccgw.Interop.Tests;

/// <summary>Debian's MQTT peers (mosquitto clients and broker, python3-paho-mqtt) and admin API look-ups for the MQTT tests.</summary>
internal static class MqttInterop
{
    public const string Sub = "/usr/bin/mosquitto_sub";
    public const string Pub = "/usr/bin/mosquitto_pub";
    public const string Broker = "/usr/sbin/mosquitto";
    public const string Passwd = "/usr/bin/mosquitto_passwd";
    public const string Python = "/usr/bin/python3";
    public const string AdminToken = "demo-admin-token-change-me";
    public static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    public static string Script => Path.Combine(RepoPaths.Root, "tests", "Ccgw.Interop.Tests", "Scripts", "mqtt_console.py");

    public static void RequireClients() =>
        Skip.IfNot(File.Exists(Sub) && File.Exists(Pub), "mosquitto-clients is not installed (apt-get install mosquitto-clients)");

    public static void RequirePaho() =>
        Skip.IfNot(File.Exists(Python) && Directory.Exists("/usr/lib/python3/dist-packages/paho"), "python3-paho-mqtt is not installed (apt-get install python3-paho-mqtt)");

    public static string Version(string v) => v == "5" ? "mqttv5" : "mqttv311";

    /// <summary>mosquitto_sub bounded by -W and our own timeout; returns the process (exit code, output).</summary>
    public static Task<ExternalProcess> SubAsync(int port, string version, string user, string password, params string[] args) =>
        ExternalProcess.RunAsync(Sub, ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-V", Version(version), "-u", user, "-P", password, "-W", "10", .. args], ToolTimeout);

    public static Task<ExternalProcess> PubAsync(int port, string version, string user, string password, params string[] args) =>
        ExternalProcess.RunAsync(Pub, ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-V", Version(version), "-u", user, "-P", password, .. args], ToolTimeout);

    public static Task<ExternalProcess> ConsoleAsync(int port, string version, string scenario, params string[] args) =>
        ExternalProcess.RunAsync(Python, [Script, "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), version, scenario, .. args], ToolTimeout);

    public static async Task<JsonElement> AgentAsync(DaemonUnderTest daemon, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/admin/agents/{id}", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task SetAgentStateAsync(DaemonUnderTest daemon, string id, string state, string? reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/admin/agents/{id}/state", UriKind.Relative))
        {
            Content = JsonContent.Create(new { state, reason }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await daemon.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Polls the admin API until the agent matches; the core applies console commands asynchronously.</summary>
    public static Task<JsonElement> WaitForAgentAsync(DaemonUnderTest daemon, string id, Func<JsonElement, bool> condition, string what) =>
        PollAsync(() => AgentAsync(daemon, id), condition, $"{id} never became {what}", TimeSpan.FromSeconds(10));

    /// <summary>Reads until the document matches or <paramref name="within"/> is over (then fails with the last one read).</summary>
    public static async Task<JsonElement> PollAsync(Func<Task<JsonElement>> read, Func<JsonElement, bool> condition, string failure, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        JsonElement last;
        do
        {
            last = await read();
            if (condition(last)) return last;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"{failure}: {last}");
    }

    /// <summary>The last JSON document mosquitto_sub printed (one per line).</summary>
    public static JsonElement LastJson(ExternalProcess p)
    {
        var line = p.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
                   ?? throw new Xunit.Sdk.XunitException($"no output; stderr: {p.StandardError}");
        var json = line[line.IndexOf('{', StringComparison.Ordinal)..];
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}

/// <summary>One daemon shared by the tests of a class (each start costs seconds on the shared machine).</summary>
public sealed class MqttDaemonFixture : IAsyncLifetime
{
    public DaemonUnderTest Daemon { get; private set; } = null!;

    public async Task InitializeAsync() => Daemon = await DaemonUnderTest.StartAsync();

    public async Task DisposeAsync()
    {
        await Daemon.DisposeAsync();
        Daemon.DeleteRoot();
    }
}
