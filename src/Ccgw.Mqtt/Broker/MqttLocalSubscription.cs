using System.Threading.Channels;

namespace Ccgw.Mqtt;

/// <summary>
/// An in-process subscription of the gateway itself (e.g. console commands). Messages arrive on
/// <see cref="Reader"/>; when the reader falls behind by more than the capacity, newer messages are
/// dropped and counted rather than letting memory grow. Dispose to unsubscribe.
/// </summary>
public sealed class MqttLocalSubscription : IDisposable
{
    private readonly Channel<MqttApplicationMessage> _channel;
    private readonly Action<MqttLocalSubscription> _unsubscribe;
    private readonly Action _onDrop;
    private int _disposed;

    internal MqttLocalSubscription(string filter, int capacity, Action<MqttLocalSubscription> unsubscribe, Action onDrop)
    {
        Filter = filter;
        _unsubscribe = unsubscribe;
        _onDrop = onDrop;
        _channel = Channel.CreateBounded<MqttApplicationMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = false,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Target = new LocalTarget(this);
    }

    public string Filter { get; }

    public ChannelReader<MqttApplicationMessage> Reader => _channel.Reader;

    internal IMessageTarget Target { get; }

    /// <summary>Waits for room instead of dropping: an MQTT client acknowledges a message only once it is queued here.</summary>
    internal async ValueTask<bool> WriteAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(message, cancellationToken);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false; // unsubscribed meanwhile
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _unsubscribe(this);
        _channel.Writer.TryComplete();
    }

    private sealed class LocalTarget(MqttLocalSubscription owner) : IMessageTarget
    {
        public string? ClientId => null;

        public void Deliver(in MqttDelivery delivery)
        {
            if (!owner._channel.Writer.TryWrite(delivery.Message)) owner._onDrop();
        }
    }
}
