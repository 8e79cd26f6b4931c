using Microsoft.Extensions.Logging;
using System.Threading.Channels;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Every gateway publish goes through this bounded queue and one loop, so messages on a topic leave in the
/// order they were produced whatever produced them (event loop, coalescing timer, screen pops). Writers
/// wait when it is full; the core's own event buffer absorbs that back-pressure.
/// </summary>
public sealed partial class GatewayOutbox(IMqttGatewayLink link, ILogger<GatewayOutbox> log)
{
    public const int Capacity = 4096;

    private readonly Channel<MqttApplicationMessage> _queue = Channel.CreateBounded<MqttApplicationMessage>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ValueTask WriteAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(message, cancellationToken);

    public bool TryWrite(MqttApplicationMessage message) => _queue.Writer.TryWrite(message);

    public static MqttApplicationMessage Json(string topic, byte[] payload, bool retain) => new()
    {
        Topic = topic,
        Payload = payload,
        // Retained state is QoS 1 so persistent sessions get it after a reconnect; transient events are QoS 0... except
        // screen pops and errors, which a console must not miss either.
        Qos = MqttQualityOfService.AtLeastOnce,
        Retain = retain,
        ContentType = "application/json",
        PayloadIsUtf8 = true,
    };

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await link.PublishAsync(message, cancellationToken);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
                {
                    LogPublishFailed(log, message.Topic, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "MQTT publish to {Topic} failed: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string topic, string reason);
}
