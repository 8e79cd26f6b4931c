using Ccgw.Core;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// An agent's MQTT connections together are its "console" device: when the last one closes the core is told
/// the device is lost (it then applies its grace period), and when one opens again that it is restored.
/// </summary>
public sealed partial class ConsoleDeviceWatcher(RoutingEngine engine, IMqttGatewayLink link, ILogger<ConsoleDeviceWatcher> log)
{
    public const string Device = "console";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var change in await link.WaitForUserConnectionChangesAsync(cancellationToken))
                {
                    // Supervisors and other users are not agents: the core has no device of theirs to track.
                    if (!engine.Snapshot.Agents.ContainsKey(change.UserName)) continue;
                    var result = change.Connections == 0
                        ? await engine.DeviceLostAsync(change.UserName, Device, cancellationToken)
                        : await engine.DeviceRestoredAsync(change.UserName, Device, cancellationToken);
                    LogDevice(log, change.UserName, change.Connections, result.Status);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    [LoggerMessage(EventId = 604, Level = LogLevel.Debug, Message = "console of {AgentId}: {Connections} connection(s), core says {Status}")]
    private static partial void LogDevice(ILogger logger, string agentId, int connections, CommandStatus status);
}
