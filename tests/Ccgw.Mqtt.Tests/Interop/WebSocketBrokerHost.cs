using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Ccgw.Mqtt.Tests.Broker;

namespace Ccgw.Mqtt.Tests.Interop;

/// <summary>
/// The broker behind MQTT over WebSocket at /mqtt (subprotocol "mqtt"), adapted with
/// <see cref="WebSocketStream"/> exactly as the daemon's HTTP listener is expected to do.
/// HttpListener stands in for Kestrel, which this test project does not reference.
/// </summary>
public sealed class WebSocketBrokerHost : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpListener _listener = new();
    private Task? _acceptLoop;

    internal MqttBroker Broker { get; private set; } = null!;
    public int Port { get; private set; }

    public Task InitializeAsync()
    {
        Broker = new MqttBroker(new MqttBrokerOptions(), DemoUsers.Authenticator(), new ContactCenterAcl(), TimeProvider.System);
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/mqtt/");
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
        return Task.CompletedTask;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = ServeAsync(context);
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        if (!context.Request.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            context.Response.Close();
            return;
        }
        var accepted = await context.AcceptWebSocketAsync("mqtt");
        await using var stream = WebSocketStream.Create(accepted.WebSocket, WebSocketMessageType.Binary, ownsWebSocket: true);
        await Broker.HandleConnectionAsync(stream, context.Request.RemoteEndPoint, _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        if (_acceptLoop is not null) await _acceptLoop;
        await Broker.DisposeAsync();
    }
}

/// <summary>paho over WebSocket (ws://127.0.0.1:port/mqtt), both protocol versions.</summary>
public sealed class PahoWebSocketTests(WebSocketBrokerHost host) : IClassFixture<WebSocketBrokerHost>
{
    [SkippableTheory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task Paho_pubsub_over_websocket(string version)
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "/usr/bin/python3 is not installed");
        var script = Path.Combine(AppContext.BaseDirectory, "Scripts", "paho_scenarios.py");
        using var run = await ExternalProcess.RunAsync("/usr/bin/python3", [script, host.Port.ToString(), version, "wspubsub"], 30);
        Skip.If(run.StdErr.Contains("No module named 'paho'", StringComparison.Ordinal), "python3-paho-mqtt is not installed");
        Assert.True(run.ExitCode == 0, $"paho ws v{version}: {run.StdOut} {run.StdErr}");
        Assert.StartsWith("OK pubsub over websockets", run.StdOut);
    }
}
