using System.Collections.Concurrent;
using System.Text;
using MQTTnet;

namespace Ccgw.Bench.Consoles;

/// <summary>MQTT consoles (MQTTnet clients signed in as alice) subscribed to her presence, each timing the change it waits for.</summary>
internal sealed class MqttConsoles : IAsyncDisposable
{
    private const string Presence = "ccgw/agents/alice/presence";
    private readonly List<IMqttClient> _clients;
    private readonly ConcurrentQueue<double> _receipts = new();
    private volatile string? _token;
    private int _received;

    private MqttConsoles(List<IMqttClient> clients) => _clients = clients;

    public static async Task<MqttConsoles> ConnectAsync(int port, int count)
    {
        var consoles = new MqttConsoles([]);
        var factory = new MqttClientFactory();
        for (var i = 0; i < count; i++)
        {
            var client = factory.CreateMqttClient();
            client.ApplicationMessageReceivedAsync += e =>
            {
                var at = Clock.EpochMilliseconds();
                var token = consoles._token;
                if (token is not null && Encoding.UTF8.GetString(e.ApplicationMessage.Payload).Contains(token, StringComparison.Ordinal))
                {
                    consoles._receipts.Enqueue(at);
                    Interlocked.Increment(ref consoles._received);
                }
                return Task.CompletedTask;
            };
            await client.ConnectAsync(Options(factory, port, $"bench-console-{i}"));
            await client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(Presence).Build());
            consoles._clients.Add(client);
        }
        return consoles;
    }

    public static async Task<Driver> DriverAsync(int port)
    {
        var factory = new MqttClientFactory();
        var client = factory.CreateMqttClient();
        await client.ConnectAsync(Options(factory, port, "bench-driver"));
        return new Driver(client);
    }

    private static MqttClientOptions Options(MqttClientFactory factory, int port, string id) => factory.CreateClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port).WithCredentials("alice", "demo-alice").WithClientId(id)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(30)).Build();

    public void Expect(string token)
    {
        while (_receipts.TryDequeue(out _)) { }
        Interlocked.Exchange(ref _received, 0);
        _token = token;
    }

    public async Task<List<double>> WaitAsync(double sentAt, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (Volatile.Read(ref _received) < _clients.Count && DateTime.UtcNow < deadline) await Task.Delay(2);
        return [.. _receipts.Select(t => t - sentAt)];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            await c.DisconnectAsync();
            c.Dispose();
        }
    }

    internal sealed class Driver(IMqttClient client) : IAsyncDisposable
    {
        public Task NotReadyAsync(string reason) => client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("ccgw/agents/alice/commands")
            .WithPayload($$"""{"action":"notReady","reason":"{{reason}}"}""")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        public async ValueTask DisposeAsync()
        {
            await client.DisconnectAsync();
            client.Dispose();
        }
    }
}
