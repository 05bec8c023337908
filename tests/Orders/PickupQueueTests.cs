using Omni.Carts;
using Omni.Orders;

namespace Omni.Tests.Orders;

/// <summary>The pickup queue's own rules: an order's state counts once per version, oldest first, finished ones bounded.</summary>
[Trait("Tier", "Unit")]
public sealed class PickupQueueTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_retried_or_older_state_of_an_order_changes_nothing()
    {
        var queue = new PickupQueue("s1");
        var order = Order(Guid.NewGuid(), 2, FulfillmentStatus.OPEN, Start);

        Apply(queue, order);
        var again = queue.Accept(order);
        var older = queue.Accept(order with { Version = 1 });
        Apply(queue, order with { Version = 3, Fulfillments = [order.Fulfillments[0] with { Status = FulfillmentStatus.READY_FOR_PICKUP }] });

        Assert.Null(again);
        Assert.Null(older);
        Assert.Equal(2, queue.Version);
        Assert.Equal(3, queue.Last!.Order.Version);
        Assert.Empty(queue.List(FulfillmentStatus.OPEN, 10));
        Assert.Equal([order.Id], queue.List(FulfillmentStatus.READY_FOR_PICKUP, 10).Select(o => o.Id));
    }

    [Fact]
    public void An_order_without_a_pickup_here_is_not_taken_and_the_queue_lists_oldest_first()
    {
        var queue = new PickupQueue("s2");
        var elsewhere = Order(Guid.NewGuid(), 1, FulfillmentStatus.OPEN, Start);
        var late = Order(Guid.NewGuid(), 1, FulfillmentStatus.OPEN, Start.AddMinutes(5), "s2");
        var early = Order(Guid.NewGuid(), 1, FulfillmentStatus.OPEN, Start, "s2");

        Assert.Null(queue.Accept(elsewhere));
        Apply(queue, late);
        Apply(queue, early);

        Assert.Equal([early.Id, late.Id], queue.List(null, 10).Select(o => o.Id));
        Assert.Equal([early.Id], queue.List(null, 1).Select(o => o.Id));
    }

    [Fact]
    public void Finished_pickups_are_kept_up_to_a_bound_and_a_snapshot_restores_the_queue()
    {
        var queue = new PickupQueue("s1");
        var finished = new List<OrderView>();
        var most = 0;
        for (var i = 0; i < PickupQueue.KeepFinished + PickupQueue.PruneSlack + 1; i++)
        {
            finished.Add(Order(Guid.NewGuid(), 1, FulfillmentStatus.PICKED_UP, Start.AddSeconds(i)));
            Apply(queue, finished[^1]);
            most = Math.Max(most, queue.List(FulfillmentStatus.PICKED_UP, 1000).Count);
        }
        var open = Order(Guid.NewGuid(), 1, FulfillmentStatus.OPEN, Start);
        Apply(queue, open);
        var restored = PickupQueue.FromSnapshot("s1", queue.ToSnapshot());

        Assert.Equal(PickupQueue.KeepFinished + PickupQueue.PruneSlack, most);
        // Pruned back to the newest KeepFinished once over the slack.
        Assert.Equal(finished.TakeLast(PickupQueue.KeepFinished).Select(o => o.Id).Order(),
            queue.List(FulfillmentStatus.PICKED_UP, 1000).Select(o => o.Id).Order());
        Assert.Equal([open.Id], queue.List(FulfillmentStatus.OPEN, 10).Select(o => o.Id));
        Assert.Equal(queue.List(null, 1000).Select(o => o.Id), restored.List(null, 1000).Select(o => o.Id));
        Assert.Equal(queue.Version, restored.Version);
    }

    private static void Apply(PickupQueue queue, OrderView order) => queue.Apply(Assert.IsType<PickupQueueCommit>(queue.Accept(order)));

    private static OrderView Order(Guid id, long version, FulfillmentStatus status, DateTimeOffset placedAt, string store = "s1")
    {
        var line = new OrderLine("A", 1, FulfillmentKind.PICKUP, store, 2m, "r");
        return new OrderView(id, Guid.NewGuid(), "c1", OrderStatus.PLACED, [line], "EUR", placedAt, version, Channel.WEB,
            [new FulfillmentView("f1", FulfillmentKind.PICKUP, store, status, [line], null, placedAt.AddSeconds(version))], []);
    }
}
