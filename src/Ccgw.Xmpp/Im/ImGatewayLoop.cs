using Ccgw.Core;
using Ccgw.Core.Callbacks;
using Ccgw.Xmpp.Component;

namespace Ccgw.Xmpp.Im;

/// <summary>
/// Runs the IM gateway for the process's lifetime: follows the core's events (subscribed in the constructor, before
/// the core runs, so no offer is missed), sends triggered IM customer alerts (the help page's "tell me when the wait is
/// short") from the queue's address, and in component mode keeps the component link to the site's server up.
/// </summary>
public sealed class ImGatewayLoop : IEventLoop
{
    private readonly ImGateway _gateway;
    private readonly ComponentLink? _link;
    private readonly CustomerAlertOutbox? _alerts;
    private readonly EventFollower _events;

    /// <param name="gateway">The gateway to run.</param>
    /// <param name="engine">The core whose events the gateway follows.</param>
    /// <param name="link">The XEP-0114 link in component mode; null with the built-in server.</param>
    /// <param name="alerts">Triggered customer alerts to send; null when the help page's alerts are not set up.</param>
    public ImGatewayLoop(ImGateway gateway, RoutingEngine engine, ComponentLink? link, CustomerAlertOutbox? alerts)
    {
        _gateway = gateway;
        _link = link;
        _alerts = alerts;
        _events = new EventFollower(engine);
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var link = _link is null ? Task.CompletedTask : _link.RunAsync(_gateway, stoppingToken);
        var alerts = _alerts is null ? Task.CompletedTask : DeliverAlertsAsync(_alerts, stoppingToken);
        try
        {
            await _gateway.RunAsync(_events, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await link;
        await alerts;
    }

    private async Task DeliverAlertsAsync(CustomerAlertOutbox outbox, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in outbox.Reader.ReadAllAsync(stoppingToken))
                await _gateway.SendAlertAsync(alert, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
