using Omni.Carts;

namespace Omni.Orders;

[GenerateSerializer, Alias("Omni.Orders.OrderStatus")]
public enum OrderStatus
{
    PLACED,
    READY_FOR_PICKUP,
    COMPLETED,
    CANCELLED,
}

[GenerateSerializer, Immutable, Alias("Omni.Orders.OrderLine")]
public sealed record OrderLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] FulfillmentKind Fulfillment,
    [property: Id(3)] string StoreId,
    [property: Id(4)] decimal UnitPrice,
    [property: Id(5)] string ReservationId);

/// <summary>Where a fulfillment is: a pickup goes OPEN → READY_FOR_PICKUP → PICKED_UP, a delivery OPEN → SHIPPED; either may end CANCELLED.</summary>
[GenerateSerializer, Alias("Omni.Orders.FulfillmentStatus")]
public enum FulfillmentStatus
{
    OPEN,
    READY_FOR_PICKUP,
    PICKED_UP,
    SHIPPED,
    CANCELLED,
}

/// <summary>The lines of an order that leave from one location in one way.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Orders.FulfillmentView")]
public sealed record FulfillmentView(
    [property: Id(0)] string Id,
    [property: Id(1)] FulfillmentKind Kind,
    [property: Id(2)] string StoreId,
    [property: Id(3)] FulfillmentStatus Status,
    [property: Id(4)] IReadOnlyList<OrderLine> Lines,
    [property: Id(5)] DateTimeOffset? CollectBy,
    [property: Id(6)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("Omni.Orders.ReturnedLine")]
public sealed record ReturnedLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] decimal Refund);

/// <summary>Units of an order brought back at a store (any store), and what they refund.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Orders.OrderReturn")]
public sealed record OrderReturn(
    [property: Id(0)] string Id,
    [property: Id(1)] string StoreId,
    [property: Id(2)] IReadOnlyList<ReturnedLine> Lines,
    [property: Id(3)] string? Reason,
    [property: Id(4)] DateTimeOffset At)
{
    public decimal Refund => Lines.Sum(l => l.Refund);
}

/// <summary>What a till asks to take back: units of one SKU of the order.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Orders.ReturnRequestLine")]
public sealed record ReturnRequestLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity);

[GenerateSerializer, Immutable, Alias("Omni.Orders.OrderView")]
public sealed record OrderView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CartId,
    [property: Id(2)] string? CustomerId,
    [property: Id(3)] OrderStatus Status,
    [property: Id(4)] IReadOnlyList<OrderLine> Lines,
    [property: Id(5)] string Currency,
    [property: Id(6)] DateTimeOffset PlacedAt,
    [property: Id(7)] long Version,
    [property: Id(8)] Channel? Channel,
    [property: Id(9)] IReadOnlyList<FulfillmentView> Fulfillments,
    [property: Id(10)] IReadOnlyList<OrderReturn> Returns,
    [property: Id(11)] int PointsRedeemed = 0)
{
    public decimal Total => Lines.Sum(l => l.UnitPrice * l.Quantity);

    public decimal RefundedTotal => Returns.Sum(r => r.Refund);

    /// <summary>The order's pickup fulfillment at <paramref name="storeId"/>, if it has one.</summary>
    public FulfillmentView? PickupAt(string storeId) =>
        Fulfillments.FirstOrDefault(f => f.Kind == FulfillmentKind.PICKUP && f.StoreId == storeId);
}

[GenerateSerializer, Immutable, Alias("Omni.Orders.OrderResult")]
public sealed record OrderResult(
    [property: Id(0)] OrderView? Order,
    [property: Id(1)] IReadOnlyList<UserError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// One order (GUID key). Placing it is a saga the order drives itself: it is written first with
/// the holds it needs, then each hold is committed; if any cannot be, it is cancelled and every
/// unit goes back. The saga sweeper finishes or undoes a placement a crash interrupted.
/// </summary>
[Alias("Omni.Orders.IOrderGrain")]
public interface IOrderGrain : IGrainWithGuidKey
{
    [Alias("Get"), ReadOnly]
    Task<OrderView?> Get();

    [Alias("Place")]
    Task<OrderResult> Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency, Channel? channel = null);

    /// <summary>Returns the units to stock where they were taken.</summary>
    [Alias("Cancel")]
    Task<OrderResult> Cancel();

    /// <summary>A pickup fulfillment is prepared: the customer may come; <c>collectBy</c> starts running.</summary>
    [Alias("MarkReadyForPickup")]
    Task<OrderResult> MarkReadyForPickup(string fulfillmentId);

    /// <summary>A ready pickup fulfillment is handed over.</summary>
    [Alias("ConfirmPickup")]
    Task<OrderResult> ConfirmPickup(string fulfillmentId);

    /// <summary>A delivery fulfillment left its location.</summary>
    [Alias("MarkShipped")]
    Task<OrderResult> MarkShipped(string fulfillmentId);

    /// <summary>
    /// Units brought back at <paramref name="storeId"/>: they go into that store's on-hand and the
    /// order records the refund. <paramref name="returnId"/> makes it idempotent.
    /// </summary>
    [Alias("ReturnLines")]
    Task<OrderResult> ReturnLines(string returnId, string storeId, IReadOnlyList<ReturnRequestLine> lines, string? reason);

    /// <summary>Carries an interrupted placement or cancellation on (the saga sweeper calls this); a no-op for an order at rest.</summary>
    [Alias("Resume")]
    Task<OrderResult> Resume();

    [Alias("Subscribe")]
    Task Subscribe(IOrderObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IOrderObserver observer);
}

[Alias("Omni.Orders.IOrderObserver")]
public interface IOrderObserver : IGrainObserver
{
    [Alias("OrderChanged"), OneWay]
    Task OrderChanged(OrderView order);
}
