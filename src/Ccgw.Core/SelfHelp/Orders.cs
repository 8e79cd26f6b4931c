namespace Ccgw.Core.SelfHelp;

/// <summary>Whether a catalogue item is a part shipped to the customer or a service performed for them.</summary>
public enum CatalogueItemKind
{
    Part,
    Service,
}

/// <summary>A part or service staff offer for a product (admin-maintained). Prices are in minor units of <see cref="Currency"/>.</summary>
public sealed record CatalogueItem(string Id, string Product, CatalogueItemKind Kind, string Name, string? Description = null,
    long? PriceMinor = null, string? Currency = null);

/// <summary>An order's life: placed → confirmed → shipped → delivered, or cancelled before it ships.</summary>
public enum OrderStatus
{
    Placed,
    Confirmed,
    Shipped,
    Delivered,
    Cancelled,
}

/// <summary>One status an order took, and when.</summary>
public sealed record OrderStatusChange(OrderStatus Status, DateTimeOffset At);

/// <summary>An order placed through ccgw, with every status it took (the first is <see cref="OrderStatus.Placed"/>).</summary>
public sealed record PlacedOrder(string OrderId, string CustomerId, string ItemId, string Product, string ItemName, int Quantity,
    OrderStatus Status, DateTimeOffset PlacedAt, IReadOnlyList<OrderStatusChange> History);

/// <summary>The order state machine, in one place for the admin API and any later order-system feed.</summary>
public static class OrderLifecycle
{
    public static bool CanMove(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.Placed, OrderStatus.Confirmed or OrderStatus.Cancelled) => true,
        (OrderStatus.Confirmed, OrderStatus.Shipped or OrderStatus.Cancelled) => true,
        (OrderStatus.Shipped, OrderStatus.Delivered) => true,
        _ => false,
    };

    public static string Name(OrderStatus status) => status switch
    {
        OrderStatus.Placed => "placed",
        OrderStatus.Confirmed => "confirmed",
        OrderStatus.Shipped => "shipped",
        OrderStatus.Delivered => "delivered",
        _ => "cancelled",
    };
}

/// <summary>One step a customer took in a wizard, and the interaction it went to an agent with (null until then).</summary>
public sealed record SelfHelpTrailEntry(long Id, string CustomerId, string WizardId, int WizardVersion, string StepId, string StepTitle,
    DateTimeOffset At, string? InteractionId);
