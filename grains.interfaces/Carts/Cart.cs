namespace Omni.Carts;

[GenerateSerializer, Alias("Omni.Carts.Channel")]
public enum Channel
{
    WEB,
    APP,
    POS,
    KIOSK,
    CALL_CENTER,
}

[GenerateSerializer, Alias("Omni.Carts.FulfillmentKind")]
public enum FulfillmentKind
{
    SHIP,
    PICKUP,
}

/// <summary>How a line reaches the shopper: shipped (the cart picks a location that ships online) or picked up at a store.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Carts.Fulfillment")]
public sealed record Fulfillment(
    [property: Id(0)] FulfillmentKind Kind,
    [property: Id(1)] string? StoreId = null)
{
    public static Fulfillment Ship { get; } = new(FulfillmentKind.SHIP);
}

/// <summary>One line of a cart, with the location holding its stock and the hold itself.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Carts.CartLine")]
public sealed record CartLine(
    [property: Id(0)] string Id,
    [property: Id(1)] string Sku,
    [property: Id(2)] int Quantity,
    [property: Id(3)] FulfillmentKind Fulfillment,
    [property: Id(4)] string? StoreId,
    [property: Id(5)] string? ReservationId,
    [property: Id(6)] DateTimeOffset? ReservedUntil,
    [property: Id(7)] decimal UnitPrice,
    [property: Id(8)] string Currency,
    [property: Id(9)] DateTimeOffset? HeldSince = null)
{
    public decimal LineTotal => UnitPrice * Quantity;
}

/// <summary>A cart as every channel sees it, at <see cref="Version"/>.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Carts.CartView")]
public sealed record CartView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string? CustomerId,
    [property: Id(2)] long Version,
    [property: Id(3)] IReadOnlyList<CartLine> Lines,
    [property: Id(4)] string Currency,
    [property: Id(5)] bool CheckedOut,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] Channel? LastChangedBy,
    [property: Id(8)] Guid? MergedInto = null,
    [property: Id(9)] Guid? OrderId = null)
{
    public int ItemCount => Lines.Sum(l => l.Quantity);
    public decimal Subtotal => Lines.Sum(l => l.LineTotal);
}

/// <summary>
/// The outcome of a cart change: the cart after it, or why it was refused (and the cart
/// unchanged). <see cref="Denied"/>: the caller may not use this cart (or the session it named);
/// nothing about it is returned.
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Carts.CartResult")]
public sealed record CartResult(
    [property: Id(0)] CartView? Cart,
    [property: Id(1)] IReadOnlyList<UserError> Errors,
    [property: Id(2)] bool Denied = false)
{
    public bool Succeeded => Errors.Count == 0 && !Denied;
    public static CartResult Ok(CartView cart) => new(cart, []);
    public static CartResult Fail(CartView? cart, UserError error) => new(cart, [error]);
    public static CartResult Refused { get; } = new(null, [], Denied: true);
}

/// <summary>
/// Who is calling, as the API's token said: a customer, ops, or neither (anonymous). The grain
/// checks ownership itself, so the API need not read the cart first.
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Carts.Actor")]
public sealed record Actor(
    [property: Id(0)] string? CustomerId,
    [property: Id(1)] bool Ops = false)
{
    public static Actor Anonymous { get; } = new(CustomerId: null);
}

/// <summary>
/// Who is changing the cart and what they last saw. <see cref="SessionId"/>, when named, must be
/// the actor's and lends the change its channel. A null <see cref="Actor"/> is the cluster itself.
/// <see cref="Client"/> is the caller as the API counts it for its limits (its address, when
/// anonymous): an anonymous cart's held units count against it (<see cref="IClientHoldsGrain"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("Omni.Carts.ChangeContext")]
public sealed record ChangeContext(
    [property: Id(0)] Channel? Channel = null,
    [property: Id(1)] long? ExpectedVersion = null,
    [property: Id(2)] string? SessionId = null,
    [property: Id(3)] Actor? Actor = null,
    [property: Id(4)] string? Client = null);
