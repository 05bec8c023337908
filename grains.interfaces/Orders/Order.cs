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

[GenerateSerializer, Immutable, Alias("Omni.Orders.OrderView")]
public sealed record OrderView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CartId,
    [property: Id(2)] string? CustomerId,
    [property: Id(3)] OrderStatus Status,
    [property: Id(4)] IReadOnlyList<OrderLine> Lines,
    [property: Id(5)] string Currency,
    [property: Id(6)] DateTimeOffset PlacedAt,
    [property: Id(7)] long Version)
{
    public decimal Total => Lines.Sum(l => l.UnitPrice * l.Quantity);
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
    Task<OrderResult> Place(Guid cartId, string? customerId, IReadOnlyList<OrderLine> lines, string currency);

    /// <summary>Returns the units to stock where they were taken.</summary>
    [Alias("Cancel")]
    Task<OrderResult> Cancel();

    [Alias("Advance")]
    Task<OrderResult> Advance(OrderStatus status);

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
