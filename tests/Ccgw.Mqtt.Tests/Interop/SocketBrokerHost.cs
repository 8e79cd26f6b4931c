using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ccgw.Mqtt.Tests.Broker;

namespace Ccgw.Mqtt.Tests.Interop;

/// <summary>
/// The broker on a raw socket listener on 127.0.0.1 (ephemeral port), as the daemon will host it,
/// with the demo users and the contact-centre ACL. Real clients connect to <see cref="Port"/>.
/// </summary>
public class SocketBrokerHost : IAsyncLifetime
{
    private readonly MqttBrokerOptions _options;

    public SocketBrokerHost()
        : this(new MqttBrokerOptions())
    {
    }

    protected SocketBrokerHost(MqttBrokerOptions options) => _options = options;

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _subscriptions = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    internal MqttBroker Broker { get; private set; } = null!;
    internal MetricRecorder Metrics { get; private set; } = null!;
    public int Port { get; private set; }

    public Task InitializeAsync()
    {
        Broker = new MqttBroker(_options, DemoUsers.Authenticator(), new ContactCenterAcl(), TimeProvider.System);
        Metrics = new MetricRecorder(Broker.Meter);
        Broker.Core.SubscriptionGranted = (clientId, filter) => SubscriptionSignal(clientId, filter).TrySetResult();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync(_listener);
        return Task.CompletedTask;
    }

    /// <summary>Completes when <paramref name="clientId"/> was granted <paramref name="filter"/> (now or earlier).</summary>
    public Task SubscribedAsync(string clientId, string filter) =>
        SubscriptionSignal(clientId, filter).Task.WaitAsync(TimeSpan.FromSeconds(15));

    private TaskCompletionSource SubscriptionSignal(string clientId, string filter) =>
        _subscriptions.GetOrAdd(clientId + "\n" + filter, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        await using (var stream = new NetworkStream(socket, ownsSocket: false))
        {
            await Broker.HandleConnectionAsync(stream, socket.RemoteEndPoint, _stop.Token);
        }
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Dispose();
        if (_acceptLoop is not null) await _acceptLoop;
        await Broker.DisposeAsync();
        Metrics.Dispose();
    }
}

/// <summary>The same host with a one-second maximum keep alive, for the Server Keep Alive scenarios.</summary>
public sealed class ShortKeepAliveBrokerHost() : SocketBrokerHost(new MqttBrokerOptions { MaximumKeepAlive = TimeSpan.FromSeconds(1) });
