using System.Security.Cryptography;
using Ccgw.Core.Repositories;

namespace Ccgw.Core.SelfHelp;

/// <summary>Why an order was not placed or changed.</summary>
public enum OrderError
{
    None,
    UnknownCustomer,
    UnknownItem,
    NotOffered,
    BadQuantity,
    UnknownOrder,
    NotAllowed,
}

/// <summary>
/// Ordering parts and services: a product's catalogue is offered to a customer who acquired the product within the
/// order window (a product with no known purchase date is not offered: we cannot tell it is recent). Status changes go
/// through <see cref="OrderLifecycle"/> and are stored with their time.
/// </summary>
public sealed class OrderDesk(ICustomerRepository customers, ICatalogueRepository catalogue, IOrderRepository orders, TimeProvider time,
    TimeSpan orderWindow)
{
    public const int MaxQuantity = 20;

    /// <summary>The catalogue items this customer may order now, grouped in the order of their products on the record.</summary>
    public async ValueTask<IReadOnlyList<CatalogueItem>?> OfferAsync(string customerId, CancellationToken cancellationToken = default)
    {
        if (await customers.GetAsync(customerId, cancellationToken) is not { } customer) return null;
        var now = time.GetUtcNow();
        var recent = customer.Products.Where(p => p.Since is { } since && since <= now && now - since <= orderWindow).Select(p => p.Code).ToList();
        var items = await catalogue.ListAsync(cancellationToken: cancellationToken);
        return [.. items.Where(i => recent.Contains(i.Product, StringComparer.Ordinal)).OrderBy(i => recent.IndexOf(i.Product)).ThenBy(i => i.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async ValueTask<(PlacedOrder? Order, OrderError Error)> PlaceAsync(string customerId, string itemId, int quantity,
        CancellationToken cancellationToken = default)
    {
        if (quantity is < 1 or > MaxQuantity) return (null, OrderError.BadQuantity);
        if (await OfferAsync(customerId, cancellationToken) is not { } offered) return (null, OrderError.UnknownCustomer);
        var item = offered.FirstOrDefault(i => string.Equals(i.Id, itemId, StringComparison.Ordinal));
        if (item is null)
            return (null, await catalogue.GetAsync(itemId, cancellationToken) is null ? OrderError.UnknownItem : OrderError.NotOffered);
        var now = time.GetUtcNow();
        var order = new PlacedOrder(NewOrderId(), customerId, item.Id, item.Product, item.Name, quantity, OrderStatus.Placed, now,
            [new OrderStatusChange(OrderStatus.Placed, now)]);
        await orders.AddAsync(order, cancellationToken);
        return (order, OrderError.None);
    }

    public async ValueTask<(PlacedOrder? Order, OrderError Error)> ChangeStatusAsync(string orderId, OrderStatus status,
        CancellationToken cancellationToken = default)
    {
        var (order, moved) = await orders.ChangeStatusAsync(orderId, status, time.GetUtcNow(), OrderLifecycle.CanMove, cancellationToken);
        return order is null ? (null, OrderError.UnknownOrder) : (order, moved ? OrderError.None : OrderError.NotAllowed);
    }

    // Unguessable, so an order id in a URL or an e-mail says nothing about other customers' orders.
    private static string NewOrderId() => "W-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5));
}
