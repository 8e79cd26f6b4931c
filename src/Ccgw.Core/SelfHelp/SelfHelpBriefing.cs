using Ccgw.Core.Repositories;

namespace Ccgw.Core.SelfHelp;

/// <summary>What an agent is told about a customer's self-service with an offer: the wizard steps and recent orders.</summary>
public sealed record SelfHelpBrief(IReadOnlyList<SelfHelpTrailEntry> Trail, IReadOnlyList<PlacedOrder> Orders)
{
    public static readonly SelfHelpBrief Empty = new([], []);
}

/// <summary>The screen pop's source for the self-help trail (the MQTT gateway asks it for each offer).</summary>
public interface ISelfHelpBriefing
{
    ValueTask<SelfHelpBrief> ForOfferAsync(string customerId, string interactionId, CancellationToken cancellationToken = default);
}

/// <summary>
/// The trail steps not yet seen by an agent go with the customer's next interaction (and stay tied to it, which is
/// the history's record of them); orders placed in the last <see cref="RecentOrders"/> days go with every offer.
/// </summary>
public sealed class SelfHelpBriefing(ISelfHelpTrailRepository trail, IOrderRepository orders, TimeProvider time) : ISelfHelpBriefing
{
    public const int MaxSteps = 20;
    public const int MaxOrders = 5;
    public static readonly TimeSpan RecentOrders = TimeSpan.FromDays(90);

    public async ValueTask<SelfHelpBrief> ForOfferAsync(string customerId, string interactionId, CancellationToken cancellationToken = default)
    {
        var steps = await trail.ClaimForInteractionAsync(customerId, interactionId, MaxSteps, cancellationToken);
        var since = time.GetUtcNow() - RecentOrders;
        var recent = (await orders.ListAsync(customerId, MaxOrders, cancellationToken)).Where(o => o.PlacedAt >= since).ToList();
        return new SelfHelpBrief(steps, recent);
    }
}
