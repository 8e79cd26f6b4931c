using System.Threading.Channels;
using Ccgw.Core;
using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Gateway;

/// <summary>
/// Screen pops on <c>ccgw/agents/{id}/offers</c>: the offer with the customer record looked up by customer id,
/// else by phone number or IM address. Lookups hit storage, so they run here, off the presence loop; offer-closed
/// notices take the same queue so they never overtake the offer they close.
/// With a <see cref="ISelfHelpBriefing"/>, a known customer's offer also carries the self-help steps they took since
/// their last interaction and their recent orders (issue 17), claimed for this interaction as the pop is built.
/// </summary>
public sealed partial class ScreenPopPublisher(ICustomerRepository customers, GatewayOutbox outbox, ILogger<ScreenPopPublisher> log,
    ISelfHelpBriefing? selfHelp = null)
{
    public const int Capacity = 1024;

    private readonly Channel<CoreEvent> _queue = Channel.CreateBounded<CoreEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ValueTask EnqueueAsync(CoreEvent e, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(e, cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                switch (e)
                {
                    case OfferMade made when GatewayTopics.IsTopicLevel(made.Offer.AgentId):
                        var customer = await FindCustomerAsync(made.Offer.Interaction.Request, cancellationToken);
                        var brief = customer is null ? null : await BriefAsync(customer.Id, made.Offer.InteractionId, cancellationToken);
                        await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.Offers(made.Offer.AgentId),
                            GatewayPayloads.Offer(made.Offer, customer, brief), retain: false), cancellationToken);
                        break;
                    case OfferClosed closed when GatewayTopics.IsTopicLevel(closed.Offer.AgentId):
                        await outbox.WriteAsync(GatewayOutbox.Json(GatewayTopics.Offers(closed.Offer.AgentId),
                            GatewayPayloads.OfferClosed(closed.Offer, closed.Outcome, closed.At), retain: false), cancellationToken);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the token ends the loop, which is its normal end.
        }
    }

    private async ValueTask<Customer?> FindCustomerAsync(InteractionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (request.CustomerId is { Length: > 0 } id && await customers.GetAsync(id, cancellationToken) is { } byId) return byId;
            if (request.Address is not { Length: > 0 } address) return null;
            return address.StartsWith('+')
                ? await customers.FindByPhoneAsync(address, cancellationToken)
                : await customers.FindByImAddressAsync(BareAddress(address), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A storage hiccup must not cost the agent the offer itself: pop without the record.
            LogLookupFailed(log, request.CustomerId ?? request.Address ?? "", e.Message);
            return null;
        }
    }

    private async ValueTask<SelfHelpBrief?> BriefAsync(string customerId, string interactionId, CancellationToken cancellationToken)
    {
        if (selfHelp is null) return null;
        try
        {
            return await selfHelp.ForOfferAsync(customerId, interactionId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // As with the record: the offer matters more than the trail; the steps stay unclaimed for the next offer.
            LogBriefFailed(log, customerId, e.Message);
            return null;
        }
    }

    private static string BareAddress(string address)
    {
        var address1 = address.StartsWith("xmpp:", StringComparison.Ordinal) ? address[5..] : address;
        var slash = address1.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? address1 : address1[..slash];
    }

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "customer lookup for a screen pop ({Key}) failed: {Reason}")]
    private static partial void LogLookupFailed(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 17300, Level = LogLevel.Warning, Message = "self-help trail for a screen pop (customer {CustomerId}) failed: {Reason}")]
    private static partial void LogBriefFailed(ILogger logger, string customerId, string reason);
}
