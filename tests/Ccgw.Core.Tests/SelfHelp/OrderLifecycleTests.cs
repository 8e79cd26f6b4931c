using Ccgw.Core.SelfHelp;

namespace Ccgw.Core.Tests.SelfHelp;

public sealed class OrderLifecycleTests
{
    [Theory]
    [InlineData(OrderStatus.Placed, OrderStatus.Confirmed, true)]
    [InlineData(OrderStatus.Placed, OrderStatus.Cancelled, true)]
    [InlineData(OrderStatus.Confirmed, OrderStatus.Shipped, true)]
    [InlineData(OrderStatus.Confirmed, OrderStatus.Cancelled, true)]
    [InlineData(OrderStatus.Shipped, OrderStatus.Delivered, true)]
    [InlineData(OrderStatus.Placed, OrderStatus.Shipped, false)]
    [InlineData(OrderStatus.Shipped, OrderStatus.Cancelled, false)]
    [InlineData(OrderStatus.Delivered, OrderStatus.Cancelled, false)]
    [InlineData(OrderStatus.Cancelled, OrderStatus.Confirmed, false)]
    [InlineData(OrderStatus.Confirmed, OrderStatus.Confirmed, false)]
    public void Orders_move_forward_one_status_at_a_time_and_cancel_only_before_shipping(OrderStatus from, OrderStatus to, bool allowed) =>
        Assert.Equal(allowed, OrderLifecycle.CanMove(from, to));
}
