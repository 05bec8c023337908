namespace Omni.Orders;

/// <summary>One change to a store's pickup queue: the order as it now is, and the queue's version.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Orders.PickupQueueChange")]
public sealed record PickupQueueChange(
    [property: Id(0)] long Version,
    [property: Id(1)] OrderView Order);

/// <summary>
/// The orders with a pickup fulfillment at one store (key: the store id), the screen behind the
/// pickup counter. Fed by the order grains whenever such an order changes; an order's state older
/// than what the queue holds is ignored, so retries and redeliveries never count twice.
/// </summary>
[Alias("Omni.Orders.IPickupQueueGrain")]
public interface IPickupQueueGrain : IGrainWithStringKey
{
    /// <summary>Records the order's new state (a no-op when the queue has this version or a newer one).</summary>
    [Alias("Update")]
    Task Update(OrderView order);

    /// <summary>The orders whose pickup here has <paramref name="status"/> (any, when null), oldest first.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<OrderView>> List(FulfillmentStatus? status, int first);

    /// <summary>The last change, if any (a subscriber's starting point).</summary>
    [Alias("Last"), ReadOnly]
    Task<PickupQueueChange?> Last();

    [Alias("Subscribe")]
    Task Subscribe(IPickupQueueObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IPickupQueueObserver observer);
}

[Alias("Omni.Orders.IPickupQueueObserver")]
public interface IPickupQueueObserver : IGrainObserver
{
    [Alias("QueueChanged"), OneWay]
    Task QueueChanged(PickupQueueChange change);
}
